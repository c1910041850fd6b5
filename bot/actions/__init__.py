"""rasa-sdk actions: thin adapters between Rasa and the domain packages."""
from bot.actions.privacy import ActionPrivacy
from bot.actions.triage import ActionTriage

__all__ = ["ActionPrivacy", "ActionTriage"]
