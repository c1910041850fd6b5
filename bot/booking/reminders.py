"""Reminders the day before an appointment: by email when the patron left an address and an SMTP server is
configured (SMTP_URL), and on the chat channel the patron used through `notify` (Telegram plugs in there).

A reminder that could not be sent by email is tried again at the next run; once sent (or when nothing can
reach the patron) it is recorded and never sent again.
"""
from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Callable, Optional, Protocol
from urllib.parse import unquote, urlsplit

from bot.booking.calendar import booking_ics
from bot.booking.contact import EMAIL
from bot.booking.models import Booking, Site
from bot.booking.slots import day_label, time_label
from bot.booking.store import BookingStore
from bot.hours import PARIS

log = logging.getLogger(__name__)
SEND_HOURS = (9, 20)  # reminders go out from 9:00 to 20:00, Paris time
SCHEMES = {"smtp": ("plain", 25), "smtp+starttls": ("starttls", 587), "smtps": ("ssl", 465)}
Notify = Callable[[str, str, str], bool]  # (channel, sender_id, text) -> whether it was sent


@dataclass(frozen=True)
class Mailer:
    """An SMTP server to send emails through."""

    host: str
    port: int
    sender: str
    security: str = "plain"  # plain, starttls or ssl
    username: Optional[str] = None
    password: Optional[str] = None

    @classmethod
    def from_url(cls, url: str, sender: str) -> Optional["Mailer"]:
        """From SMTP_URL: smtp://host:25, smtp+starttls://user:password@host:587, smtps://user:password@host;
        None when `url` is empty."""
        if not url:
            return None
        parts = urlsplit(url)
        if parts.scheme not in SCHEMES or not parts.hostname:
            raise ValueError(f"SMTP_URL {parts.scheme}://…: write smtp://, smtp+starttls:// or smtps:// and a host")
        security, port = SCHEMES[parts.scheme]
        return cls(parts.hostname, parts.port or port, sender, security,
                   unquote(parts.username) if parts.username else None,
                   unquote(parts.password) if parts.password else None)

    def send(self, message: EmailMessage) -> None:
        """Send `message` from `sender`; raises OSError or smtplib.SMTPException on failure."""
        message["From"] = self.sender
        connect = smtplib.SMTP_SSL if self.security == "ssl" else smtplib.SMTP
        with connect(self.host, self.port, timeout=30) as server:
            if self.security == "starttls":
                server.starttls()
            if self.username:
                server.login(self.username, self.password or "")
            server.send_message(message)


def greeting(booking: Booking) -> str:
    """"Bonjour Marie,", or "Bonjour," without a first name (erased, or never given)."""
    return f"Bonjour {booking.first_name}," if booking.first_name else "Bonjour,"


def reminder_text(booking: Booking, site: Site) -> str:
    """The reminder in plain French (FALC): when, where, the code, how to cancel."""
    lines = [greeting(booking), "",
             "Vous avez rendez-vous demain avec un médiateur numérique.", "",
             f"Quand ? {day_label(booking.start).capitalize()} à {time_label(booking.start)}.",
             f"Où ? {site.name}, {site.full_address}."]
    if site.accessibility:
        lines.append(f"Accès : {site.accessibility}")
    lines += [f"Votre code : {booking.display_code}", "",
              "Vous ne pouvez pas venir ?",
              "Prévenez-nous : la place ira à une autre personne.",
              "Écrivez « annuler » à l'assistant et donnez votre code,",
              f"ou appelez le {site.phone_display}.", "",
              "À demain !", site.name]
    return "\n".join(lines)


def reminder_email(booking: Booking, site: Site) -> EmailMessage:
    """The reminder as an email to the booking's address, with the appointment as an .ics file."""
    message = EmailMessage()
    message["To"] = booking.contact
    message["Subject"] = f"Rappel : votre rendez-vous demain à {time_label(booking.start)}"
    message.set_content(reminder_text(booking, site))
    message.add_attachment(booking_ics(booking, site).encode("utf-8"), maintype="text", subtype="calendar",
                           filename=f"rendez-vous-{booking.display_code}.ics")
    return message


def send_due_reminders(store: BookingStore, now: datetime, mailer: Optional[Mailer],
                       notify: Optional[Notify] = None) -> int:
    """Remind the patrons of tomorrow's appointments, between SEND_HOURS; return how many were recorded."""
    if not SEND_HOURS[0] <= now.astimezone(PARIS).hour < SEND_HOURS[1]:
        return 0
    done = 0
    for booking in store.due_reminders(now):
        site = store.site_of(booking.site_id)
        via = []
        if mailer and booking.contact_kind == EMAIL and booking.contact:
            try:
                mailer.send(reminder_email(booking, site))
            except (OSError, smtplib.SMTPException) as error:
                log.warning("reminder of %s not sent by email, tried again later: %s", booking.display_code,
                            mail_error(error))
                continue
            via.append("email")
        if notify and booking.sender_id and notified(notify, booking, reminder_text(booking, site)):
            via.append(booking.channel)
        if not via:
            log.info("reminder of %s due, nothing can reach the patron on %s", booking.display_code, booking.channel)
        done += store.mark_reminded(booking, "+".join(via) or "none")
    return done


def mail_error(error: Exception) -> str:
    """What went wrong sending an e-mail, for the logs: the error's type and the SMTP code, never its text (which
    may hold the patron's address)."""
    code = getattr(error, "smtp_code", None)
    return f"{type(error).__name__} {code}" if code else type(error).__name__


class Patron(Protocol):
    """Whom a message goes to: a booking's or a workshop registration's patron."""

    contact: Optional[str]
    contact_kind: Optional[str]
    channel: str
    sender_id: str  # None once erased: callers check it first
    display_code: str


def tell(mailer: Optional[Mailer], notify: Optional[Notify], patron: Patron, subject: str, text: str) -> list[str]:
    """Send `text` to the patron by e-mail (with `subject`) and on their chat channel, as far as each can reach them;
    the ways that worked ("email", the channel)."""
    via = []
    if mailer and patron.contact_kind == EMAIL and patron.contact:
        message = EmailMessage()
        message["To"], message["Subject"] = patron.contact, subject
        message.set_content(text)
        try:
            mailer.send(message)
            via.append("email")
        except (OSError, smtplib.SMTPException) as error:
            log.warning("message about %s not sent by email: %s", patron.display_code, mail_error(error))
    if notify and patron.sender_id and notified(notify, patron, text):
        via.append(patron.channel)
    return via


def notified(notify: Notify, patron: Patron, text: str) -> bool:
    """Whether the patron's chat channel delivered `text`; a channel that fails does not stop what follows."""
    try:
        return notify(patron.channel, patron.sender_id, text)
    except Exception:  # noqa: BLE001 (any channel, any failure)
        log.exception("message about %s not sent on %s", patron.display_code, patron.channel)
        return False
