"""Simulated patrons: scripted conversations over the REST channel (docs/contract.md §2), each request timed and
attributed to the Rasa replica that answered it."""
from __future__ import annotations

import asyncio
import math
import random
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, NoReturn, Optional, TypeVar

import httpx

from bot.channels.rest import unavailable
from tests.e2e.chat import asked, booked, buttons, customs, texts

Messages = list[dict[str, Any]]
GREETINGS = ("bonjour", "Bonjour !", "salut", "bonsoir")
LEARNING = ("je veux apprendre à envoyer un mail", "je voudrais apprendre à faire un appel vidéo",
            "comment je fais pour envoyer des photos de mon téléphone", "comment créer un mot de passe solide",
            "je veux apprendre à faire une recherche sur internet", "/learn_franceconnect")
REFERRALS = ("ma caf ne m'a pas payé", "mes remboursements de la sécu n'arrivent pas",
             "j'ai besoin d'aide pour écrire une lettre", "j'ai 19 ans et je cherche une formation",
             "je n'ai pas reçu mon allocation chômage", "j'ai une question sur ma déclaration d'impôts")
COMMUNES = ("Chinon", "amboize", "tours")
FIRST_NAMES = ("Marie", "Ahmed", "Josiane", "Kevin", "Lucie", "Mamadou", "Odette")
BOOKING = "je voudrais un rendez-vous avec un conseiller numérique"
CANCEL = "je voudrais annuler mon rendez-vous"
GOODBYES = ("merci beaucoup", "au revoir")
FORM_TURNS = 12  # answers of one booking form at the most (slots taken by others included)
TAKEN = "vient d'être pris"
T = TypeVar("T")


class Lost(Exception):
    """A request without a proper answer: the conversation cannot go on."""


class Unexpected(Exception):
    """The bot's turn is not the one the script expects."""


class TimeUp(Exception):
    """The test's duration is over: the patron leaves."""


@dataclass
class Traffic:
    """Every request of the run: latencies by replica, what went wrong, the bookings patrons saw."""

    replicas: dict[str, str]  # host:port -> replica name
    deadline: float  # time.monotonic() when patrons stop
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    patrons: list["Patron"] = field(default_factory=list)
    bookings: dict[str, str] = field(default_factory=dict)  # code as shown -> last status the patron saw
    finished: Counter[str] = field(default_factory=Counter)  # scripts played to the end, by name
    slots_taken: int = 0

    def replica(self, response: httpx.Response) -> str:
        """The replica that answered: named by the proxy's X-Upstream header, else the address called."""
        upstream = response.headers.get("x-upstream") or f"{response.url.host}:{response.url.port}"
        return self.replicas.get(upstream, upstream)


class Patron:
    """One conversation (a new sender id) and every message it sent, in order; messages sent at once are
    grouped."""

    def __init__(self, client: httpx.AsyncClient, url: str, traffic: Traffic, rng: random.Random,
                 think: tuple[float, float], deadline: Optional[float] = None):
        self.client, self.url, self.traffic, self.rng, self.think = client, url, traffic, rng, think
        self.deadline = traffic.deadline if deadline is None else deadline
        self.sender = uuid.uuid4().hex
        self.sent: list[tuple[str, ...]] = []
        self.broken = False  # a request was lost: what the tracker holds is unknown
        traffic.patrons.append(self)

    async def say(self, message: str) -> Messages:
        """Read, type, then send `message` through the proxy."""
        await asyncio.sleep(self.rng.uniform(*self.think))
        if time.monotonic() > self.deadline:
            raise TimeUp
        self.sent.append((message,))
        return await self.post(message, self.url)

    async def say_at_once(self, messages: list[tuple[str, str]]) -> list[Messages]:
        """Send each (message, url) at the same moment, as an impatient patron or racing patrons do."""
        self.sent.append(tuple(message for message, _ in messages))
        return list(await asyncio.gather(*(self.post(message, url) for message, url in messages)))

    async def post(self, message: str, url: str) -> Messages:
        started = time.monotonic()
        try:
            response = await self.client.post(f"{url}/webhooks/rest/webhook",
                                              json={"sender": self.sender, "message": message})
        except httpx.HTTPError as error:
            self.lost(f"{message!r}: {type(error).__name__} {error}")
        if response.status_code != 200:
            self.lost(f"{message!r}: HTTP {response.status_code} {response.text[:200]}")
        self.traffic.latencies[self.traffic.replica(response)].append(time.monotonic() - started)
        answer = response.json()
        if not answer or unavailable() in texts(answer):
            self.lost(f"{message!r}: answered {answer}")
        return answer

    def lost(self, what: str) -> NoReturn:
        self.broken = True
        self.traffic.errors.append(what)
        raise Lost(what)


