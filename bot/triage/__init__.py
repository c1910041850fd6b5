"""Triage: a patron's need, as NLU understood it, to a route and a scope under the charter."""
from bot.triage.decision import Decision, Destination, Understanding, triage

__all__ = ["Decision", "Destination", "Understanding", "triage"]
