"""rasa-sdk actions: thin adapters between Rasa and the domain packages."""
from bot.actions.privacy import ActionPrivacy
from bot.actions.referrals import ActionReferral
from bot.actions.triage import ActionTriage
from bot.actions.tutorials import ActionTutorial

__all__ = ["ActionPrivacy", "ActionReferral", "ActionTriage", "ActionTutorial"]
