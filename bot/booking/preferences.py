"""When a patron would like to come, said in French: "mardi", "jeudi matin", "la semaine prochaine",
"demain après-midi", "le 12 mars", "12/03", "pas le lundi", "après 16 h". Typos and missing accents are tolerated.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any, Iterator, Optional

from rapidfuzz import fuzz, process

from bot.hours import MONTHS, PARIS, WEEKDAYS
from bot.matching import normalise

MORNING, AFTERNOON, EVENING = "matin", "apres-midi", "soir"
PARTS = {MORNING: (time(0), time(12)), AFTERNOON: (time(12), time(18)), EVENING: (time(17), time.max)}
PART_WORDS = {"matin": MORNING, "matinee": MORNING, "aprem": AFTERNOON, "apresmidi": AFTERNOON,
              "soir": EVENING, "soiree": EVENING}
DAY_WORDS = {"demain": 1, "aujourdhui": 0}
MONTH_WORDS = {normalise(month): index + 1 for index, month in enumerate(MONTHS)}
MONTH_WORDS.update({"janv": 1, "fev": 2, "fevr": 2, "avr": 4, "juil": 7, "sept": 9, "oct": 10, "nov": 11, "dec": 12})
WEEKDAY_WORDS = {normalise(day): index for index, day in enumerate(WEEKDAYS)}
NEGATIONS = {"pas", "sauf", "ni", "jamais", "hors"}
ANY_TIME = ("peu importe", "nimporte quand", "quand vous voulez", "comme vous voulez", "le plus tot",
            "au plus vite", "des que possible", "pas de preference", "indifferent", "tout me va", "na pas dimportance")
FUZZY_SCORE = 85  # rapidfuzz ratio from which a word of 5 letters or more counts as a day or month name
PHRASES = [  # rewritten to one word before reading the words
    (r"\bapres demain\b", "apresdemain"), (r"\bapres midi\b|\bapre midi\b|\bap midi\b", "apresmidi"),
    (r"\baujourd hui\b", "aujourdhui"), (r"\bweek end\b", "weekend"),
    (r"\b(la )?semaine (prochaine|pro|suivante|dapres)\b", "semaineprochaine"),
    (r"\b(cette|la) semaine\b|\bdans la semaine\b", "cettesemaine"), (r"\bmois prochain\b", "moisprochain"),
    (r"\bce (matin|soir)\b|\bcet (apresmidi|aprem)\b", r"aujourdhui \1\2"), (r"\ba partir de\b", "apres"),
]
NUMERIC_DATE = re.compile(r"\b(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{2}|\d{4}))?\b")
WRITTEN_DATE = re.compile(r"\b(\d{1,2}|1er|premier) (\w+)")
DAY_OF_MONTH = re.compile(r"\ble (\d{1,2}|1er|premier)\b(?! ?(?:h\b|heures?\b|[/.\-]?\d))")
CLOCK = re.compile(r"\b(apres|des|avant|vers|a)? ?(\d{1,2}) ?(?:h|heures?) ?(\d{2})?\b|\b(avant) midi\b")


@dataclass(frozen=True)
class Preference:
    """Which slots a patron would like; every empty field accepts all."""

    weekdays: frozenset[int] = frozenset()  # 0 Monday … 6 Sunday
    parts: frozenset[str] = frozenset()  # matin, apres-midi, soir
    first_day: Optional[date] = None
    last_day: Optional[date] = None
    earliest: Optional[time] = None  # the slot starts at this time or later
    latest: Optional[time] = None  # the slot starts before this time

    def accepts(self, start: datetime) -> bool:
        """Whether a slot starting at `start` (aware) fits."""
        local = start.astimezone(PARIS)
        day, clock = local.date(), local.time()
        return ((not self.weekdays or local.weekday() in self.weekdays)
                and (not self.parts or any(PARTS[part][0] <= clock < PARTS[part][1] for part in self.parts))
                and (self.first_day is None or day >= self.first_day)
                and (self.last_day is None or day <= self.last_day)
                and (self.earliest is None or clock >= self.earliest)
                and (self.latest is None or clock < self.latest))

    @property
    def is_any(self) -> bool:
        """True when every slot fits ("peu importe")."""
        return self == Preference()


def parse_preference(text: str, now: datetime) -> Optional[Preference]:
    """The preference said in `text` at `now` (aware); None when nothing in it says when."""
    words = _words(text)
    today = now.astimezone(PARIS).date()
    found = _days(words, today)
    found = _weekdays_and_parts(words, found)
    found = _dates(" ".join(words), today, found)
    found = _clock(" ".join(words), found)
    if found is not None:
        return found
    plain = " ".join(words)
    return Preference() if any(phrase in plain for phrase in ANY_TIME) else None


def _words(text: str) -> list[str]:
    """Normalised words, with the French phrases of PHRASES glued to one word."""
    plain = normalise(re.sub(r"['’\-,;!?]", " ", text))
    for pattern, replacement in PHRASES:
        plain = re.sub(pattern, replacement, plain)
    return plain.split()


def _merge(found: Optional[Preference], **changes: Any) -> Preference:
    return replace(found or Preference(), **changes)


def _days(words: list[str], today: date) -> Optional[Preference]:
    """"aujourd'hui", "demain", "après-demain", "cette semaine", "la semaine prochaine", "le mois prochain"."""
    found: Optional[Preference] = None
    for word in words:
        if word in DAY_WORDS or word == "apresdemain":
            day = today + timedelta(days=DAY_WORDS.get(word, 2))
            found = _merge(found, first_day=day, last_day=day)
        elif word == "cettesemaine":
            found = _merge(found, first_day=today, last_day=today + timedelta(days=6 - today.weekday()))
        elif word == "semaineprochaine":
            monday = today + timedelta(days=7 - today.weekday())
            found = _merge(found, first_day=monday, last_day=monday + timedelta(days=6))
        elif word == "moisprochain":
            first = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
            found = _merge(found, first_day=first, last_day=(first + timedelta(days=32)).replace(day=1) - timedelta(1))
    return found


def _named(word: str, names: dict[str, int]) -> Optional[int]:
    """The value of `word` in `names`, exactly or, from 5 letters, with a typo ("mecredi", "mardis")."""
    if word in names:
        return names[word]
    if len(word) < 5:
        return None
    match = process.extractOne(word, names.keys(), scorer=fuzz.ratio, score_cutoff=FUZZY_SCORE)
    return names[match[0]] if match else None


def _weekdays_and_parts(words: list[str], found: Optional[Preference]) -> Optional[Preference]:
    """Weekdays and parts of the day; after "pas", "sauf" or "ni" they are excluded ("pas le lundi")."""
    wanted: dict[str, set] = {"weekdays": set(), "parts": set()}
    unwanted: dict[str, set] = {"weekdays": set(), "parts": set()}
    for index, word in enumerate(words):
        negated = bool(NEGATIONS & set(words[max(0, index - 2):index]))
        for field, value in _meanings(word):
            (unwanted if negated else wanted)[field].add(value)
    everything: dict[str, set] = {"weekdays": set(range(7)), "parts": set(PARTS)}
    changes = {}
    for field in ("weekdays", "parts"):
        if wanted[field] or unwanted[field]:
            changes[field] = frozenset((wanted[field] or everything[field]) - unwanted[field])
    return _merge(found, **changes) if changes else found


def _meanings(word: str) -> Iterator[tuple[str, object]]:
    if word == "weekend":
        yield from (("weekdays", 5), ("weekdays", 6))
    elif word in PART_WORDS or _named(word, {"matin": 0, "matinee": 0}) is not None:
        yield "parts", PART_WORDS.get(word, MORNING)
    else:
        weekday = _named(word, WEEKDAY_WORDS)
        if weekday is not None:
            yield "weekdays", weekday


def _dates(plain: str, today: date, found: Optional[Preference]) -> Optional[Preference]:
    """"le 12 mars", "1er avril", "12/03", "12/03/2027", "le 12"; without a year or month, the next such day.
    A date replaces the weekdays: "mardi 3 mars" is the 3rd of March even when it is not a Tuesday."""
    for match in NUMERIC_DATE.finditer(plain):
        year = int(match.group(3)) + (2000 if match.group(3) and len(match.group(3)) == 2 else 0) \
            if match.group(3) else None
        day = _date(int(match.group(1)), int(match.group(2)), year, today)
        if day:
            return _merge(found, first_day=day, last_day=day, weekdays=frozenset())
    for match in WRITTEN_DATE.finditer(plain):
        month = _named(match.group(2), MONTH_WORDS)
        number = 1 if match.group(1) in ("1er", "premier") else int(match.group(1))
        day = _date(number, month, None, today) if month else None
        if day:
            return _merge(found, first_day=day, last_day=day, weekdays=frozenset())
    day_of_month = DAY_OF_MONTH.search(plain)
    day = _next_day_of_month(day_of_month.group(1), today) if day_of_month else None
    return _merge(found, first_day=day, last_day=day, weekdays=frozenset()) if day else found


def _next_day_of_month(number: str, today: date) -> Optional[date]:
    """"le 12": the 12th of this month, or of the next one when it is past."""
    day = 1 if number in ("1er", "premier") else int(number)
    month = today.replace(day=1)
    for _ in range(3):  # "le 31" in November is in December
        if month > today or day >= today.day:
            found = _date(day, month.month, month.year, today)
            if found:
                return found
        month = (month + timedelta(days=32)).replace(day=1)
    return None


def _date(day: int, month: int, year: Optional[int], today: date) -> Optional[date]:
    """That day, in `year` or else the next one from `today`; None when it does not exist."""
    for candidate_year in ([year] if year else [today.year, today.year + 1]):
        try:
            candidate = date(candidate_year, month, day)
        except ValueError:
            return None
        if year or candidate >= today:
            return candidate
    return None


def _clock(plain: str, found: Optional[Preference]) -> Optional[Preference]:
    """"après 16 h" (from then on), "avant 11 h" (earlier), "vers 14 h" or "à 14 h" (within an hour of it)."""
    for match in CLOCK.finditer(plain):
        word, hour, minutes, noon_word = match.groups()
        if noon_word:
            word, hour, minutes = noon_word, "12", None
        if int(hour) > 23 or int(minutes or 0) > 59:
            continue
        moment = datetime.combine(date.min, time(int(hour), int(minutes or 0)))
        if word in ("apres", "des"):
            return _merge(found, earliest=moment.time())
        if word == "avant":
            return _merge(found, latest=moment.time())
        around = timedelta(hours=1)
        return _merge(found, earliest=max(moment - around, moment.replace(hour=0, minute=0)).time(),
                      latest=(moment + around).time() if moment.hour < 23 else None)
    return found
