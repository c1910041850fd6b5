"""An appointment's statuses, and their words for every page and file that shows them (the console's agenda and
activity, the activity report, the bookings export)."""
from __future__ import annotations

CONFIRMED, CANCELLED = "confirmed", "cancelled"
DONE, NO_SHOW = "done", "no_show"  # after the appointment, marked by a mediator in the console
UNMARKED = "unmarked"  # an appointment that has started, still confirmed: nobody noted whether the patron came
STATUS_LABELS = {CONFIRMED: "confirmé", UNMARKED: "non noté", DONE: "venu", NO_SHOW: "pas venu",
                 CANCELLED: "annulé"}  # of one appointment; the activity report's columns in this order


def statuses_label(status: str) -> str:
    """The status of several appointments: « venus », « non notés »."""
    return f"{STATUS_LABELS[status]}s"
