"""The mediators' agenda in the console: a week's bookings by day, what became of each appointment, and
cancelling one with a message to the patron, sent the way reminders are (bot/booking/reminders.py)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import groupby
from typing import Callable, Optional

from sqlalchemy import select

from bot.booking.contact import Contact
from bot.booking.models import Booking, Mediator, Site
from bot.booking.reminders import Mailer, Notify, greeting, tell
from bot.booking.slots import day_label, time_label
from bot.booking.statuses import CANCELLED, CONFIRMED
from bot.booking.store import BookingNotFound, BookingStore
from bot.hours import PARIS
from bot.knowledge import Charter, Topics
from bot.staff.models import StaffAccount

WORDS_LENGTH = 300  # the mediator's own words added to a cancellation message, at most
NOBODY = "none"  # a booking's `cancelled_via` when no message reached the patron
YEARS = range(2000, 2100)  # weeks asked for outside these years are refused (dates near year 1 or 9999 overflow)


class Refused(Exception):
    """Why an action on a booking cannot be done, in words for staff."""


@dataclass(frozen=True)
class Entry:
    """A booking as the agenda shows it, with the names of its site, mediator, topic and who handled it."""

    booking: Booking
    site: str
    mediator: str
    topic: str
    handled_by: Optional[str]

    @property
    def nobody_told(self) -> bool:
        """Cancelled by staff, and no message reached the patron."""
        return self.booking.status == CANCELLED and self.booking.cancelled_via == NOBODY

    @property
    def contact(self) -> Optional[str]:
        """The contact to reach the patron with: while the appointment is confirmed, or when nobody told them
        it was cancelled."""
        booking = self.booking
        if (booking.status != CONFIRMED and not self.nobody_told) or not booking.contact:
            return None
        return _contact(booking)


@dataclass(frozen=True)
class Told:
    """How a patron learnt their appointment was cancelled: the ways that worked ("email", a chat channel);
    when none did, the contact they left, for staff to call or write by hand."""

    via: tuple[str, ...]
    contact: Optional[str]

    @classmethod
    def of(cls, booking: Booking) -> Told:
        """What was recorded when staff cancelled `booking` (its `cancelled_via`)."""
        via = () if booking.cancelled_via in (None, NOBODY) else tuple(booking.cancelled_via.split("+"))
        return cls(via, _contact(booking) if booking.contact and not via else None)


def _contact(booking: Booking) -> str:
    return Contact(booking.contact_kind, booking.contact).display


def monday_named(week: str, today: date) -> date:
    """The Monday of the week `week` names: "2026-W48", a day "2026-11-26", or empty for `today`'s week;
    ValueError when it names none."""
    day = today
    if "-W" in week.upper():
        year, number = week.upper().split("-W")
        day = date.fromisocalendar(int(year), int(number), 1)
    elif week:
        day = date.fromisoformat(week)
    if day.year not in YEARS:
        raise ValueError(f"year {day.year} out of range")
    return day - timedelta(days=day.weekday())


def iso_week(day: date) -> str:
    """"2026-W48"."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_bounds(monday: date) -> tuple[datetime, datetime]:
    """Monday 0:00 to the next Monday 0:00, Paris time."""
    return (datetime.combine(monday, time(), tzinfo=PARIS),
            datetime.combine(monday + timedelta(days=7), time(), tzinfo=PARIS))


def topic_label(topic: Optional[str], charter: Charter, topics: Topics) -> str:
    """A booking's topic in plain French: the need of the intent triage found ("Apprendre : les e-mails"),
    or the label of a theme or partner kind; the topic itself when the knowledge base does not name it."""
    if not topic:
        return ""
    found = charter.need_of(topic)
    return found[0].title_for(found[1], topics) if found else topics.named(topic)


def cancellation_text(booking: Booking, site: Site, words: str) -> str:
    """The message to the patron in plain French (FALC): which appointment, the mediator's words if any, how to
    book again."""
    lines = [greeting(booking), "",
             f"Votre rendez-vous du {day_label(booking.start)} à {time_label(booking.start)} ({site.name}) "
             "est annulé."]
    if words:
        lines += ["", f"Message du médiateur : {words}"]
    lines += ["", "Pour prendre un autre rendez-vous,", "écrivez « rendez-vous » à l'assistant,",
              f"ou appelez le {site.phone_display}.", "", "Nous sommes désolés.", site.name]
    return "\n".join(lines)