def expect(condition: Any, what: str, messages: Messages) -> None:
    if not condition:
        raise Unexpected(f"{what}, got {messages}")


def payload(messages: Messages, rng: random.Random, containing: str = "") -> str:
    """The payload of a random button of the turn whose payload contains `containing`."""
    choices = [button["payload"] for button in buttons(messages) if containing in button["payload"]]
    expect(choices, f"a button with {containing!r}", messages)
    return rng.choice(choices)


async def tutorial(patron: Patron) -> None:
    """A learning need, the two level questions answered by buttons, then a fiche."""
    await patron.say(patron.rng.choice(GREETINGS))
    messages = await patron.say(patron.rng.choice(LEARNING))
    for _ in range(2):
        expect(asked(messages) == "level", "a level question", messages)
        messages = await patron.say(payload(messages, patron.rng))
    expect(customs(messages, "tutorial"), "a tutorial", messages)
    await patron.say(patron.rng.choice(GOODBYES))


async def referral(patron: Patron) -> None:
    """A question for a partner, the commune typed or clicked when asked, then the place."""
    await patron.say(patron.rng.choice(GREETINGS))
    messages = await patron.say(patron.rng.choice(REFERRALS))
    if asked(messages) == "commune":
        typed = patron.rng.random() < 0.5
        messages = await patron.say(patron.rng.choice(COMMUNES) if typed else payload(messages, patron.rng))
    expect(customs(messages, "partner"), "a partner place", messages)


def answer(messages: Messages, rng: random.Random, site: str, slot: Optional[str]) -> str:
    """The answer to the booking form's question, never a phone number or an e-mail address (masked in the
    tracker store)."""
    question = asked(messages)
    if question == "site":
        return payload(messages, rng, f'"{site}"')
    if question == "slot":
        return slot or payload(messages, rng, f'"{site}|')
    answers = {"first_name": rng.choice(FIRST_NAMES), "contact": "pas de contact", "accessibility": "non",
               "consent": "/affirm"}
    expect(question in answers, "a booking question", messages)
    return answers[question]


async def until_recap(patron: Patron, messages: Messages, site: str,
                      slot: Optional[str] = None) -> tuple[Messages, str]:
    """Answer the booking form (at `site`, a random slot or `slot`) up to its recap; the recap and the slot."""
    for _ in range(FORM_TURNS):
        if not asked(messages):
            expect("Je récapitule" in " ".join(texts(messages)), "the recap", messages)
            return messages, slot
        reply = answer(messages, patron.rng, site, slot)
        slot = reply if asked(messages) == "slot" else slot
        messages = await patron.say(reply)
    raise Unexpected(f"no recap after {FORM_TURNS} answers: {messages}")


async def booking(patron: Patron) -> None:
    """An appointment at the main library (another slot when someone was faster), then its cancellation."""
    await patron.say(patron.rng.choice(GREETINGS))
    messages = await patron.say(BOOKING)
    for _ in range(3):
        await until_recap(patron, messages, "centrale")
        messages = await patron.say("/affirm")
        confirmed = booked(messages)
        if confirmed:
            break
        expect(TAKEN in " ".join(texts(messages)), "a confirmation or a slot taken", messages)
        patron.traffic.slots_taken += 1
    else:
        return
    patron.traffic.bookings[confirmed["code"]] = "confirmed"
    messages = await patron.say(CANCEL)
    expect(asked(messages) == "booking_code", "the code question", messages)
    messages = await patron.say(confirmed["code"])
    expect(booked(messages) == {"status": "cancelled", "code": confirmed["code"]}, "the cancellation", messages)
    patron.traffic.bookings[confirmed["code"]] = "cancelled"


CONVERSATIONS = [tutorial] * 4 + [referral] * 4 + [booking] * 2  # scripts drawn at random, with these weights


