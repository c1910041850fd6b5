"""rasa-sdk actions: thin adapters between Rasa and the domain packages."""
from bot.actions.asides import ActionExplain
from bot.actions.booking import (
    ActionAskBookingRecapOk,
    ActionAskBookingSite,
    ActionAskBookingSlot,
    ActionAskConsent,
    ActionBook,
    ActionStartCode,
)
from bot.actions.codes import ActionManageBooking, ActionManageWorkshop, ActionStartWorkshopCode
from bot.actions.forms import ValidateBookingForm, ValidateCodeForm, ValidateWorkshopCodeForm, ValidateWorkshopForm
from bot.actions.privacy import ActionForgetMe, ActionPrivacy
from bot.actions.referrals import ActionPartnerDetails, ActionReferral
from bot.actions.triage import ActionTriage
from bot.actions.tutorials import ActionTutorial
from bot.actions.workshops import ActionAskWorkshopSession, ActionAskWorkshopWait, ActionRegisterWorkshop

__all__ = ["ActionAskBookingRecapOk", "ActionAskBookingSite", "ActionAskBookingSlot", "ActionAskConsent", "ActionBook",
           "ActionAskWorkshopSession", "ActionAskWorkshopWait", "ActionExplain", "ActionForgetMe",
           "ActionManageBooking", "ActionManageWorkshop", "ActionPartnerDetails", "ActionPrivacy", "ActionReferral",
           "ActionRegisterWorkshop", "ActionStartCode", "ActionStartWorkshopCode", "ActionTriage", "ActionTutorial",
           "ValidateBookingForm", "ValidateCodeForm", "ValidateWorkshopCodeForm", "ValidateWorkshopForm"]
