"""The assistant's answers about the library itself, from `knowledge_base/sites.yml`: the reply to a question (a
response of domain.yml and its words) and the site's card (docs/contract.md §5 `custom.site`)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Optional

from bot.booking.slots import day_label
from bot.hours import PARIS, Opening, day_hours, describe, opening, said_hours, said_moment, week
from bot.knowledge.sites import Site, Sites
from bot.library.questions import ACCESS, ADDRESS, DAY, HOURS, PHONE, SERVICE, Question

NO_HOURS = "Appelez avant de venir : je n'ai pas ses horaires."


@dataclass(frozen=True)
class Reply:
    """A response of domain.yml, the words that fill it, and the site it is about."""

    response: str
    site: Site
    words: dict[str, str] = field(default_factory=dict)


def answer(question: Question, sites: Sites, now: datetime) -> Reply:
    """The reply to a question about the library: about the site it names, else the one that offers the
    service asked, else the main site."""
    site = question.site or sites.main
    if question.topic == SERVICE and question.service:
        offering = [candidate for candidate in [site, *sites.sites] if question.service.id in candidate.services]
        if not offering:
            return Reply("utter_library_no_service", site, {"name": site.name, "label": question.service.label})
        words = {"name": offering[0].name, "label": question.service.label, "details": question.service.details or ""}
        elsewhere = offering[0] is not site
        return Reply("utter_library_service_elsewhere" if elsewhere else "utter_library_service", offering[0],
                     {**words, "asked": site.name})
    if question.topic == DAY and question.day:
        return day_reply(site, question.day, now)
    if question.topic == HOURS:
        hours = week(site.opening_hours, now.astimezone(PARIS).date()) if site.opening_hours else ""
        return Reply("utter_library_hours" if hours else "utter_library_hours_unknown", site,
                     {"name": site.name, "week": hours, "phone": site.phone_display})
    if question.topic == PHONE:
        return Reply("utter_library_phone", site, {"name": site.name, "phone": site.phone_display,
                                                   "answering": answering(site, now)})
    if question.topic == ACCESS and site.accessibility:
        return Reply("utter_library_access", site, {"name": site.name, "accessibility": site.accessibility})
    if question.topic == ADDRESS:
        return Reply("utter_library_address", site, {"name": site.name, "address": site.full_address,
                                                     "how_to_come": site.how_to_come or ""})
    return Reply("utter_library_general", site, {"name": site.name, "phone": site.phone_display})


def day_reply(site: Site, day: date, now: datetime) -> Reply:
    """Whether the site opens on `day`, and when."""
    words = {"name": site.name, "day": said_day(day, now), "phone": site.phone_display}
    if not site.opening_hours:
        return Reply("utter_library_hours_unknown", site, words)
    periods = day_hours(site.opening_hours, day)
    if not periods:
        return Reply("utter_library_day_closed", site, words)
    return Reply("utter_library_day", site, {**words, "hours": said_hours(periods)})


def said_day(day: date, now: datetime) -> str:
    """ "aujourd'hui", "demain", "samedi 12 décembre"."""
    today = now.astimezone(PARIS).date()
    if day == today:
        return "aujourd'hui"
    if day == today + timedelta(days=1):
        return "demain"
    return day_label(datetime.combine(day, time(12), PARIS))


def status_of(site: Site, now: datetime) -> Optional[Opening]:
    """Whether the site is open at `now`; None when its hours are not known."""
    return opening(site.opening_hours, now) if site.opening_hours else None


def answering(site: Site, now: datetime) -> str:
    """Whether someone answers the site's phone now, and until or from when, in one plain French sentence."""
    status = status_of(site, now)
    if status is not None and status.open:
        until = f", jusqu'à {said_moment(status.next_change, now, today='')}" if status.next_change else ""
        return f"Quelqu'un vous répond maintenant{until}."
    if status is None or status.next_change is None:
        return NO_HOURS
    return f"Personne ne répond maintenant : rappelez {said_moment(status.next_change, now)}."


def card(site: Site, sites: Sites, now: datetime) -> dict[str, Any]:
    """The site as docs/contract.md §5 `custom.site`, with its status in words (« Ouvert maintenant, jusqu'à
    18 h. »)."""
    status = status_of(site, now)
    return {"id": site.id, "name": site.name, "address": site.full_address, "phone": site.phone,
            "opening_hours": site.opening_hours, "open_now": bool(status and status.open),
            "services": [service.label for service in sites.services_of(site)],
            "status": describe(status, now) if status else NO_HOURS, "how_to_come": site.how_to_come,
            "accessibility": site.accessibility}
