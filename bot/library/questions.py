"""What a patron asks about the library itself: which site, and which topic (the hours of a day, the hours, the
phone, the address, a service such as printing), read from their words with `knowledge_base/sites.yml`."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Optional

from bot.booking.preferences import Preference, parse_preference
from bot.hours import PARIS
from bot.knowledge.sites import Service, Site, Sites
from bot.matching import best_mention
from bot.partners.places import best_named

SERVICE, DAY, HOURS, PHONE, ADDRESS, ACCESS, GENERAL = ("service", "day", "hours", "phone", "address", "access",
                                                        "general")
# Words that ask for a topic, most specific first: "quand ouvre l'accueil téléphonique" asks for the hours.
TOPIC_WORDS = {
    ACCESS: ("accessib", "ascenseur", "fauteuil", "poussette", "handicap", "marche", "marches", "rampe", "pmr",
             "escalier", "boucle magnétique"),
    HOURS: ("horaire", "heure", "ouvert", "ouvre", "ouvrez", "ouverture", "fermé", "fermez", "fermeture", "férié",
            "vacances", "quand"),
    PHONE: ("téléphone", "numéro", "appeler", "joindre", "tel", "tél"),
    ADDRESS: ("adresse", "où", "ou est", "ou se trouve", "c ou", "situé", "venir", "aller", "trouver", "bus",
              "tram", "métro", "parking", "garer", "itinéraire", "plan", "chemin", "accès"),
}
DAYS_AHEAD = 366  # a day asked for is found within a year


@dataclass(frozen=True)
class Question:
    """A question about the library: the site it names (if any), its topic, and the day or the service asked."""

    site: Optional[Site]
    topic: str
    day: Optional[date] = None
    service: Optional[Service] = None


def read_question(text: str, sites: Sites, now: datetime, site_id: Optional[str] = None) -> Question:
    """The question in `text` at `now` (aware); `site_id`, a site chosen by button, wins over a named one."""
    site = next((site for site in sites.sites if site.id == site_id), None) or named_site(text, sites)
    service = asked_service(text, sites)
    if service:
        return Question(site, SERVICE, service=service)
    day = asked_day(text, now)
    if day:
        return Question(site, DAY, day=day)
    for topic, words in TOPIC_WORDS.items():
        if best_mention(text, words):
            return Question(site, topic)
    return Question(site, GENERAL)


def named_site(text: str, sites: Sites) -> Optional[Site]:
    """The one site whose name or alias the patron typed ("la bibli du quartier"), if any."""
    found = best_named(text, [(site, [site.name, *site.aliases]) for site in sites.sites], prefixes=False)
    return found[0] if len(found) == 1 else None


def asked_service(text: str, sites: Sites) -> Optional[Service]:
    """The first service of the file whose words the patron used."""
    by_word: dict[str, Service] = {}
    for service in sites.services:
        for word in service.words:
            by_word.setdefault(word, service)
    found = best_mention(text, by_word)
    return by_word[found] if found else None


def asked_day(text: str, now: datetime) -> Optional[date]:
    """The day a patron asks about ("samedi", "demain", "le 24 décembre"), the next one from today."""
    preference = parse_preference(text, now)
    if preference is None or not (preference.weekdays or preference.first_day):
        return None
    today = now.astimezone(PARIS).date()
    return next((day for day in (today + timedelta(days=offset) for offset in range(DAYS_AHEAD))
                 if _fits(preference, day)), None)


def _fits(preference: Preference, day: date) -> bool:
    return ((not preference.weekdays or day.weekday() in preference.weekdays)
            and (preference.first_day is None or day >= preference.first_day)
            and (preference.last_day is None or day <= preference.last_day))
