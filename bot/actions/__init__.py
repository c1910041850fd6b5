"""rasa-sdk actions: thin adapters between Rasa and the domain packages."""
from bot.actions.asides import ActionExplain
from bot.actions.booking import (
    ActionAskBookingRecapOk,
    ActionAskBookingSite,
    ActionAskBookingSlot,
    ActionAskConsent,
    ActionBook,
    ActionManageBooking,
    ActionStartCode,
)
from bot.actions.forms import ValidateBookingForm, ValidateCodeForm
from bot.actions.privacy import ActionForgetMe, ActionPrivacy
from bot.actions.referrals import ActionPartnerDetails, ActionReferral
from bot.actions.triage import ActionTriage
from bot.actions.tutorials import ActionTutorial

__all__ = ["ActionAskBookingRecapOk", "ActionAskBookingSite", "ActionAskBookingSlot", "ActionAskConsent", "ActionBook",
           "ActionExplain", "ActionForgetMe", "ActionManageBooking", "ActionPartnerDetails", "ActionPrivacy",
           "ActionReferral", "ActionStartCode", "ActionTriage", "ActionTutorial", "ValidateBookingForm",
           "ValidateCodeForm"]
