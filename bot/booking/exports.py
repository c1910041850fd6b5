"""The staff's CSV export of bookings: one row per booking, dates and times in Europe/Paris.

Semicolons and a byte order mark, so that a spreadsheet in French (Excel, LibreOffice) opens it as it is.
"""
from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Iterable, Mapping, Optional, Sequence

from bot.booking.models import Booking
from bot.booking.statuses import STATUS_LABELS
from bot.hours import PARIS
from bot.knowledge.partners import phone_display

COLUMNS = ["code", "statut", "date", "heure", "fin", "lieu", "médiateur", "thème", "urgent", "prénom", "contact",
           "type de contact", "accessibilité", "canal", "réservé le", "annulé le", "déplacé le",
           "rappel envoyé le", "anonymisé le"]


def _local(moment: Optional[datetime], form: str = "%Y-%m-%d %H:%M") -> str:
    return moment.astimezone(PARIS).strftime(form) if moment else ""


def _text(value: Optional[str]) -> str:
    """Text a patron typed, never read as a formula by a spreadsheet ("=…", "+…", "-…", "@…")."""
    return "'" + value if value and value[0] in "=+-@" else value or ""


def _contact(booking: Booking) -> str:
    """Phone numbers as dialled in France ("06 12 34 56 78"), emails as they are."""
    if booking.contact and booking.contact.startswith("+33"):
        return phone_display(booking.contact)
    return _text(booking.contact)


def _row(booking: Booking, sites: Mapping[str, str], mediators: Mapping[str, str]) -> list[str]:
    return [booking.display_code, STATUS_LABELS.get(booking.status, booking.status), _local(booking.start, "%Y-%m-%d"),
            _local(booking.start, "%H:%M"), _local(booking.end, "%H:%M"), sites.get(booking.site_id, booking.site_id),
            mediators.get(booking.mediator_id, booking.mediator_id), booking.topic or "",
            "oui" if booking.urgent else "non", _text(booking.first_name), _contact(booking),
            booking.contact_kind or "", _text(booking.accessibility), booking.channel, _local(booking.created_at),
            _local(booking.cancelled_at), _local(booking.moved_at), _local(booking.reminded_at),
            _local(booking.anonymised_at)]


def bookings_csv(bookings: Iterable[Booking], sites: Mapping[str, str], mediators: Mapping[str, str]) -> str:
    """The CSV text; `sites` and `mediators` give the names shown for their ids."""
    return spreadsheet_csv([COLUMNS, *(_row(booking, sites, mediators) for booking in bookings)])


def spreadsheet_csv(rows: Iterable[Sequence[object]]) -> str:
    """CSV text that a spreadsheet in French opens as it is: semicolons, a byte order mark, CRLF."""
    out = io.StringIO()
    out.write("\ufeff")
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(rows)
    return out.getvalue()
