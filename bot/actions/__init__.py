"""rasa-sdk actions: thin adapters between Rasa and the domain packages."""
from bot.actions.booking import (ActionAskBookingRecapOk, ActionAskBookingSite, ActionAskBookingSlot, ActionAskConsent,
                                 ActionBook, ActionManageBooking, ActionStartCode, ValidateBookingForm, ValidateCodeForm)
from bot.actions.privacy import ActionForgetMe, ActionPrivacy
from bot.actions.referrals import ActionReferral
from bot.actions.triage import ActionTriage
from bot.actions.tutorials import ActionTutorial

__all__ = ["ActionAskBookingRecapOk", "ActionAskBookingSite", "ActionAskBookingSlot", "ActionAskConsent", "ActionBook",
           "ActionForgetMe", "ActionManageBooking", "ActionPrivacy", "ActionReferral", "ActionStartCode", "ActionTriage",
           "ActionTutorial", "ValidateBookingForm", "ValidateCodeForm"]
