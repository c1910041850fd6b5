"""Personal data masked before anything is stored or logged: the patterns, Rasa's SQL tracker store, the logs."""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.booking.store import BookingStore
from bot.jobs import run_once
from bot.privacy.redaction import never_give_warning, redact, redact_data
from bot.privacy.retention import forget_old_conversations
from bot.privacy.tracker_store import RedactingSQLTrackerStore
from bot.settings import Settings
from bot.staff.accounts import StaffAccounts
from bot.staff.inbox.decisions import Decisions
from bot.staff.models import ASSIGNED, DISMISSED

SLOT_PAYLOAD = '/choose{"slot": "centrale|camille|2026-11-28T10:00:00+01:00|30"}'


@pytest.mark.parametrize("text, masked", [
    ("appelez-moi au 06 12 34 56 78", "appelez-moi au [téléphone]"),
    ("mon fixe : 02.47.12.34.56", "mon fixe : [téléphone]"),
    ("+33 6 12 34 56 78 ou 0033612345678", "[téléphone] ou [téléphone]"),
    ("mon fils à Londres : +44 20 7946 0958", "mon fils à Londres : [téléphone]"),
    ("écrivez à Marie.Dupont+caf@gmail.com svp", "écrivez à [e-mail] svp"),
    ("ma sécu 1 85 05 78 006 084 36", "ma sécu [n° de sécurité sociale]"),
    ("285052A00608436", "[n° de sécurité sociale]"),
    ("IBAN FR76 3000 6000 0112 3456 7890 189 merci", "IBAN [IBAN] merci"),
    ("fr7630006000011234567890189", "[IBAN]"),
    ("carte 4970 1012 3456 7890 exp 12/27", "carte [carte bancaire] exp 12/27"),
    ("4111111111111111", "[carte bancaire]"),
])
def test_personal_data_is_masked(text: str, masked: str) -> None:
    assert redact(text) == masked


@pytest.mark.parametrize("text", [
    "rendez-vous le 28/11/2026 à 10 h 30", "mon code est K7M-4QP", "37000 Tours", "j'ai 2 enfants, né en 1985",
    "numéro allocataire 1234567", "le 3949 pour France Travail", "centrale|camille|2026-11-28T10:00:00+01:00|30",
    "1234 5678", "version 2.14.1", "ma CAF ne m'a pas payé depuis 3 mois",
])
def test_ordinary_text_is_kept(text: str) -> None:
    assert redact(text) == text


def test_event_data_is_masked_except_what_rasa_writes() -> None:
    event = {"event": "bot", "text": "Contact : 06 12 34 56 78.", "timestamp": 1.5,
             "data": {"buttons": [{"title": "06 12 34 56 78", "payload": SLOT_PAYLOAD}],
                      "custom": {"partner": {"phone": "+33261910101"}}}}
    assert redact_data(event) == {
        "event": "bot", "text": "Contact : [téléphone].", "timestamp": 1.5,
        "data": {"buttons": [{"title": "[téléphone]", "payload": SLOT_PAYLOAD}],
                 "custom": {"partner": {"phone": "[téléphone]"}}}}


def test_the_tracker_store_keeps_conversations_masked(tmp_path: Path) -> None:
    domain = Domain.from_dict({"slots": {"booking_preference": {"type": "text", "mappings": []}}})
    store = RedactingSQLTrackerStore(domain, host=f"sqlite:///{tmp_path / 'tracker.db'}")
    tracker = DialogueStateTracker.from_events("patron", [
        UserUttered("mon numéro 06 12 34 56 78", parse_data={"text": "mon numéro 06 12 34 56 78",
                                                               "intent": {"name": "book_mediator"}}),
        SlotSet("booking_preference", "jeudi, ou appelez marie@example.org"),
        BotUttered("Choisissez :", {"buttons": [{"title": "samedi 28 novembre à 10 h", "payload": SLOT_PAYLOAD}]}),
    ], domain.slots)
    asyncio.run(store.save(tracker))
    assert tracker.latest_message.text == "mon numéro 06 12 34 56 78"  # the turn itself is untouched
    stored = asyncio.run(store.retrieve("patron"))
    assert stored.latest_message.text == "mon numéro [téléphone]"
    assert stored.latest_message.parse_data["text"] == "mon numéro [téléphone]"
    assert stored.get_slot("booking_preference") == "jeudi, ou appelez [e-mail]"
    assert stored.latest_bot_utterance.data["buttons"][0]["payload"] == SLOT_PAYLOAD
    tracker.update(UserUttered("et mon mail : a.b@example.org"))
    asyncio.run(store.save(tracker))  # only the new event is added
    assert [e.text for e in asyncio.run(store.retrieve("patron")).events if isinstance(e, UserUttered)] == [
        "mon numéro [téléphone]", "et mon mail : [e-mail]"]
    raw = (tmp_path / "tracker.db").read_bytes()
    assert b"06 12 34 56 78" not in raw and b"example.org" not in raw


def session(start: float, text: str) -> list:
    """The events of a conversation session that starts at `start` (seconds) with the patron's `text`."""
    return [ActionExecuted("action_session_start", timestamp=start), SessionStarted(timestamp=start),
            ActionExecuted("action_listen", timestamp=start),
            UserUttered(text, intent={"name": "greet"}, timestamp=start + 1),
            SlotSet("booking_preference", "jeudi", timestamp=start + 2),
            BotUttered("Bonjour", timestamp=start + 3)]


