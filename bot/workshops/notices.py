"""What workshop patrons are told outside the conversation, by e-mail (when they left an address and SMTP_URL is set)
and on their chat channel (`notify`: Telegram): a seat freed for them, a session cancelled by staff, the reminder the
day before. Plain French (FALC). The jobs also give up on promoted patrons who could not be told (SKIP_AFTER)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, Optional

from bot.booking.models import Site
from bot.booking.reminders import SEND_HOURS, Mailer, Notify, tell
from bot.booking.slots import day_label, time_label
from bot.hours import PARIS
from bot.workshops.models import Registration, WorkshopSession
from bot.workshops.store import Place, WorkshopStore

NOBODY = "none"
SiteOf = Callable[[str], Site]  # the booking store's site_of


def greeting(registration: Registration) -> str:
    return f"Bonjour {registration.first_name}," if registration.first_name else "Bonjour,"


def when_where(session: WorkshopSession, site: Site) -> list[str]:
    start = session.start_paris
    return [f"Quand ? {day_label(start).capitalize()} à {time_label(start)}.",
            f"Où ? {site.name}, {site.full_address}" + (f" ({session.room})." if session.room else ".")]


def promotion_text(place: Place, site: Site) -> str:
    """A seat freed for a waiting patron: they are registered now."""
    registration, session = place.registration, place.session
    return "\n".join([
        greeting(registration), "", f"Bonne nouvelle : une place s'est libérée à l'atelier « {session.title} ».",
        "Vous êtes inscrit.", "", *when_where(session, site), f"Votre code : {registration.display_code}", "",
        "Vous ne pouvez pas venir ?", "Écrivez « annuler mon inscription » à l'assistant avec votre code,",
        f"ou appelez le {site.phone_display} : la place ira à une autre personne.", "", site.name])


def cancellation_text(registration: Registration, session: WorkshopSession, site: Site, words: str = "") -> str:
    """A session cancelled by staff."""
    lines = [greeting(registration), "",
             f"L'atelier « {session.title} » du {day_label(session.start_paris)} à {time_label(session.start_paris)} "
             "est annulé."]
    if words:
        lines += ["", f"Message de la bibliothèque : {words}"]
    lines += ["", "Pour voir les autres ateliers, écrivez « ateliers » à l'assistant,",
              f"ou appelez le {site.phone_display}.", "", "Nous sommes désolés.", site.name]
    return "\n".join(lines)


def reminder_text(place: Place, site: Site) -> str:
    """The reminder the day before."""
    registration, session = place.registration, place.session
    return "\n".join([
        greeting(registration), "", f"Vous êtes inscrit demain à l'atelier « {session.title} ».", "",
        *when_where(session, site), f"Votre code : {registration.display_code}", "",
        "Vous ne pouvez pas venir ?", "Prévenez-nous : la place ira à une autre personne.",
        "Écrivez « annuler mon inscription » à l'assistant avec votre code,", f"ou appelez le {site.phone_display}.",
        "", "À demain !", site.name])


@dataclass(frozen=True)
class Messenger:
    """Reaches patrons by e-mail (`mailer`) and on their chat channel (`notify`); either may be None."""

    mailer: Optional[Mailer]
    notify: Optional[Notify]

    def tell(self, registration: Registration, subject: str, text: str) -> str:
        """Send `text`; how it went: "email", the channel, both joined by "+", or "none"."""
        return "+".join(tell(self.mailer, self.notify, registration, subject, text)) or NOBODY

    def promoted(self, store: WorkshopStore, places: list[Place], site_of: SiteOf) -> None:
        """Tell each promoted patron; one not told stays untold (tried again by the jobs, skipped after SKIP_AFTER)."""
        for place in places:
            via = self.tell(place.registration, f"Une place pour vous : {place.session.title}",
                            promotion_text(place, site_of(place.session.site_id)))
            if via != NOBODY:
                store.mark_told(place.registration.id, via)

    def cancelled(self, store: WorkshopStore, registrations: list[Registration], session: WorkshopSession,
                  site: Site, words: str = "") -> dict[str, int]:
        """Tell each patron of a session staff cancelled; how many by each way ("email", "telegram", "none")."""
        counts: dict[str, int] = {}
        for registration in registrations:
            via = self.tell(registration, f"Atelier annulé : {session.title}",
                            cancellation_text(registration, session, site, words))
            store.record_cancel_told(registration.id, via)
            for way in via.split("+"):
                counts[way] = counts.get(way, 0) + 1
        return counts


def run_jobs(store: WorkshopStore, messenger: Messenger, site_of: SiteOf, now: datetime,
             skip_after: timedelta) -> int:
    """One round: promotions told again or given up on, free seats filled, reminders of tomorrow's sessions
    (between SEND_HOURS); returns how many patrons were told or reminded."""
    messenger.promoted(store, store.untold(), site_of)
    messenger.promoted(store, store.skip_untold(skip_after) + store.fill_all(), site_of)
    if not SEND_HOURS[0] <= now.astimezone(PARIS).hour < SEND_HOURS[1]:
        return 0
    done = 0
    for place in store.due_reminders(now):
        via = messenger.tell(place.registration, f"Rappel : votre atelier demain à {time_label(place.session.start)}",
                             reminder_text(place, site_of(place.session.site_id)))
        done += store.mark_reminded(place.registration.id, via)
    return done