def cancellation_subject(booking: Booking) -> str:
    """The cancellation e-mail's subject, saying which appointment."""
    return f"Rendez-vous annulé : {day_label(booking.start)} à {time_label(booking.start)}"


class Agenda:
    """The bookings of the store, labelled for staff, and what staff do with them; `mailer` and `notify` reach
    patrons (either may be None)."""

    def __init__(self, store: BookingStore, topic: Callable[[Optional[str]], str], mailer: Optional[Mailer],
                 notify: Optional[Notify]) -> None:
        self.store, self.topic, self.mailer, self.notify = store, topic, mailer, notify

    def week(self, monday: date, mediator_id: Optional[str] = None,
             site_id: Optional[str] = None) -> list[tuple[str, list[Entry]]]:
        """The bookings of the week starting `monday`, by day ("lundi 23 novembre"), earliest first."""
        bookings = self.store.bookings(*week_bounds(monday), mediator_id=mediator_id, site_id=site_id)
        with self.store.session() as session:
            sites = dict(session.execute(select(Site.id, Site.name)).all())
            mediators = dict(session.execute(select(Mediator.id, Mediator.first_name)).all())
            staff = dict(session.execute(select(StaffAccount.id, StaffAccount.name).where(
                StaffAccount.id.in_({booking.handled_by for booking in bookings}))).all())
        entries = [Entry(booking, sites.get(booking.site_id, booking.site_id),
                         mediators.get(booking.mediator_id, booking.mediator_id), self.topic(booking.topic),
                         staff.get(booking.handled_by)) for booking in bookings]
        return [(day, list(group)) for day, group in groupby(entries, lambda entry: day_label(entry.booking.start))]

    def record_outcome(self, booking_id: int, status: str, account_id: int) -> Booking:
        """Mark a booking that has started DONE or NO_SHOW, or back to CONFIRMED; the booking after it;
        BookingNotFound or Refused (saying why) when it cannot be."""
        if not self.store.record_outcome(booking_id, status, account_id):
            booking = self._found(booking_id)
            if booking.status == CANCELLED:
                raise Refused("Ce rendez-vous est annulé : il n'y a rien à noter.")
            if booking.start > self.store.clock():
                raise Refused("Ce rendez-vous n'a pas encore commencé. Notez-le après son début.")
            raise Refused("C'est déjà noté.")
        return self._found(booking_id)

    def cancellable(self, booking_id: int) -> Booking:
        """The booking if it can be cancelled (confirmed, not started); BookingNotFound or Refused otherwise."""
        booking = self._found(booking_id)
        if booking.status == CANCELLED:
            raise Refused("Ce rendez-vous est déjà annulé.")
        if booking.status != CONFIRMED or booking.start <= self.store.clock():
            raise Refused("Ce rendez-vous a déjà commencé : il ne peut plus être annulé.")
        return booking

    def cancel(self, booking_id: int, account_id: int, words: str) -> tuple[Booking, Told]:
        """Cancel a booking that has not started (its slot is free again) and tell the patron, with `words` from
        the mediator (WORDS_LENGTH at most); ValueError for longer words; BookingNotFound or Refused when the
        booking cannot be cancelled, and then nothing is done."""
        words = words.strip()
        if len(words) > WORDS_LENGTH:
            raise ValueError(f"words longer than {WORDS_LENGTH} characters")
        booking = self.cancellable(booking_id)
        if not self.store.cancel_for_staff(booking_id, account_id):
            raise Refused("Ce rendez-vous vient d'être annulé par quelqu'un d'autre, ou il a commencé.")
        via = tell(self.mailer, self.notify, booking, cancellation_subject(booking),
                   cancellation_text(booking, self.store.site_of(booking.site_id), words))
        booking.cancelled_via = "+".join(via) or NOBODY
        self.store.record_told(booking_id, booking.cancelled_via)
        return booking, Told.of(booking)

    def _found(self, booking_id: int) -> Booking:
        booking = self.store.booking(booking_id)
        if booking is None:
            raise BookingNotFound(str(booking_id))
        return booking
