"""Aiguillage: a Rasa assistant that triages patrons' digital-help needs for public libraries."""
