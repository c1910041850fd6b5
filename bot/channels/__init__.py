"""Rasa input and output channels."""