def stored(store: SQLTrackerStore, sender: str, every_session: bool = False) -> list[dict]:
    tracker = asyncio.run(store.retrieve_full_tracker(sender) if every_session else store.retrieve(sender))
    return [event.as_dict() for event in tracker.events]


def test_conversations_are_stored_as_by_rasas_own_sql_tracker_store(database_url: str) -> None:
    """The same table and rows: what ours saves, Rasa's reads, and the other way round, session by session."""
    domain = Domain.from_dict({"slots": {"booking_preference": {"type": "text", "mappings": []}}})
    ours, rasas = RedactingSQLTrackerStore(domain, host=database_url), SQLTrackerStore(domain, host=database_url)
    for writer in (ours, rasas):
        sender = type(writer).__name__
        tracker = DialogueStateTracker.from_events(sender, session(1000.0, "bonjour"), domain.slots)
        asyncio.run(writer.save(tracker))
        for event in session(5000.0, "rebonjour"):  # a new session, hours later
            tracker.update(event)
        asyncio.run(writer.save(tracker))
        tracker = asyncio.run(writer.retrieve(sender))  # the next turn, as Rasa takes it: the last session only
        tracker.update(BotUttered("Au revoir", timestamp=5004.0))
        asyncio.run(writer.save(tracker))
        last = session(5000.0, "rebonjour") + [BotUttered("Au revoir", timestamp=5004.0)]
        assert stored(ours, sender) == stored(rasas, sender) == [e.as_dict() for e in last]
        assert stored(ours, sender, every_session=True) == stored(rasas, sender, every_session=True) == [
            e.as_dict() for e in session(1000.0, "bonjour") + last]
    assert asyncio.run(ours.retrieve("nobody")) is None


def test_logs_are_masked_whatever_the_logger(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        logging.getLogger("rasa.core.processor").info("Received user message '%s'", "je suis au 06 12 34 56 78")
        logging.getLogger("sanic.error").warning("card 4111 1111 1111 1111 refused")
    assert [record.getMessage() for record in caplog.records] == [
        "Received user message 'je suis au [téléphone]'", "card [carte bancaire] refused"]


def test_conversations_are_deleted_some_days_after_their_last_message(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    assert forget_old_conversations(url, datetime.now(timezone.utc), days=90) == 0  # no table yet: Rasa not started
    store = RedactingSQLTrackerStore(Domain.empty(), host=url)
    now = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)
    for sender, last_days_ago in (("old", 91), ("recent", 89)):
        tracker = DialogueStateTracker(sender, [])
        tracker.update(UserUttered("bonjour", timestamp=(now - timedelta(days=120)).timestamp()))
        tracker.update(UserUttered("merci", timestamp=(now - timedelta(days=last_days_ago)).timestamp()))
        asyncio.run(store.save(tracker))
    assert forget_old_conversations(url, now, days=90) == 1
    assert asyncio.run(store.retrieve("old")) is None
    assert len(asyncio.run(store.retrieve("recent")).events) == 2  # kept whole, its first message included


def test_messages_left_out_of_the_inbox_lose_their_text_with_the_conversations(database_url: str,
                                                                                tmp_path: Path) -> None:
    store = BookingStore(database_url)
    store.migrate()
    accounts = StaffAccounts(database_url)
    staff = accounts.add("lea@mediatheque.fr", "Léa", "admin", "un mot de passe assez long").id
    accounts.close()
    decisions = Decisions(database_url)
    for decision, intent, key, text in ((DISMISSED, None, "k1", "mon voisin Paul Martin fait du bruit"),
                                        (ASSIGNED, "learn_wifi", "k2", "le wifi marche plus")):
        with decisions.recorded(staff, decision, intent, [(key, text)]):
            pass
    settings = Settings.from_env({"VAR_DIR": str(tmp_path), "BOOKING_DATABASE_URL": database_url,
                                  "TRACKER_STORE_URL": f"sqlite:///{tmp_path / 'tracker.db'}",
                                  "CONVERSATION_RETENTION_DAYS": "90"})
    now = datetime.now(timezone.utc)
    run_once(store, settings, None, now + timedelta(days=89))
    assert sorted(decided.text for decided in decisions.recent()) == ["le wifi marche plus",
                                                                     "mon voisin Paul Martin fait du bruit"]
    run_once(store, settings, None, now + timedelta(days=91))
    assert sorted(decided.text for decided in decisions.recent()) == ["", "le wifi marche plus"]  # in data/nlu
    assert decisions.keys() == {"k1", "k2"}  # the same words stay decided
    decisions.close()
    store.close()


def test_a_number_never_to_give_gets_a_kind_warning() -> None:
    warning = never_give_warning("ma carte c'est 4970 1012 3456 7890 et ma sécu 1 85 05 78 006 084 36")
    assert warning.startswith("Attention : ne donnez jamais votre numéro de carte bancaire ni votre numéro de "
                              "sécurité sociale")
    assert "IBAN" in never_give_warning("FR76 3000 6000 0112 3456 7890 189")
    assert never_give_warning("mon numéro : 06 12 34 56 78, mon mail a@b.fr") is None  # fine for a booking
