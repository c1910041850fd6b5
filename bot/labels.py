"""The words for the assistant's routes and the appointments' statuses, written once for every page and file that
shows them: the console (agenda, activity, conversations, training), the activity report and the bookings export."""
from __future__ import annotations

from bot.booking.models import CANCELLED, CONFIRMED, DONE, NO_SHOW

ROUTE_LABELS = {"tutorial": "apprendre (fiche)", "booking": "rendez-vous", "referral": "orientation",
                "charter": "hors charte", "info": "renseignement", "out_of_scope": "hors sujet",
                "clarify": "précision demandée"}
UNMARKED = "unmarked"  # an appointment that has started, still confirmed: nobody noted whether the patron came
STATUS_LABELS = {CONFIRMED: "confirmé", UNMARKED: "non noté", DONE: "venu", NO_SHOW: "pas venu",
                 CANCELLED: "annulé"}  # of one appointment; the activity report's columns in this order


def statuses_label(status: str) -> str:
    """The status of several appointments: « venus », « non notés »."""
    return f"{STATUS_LABELS[status]}s"