def impatient_across(replicas: list[str]) -> Callable[[Patron], Awaitable[None]]:
    """A patron who sends two needs at once, each to another replica: Rasa takes them one after the other."""

    async def impatient(patron: Patron) -> None:
        await patron.say(patron.rng.choice(GREETINGS))
        await asyncio.sleep(patron.rng.uniform(*patron.think))
        await patron.say_at_once([(patron.rng.choice(LEARNING), replicas[0]),
                                  (patron.rng.choice(REFERRALS), replicas[-1])])

    return impatient


async def attempt(traffic: Traffic, name: str, script: Awaitable[T]) -> Optional[T]:
    """What a script returns, counted as finished; None when it stopped (recorded with the traffic when the bot
    surprised it)."""
    try:
        result = await script
        traffic.finished[name] += 1
        return result
    except (Lost, TimeUp):  # a lost request is already recorded
        return None
    except Unexpected as surprise:
        traffic.unexpected.append(str(surprise)[:2000])
        return None


async def patron_loop(client: httpx.AsyncClient, url: str, traffic: Traffic, rng: random.Random,
                      think: tuple[float, float], scripts: list[Callable[[Patron], Awaitable[None]]]) -> None:
    """One patron after another at the same seat until the deadline, each with a script drawn at random."""
    while time.monotonic() < traffic.deadline:
        script = rng.choice(scripts)
        await attempt(traffic, script.__name__, script(Patron(client, url, traffic, rng, think)))


async def race(client: httpx.AsyncClient, url: str, traffic: Traffic, replicas: list[str],
               patrons: int) -> list[Messages]:
    """`patrons` conversations reach the recap of the same slot at the branch library, then all confirm at
    once, alternately through each replica: their answers. They take their time: no deadline."""
    seats = [Patron(client, url, traffic, random.Random(seat), (0.0, 0.0), math.inf) for seat in range(patrons)]

    async def to_recap(seat: Patron, slot: Optional[str] = None) -> str:
        _, chosen = await until_recap(seat, await seat.say(BOOKING), "quartier", slot)
        return chosen

    slot = await to_recap(seats[0])
    await asyncio.gather(*(to_recap(seat, slot) for seat in seats[1:]))
    turns = await asyncio.gather(*(seat.say_at_once([("/affirm", replicas[index % len(replicas)])])
                                   for index, seat in enumerate(seats)))
    return [turn for turn, in turns]


def client(connections: int) -> httpx.AsyncClient:
    """An HTTP client for `connections` requests at once, patient with a loaded server."""
    return httpx.AsyncClient(timeout=300, limits=httpx.Limits(max_connections=connections + 10))


def seats(client: httpx.AsyncClient, url: str, traffic: Traffic, patrons: int, think: tuple[float, float],
          scripts: list[Callable[[Patron], Awaitable[None]]], seed: int) -> list[Awaitable[None]]:
    """`patrons` seats, each busy with one patron after another until the traffic's deadline."""
    return [patron_loop(client, url, traffic, random.Random(seed + seat), think, scripts) for seat in range(patrons)]


async def closed_loop(url: str, traffic: Traffic, patrons: int, seed: int = 8) -> None:
    """`patrons` seats busy until the traffic's deadline, each sending its next message as soon as it has the
    answer (no reading or typing): tutorials, referrals and bookings."""
    async with client(patrons) as http:
        await asyncio.gather(*seats(http, url, traffic, patrons, (0.0, 0.0), CONVERSATIONS, seed))


async def load(url: str, traffic: Traffic, patrons: int, think: tuple[float, float], racers: int,
               seed: int = 8) -> list[Messages]:
    """`patrons` seats busy until the traffic's deadline, and a booking race among them: its answers."""
    replicas = [f"http://{address}" for address in traffic.replicas]
    scripts = CONVERSATIONS + [impatient_across(replicas)]
    async with client(patrons + racers) as http:
        *_, answers = await asyncio.gather(*seats(http, url, traffic, patrons, think, scripts, seed),
                                           attempt(traffic, "race", race(http, url, traffic, replicas, racers)))
    return answers or []


def percentiles(seconds: list[float]) -> dict[str, float]:
    """Count, p50, p95 and max of latencies in seconds (nearest lower rank), to the millisecond."""
    ordered = sorted(seconds) or [0.0]
    return {"count": len(seconds), **{name: round(ordered[int(q * (len(ordered) - 1))], 3)
                                      for name, q in (("p50", 0.5), ("p95", 0.95), ("max", 1.0))}}
