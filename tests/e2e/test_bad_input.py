"""Bad input on every address patrons or Telegram reach: the REST channel, the Telegram webhook, the web server's
public pages. Each gets a clear answer or a 4xx, never a 500; nothing is echoed unescaped into a page; and the
stack still runs afterwards.

REST messages longer than MAX_TEXT (2 000) characters are cut, and the patron is told so."""
from __future__ import annotations

import json
import sqlite3
import uuid
from typing import Any

import pytest
import requests

from bot.channels.rest import CUT, MAX_TEXT
from bot.services import Stack
from bot.telegram.client import SECRET_HEADER
from tests.e2e.chat import Chat, texts, triage_of
from tests.e2e.test_telegram import UPDATE_IDS, TelegramChat
from tests.support.telegram_standin import BotAPIStandIn

ODD_TEXTS = {
    "empty": "",
    "whitespace only": " \t\n  \u00a0",
    "control characters": "bon\x01jour\x1b[31m rouge\x7f\x08",
    "NUL bytes": "je veux\x00 apprendre\x00 les mails",
    "script tag": "<script>alert('x')</script>",
    "img onerror": '<img src=x onerror="alert(1)">',
    "SQL drop table": "'; DROP TABLE events; --",
    "SQL always true": "1' OR '1'='1",
    "emoji only": "😀👍🙏",
    "emoji with joiners": "👨‍👩‍👧‍👦🏳️‍🌈",
    "Arabic": "أريد موعدا مع مستشار رقمي",
    "Hebrew": "אני צריך עזרה עם המחשב",
    "bidi controls": "\u202eliam nu reyovne\u202c \u2066mail\u2069 \u200fbonjour\u200e",
    "decomposed accents": "je veux apprendre a\u0300 envoyer un e\u0301-mail",
    "fullwidth letters": "ｊｅ ｖｅｕｘ ａｐｐｒｅｎｄｒｅ ｌｅｓ ｍａｉｌｓ",
    "stacked accents": "a\u0300\u0301\u0302\u0303" * 300,
    "zero-width spaces": "ren\u200bdez\u200b-vous\ufeff",
    "newlines only then a word": "\n" * 500 + "bonjour",
    "format strings": "{sender} %s %(x)s {{0}} {0[__class__]}",
    "path traversal": "../../etc/passwd",
    "payload with bad json": "/choose{bad json",
    "unknown intent": "/unknown_intent",
    "slash alone": "/",
    "unknown site payload": '/choose{"site": "nulle-part"}',
    "past slot payload": '/choose{"slot": "centrale|camille|2020-01-01T10:00:00+01:00|30"}',
}
LONG_TEXTS = {"20 000 characters": "aide " * 4000, "a 5 000-letter word": "a" * 5000, "3 000 emoji": "😀" * 3000}
ERROR = {"error"}  # the keys of a refusal's JSON body
JSON = {"Content-Type": "application/json"}

REFUSED_BODIES: dict[str, dict[str, Any]] = {
    "malformed JSON": {"data": b'{"sender": "x", "message": ', "headers": JSON},
    "empty body": {"data": b""},
    "text/plain": {"data": "bonjour", "headers": {"Content-Type": "text/plain"}},
    "form-encoded": {"data": {"sender": "x", "message": "bonjour"}},
    "XML": {"data": "<message><sender>x</sender><text>bonjour</text></message>",
            "headers": {"Content-Type": "application/xml"}},
    "JSON list": {"json": [{"sender": "x", "message": "bonjour"}]},
    "JSON string": {"json": "bonjour"},
    "JSON null": {"data": "null", "headers": JSON},
    "JSON number": {"json": 42},
    "deeply nested JSON": {"data": "[" * 100_000 + "]" * 100_000, "headers": JSON},
    "invalid UTF-8": {"data": b'{"sender": "x", "message": "\xff\xfe"}', "headers": JSON},
    "sender missing": {"json": {"message": "bonjour"}},
    "sender null": {"json": {"sender": None, "message": "bonjour"}},
    "sender number": {"json": {"sender": 12345, "message": "bonjour"}},
    "sender object": {"json": {"sender": {"id": 1}, "message": "bonjour"}},
    "sender empty": {"json": {"sender": "", "message": "bonjour"}},
    "sender huge": {"json": {"sender": "x" * 100_000, "message": "bonjour"}},
    "sender with NUL": {"json": {"sender": "a\x00b", "message": "bonjour"}},
    "message missing": {"json": {"sender": "x"}},
    "message null": {"json": {"sender": "x", "message": None}},
    "message number": {"json": {"sender": "x", "message": 42}},
    "message list": {"json": {"sender": "x", "message": ["bonjour"]}},
    "message object": {"json": {"sender": "x", "message": {"text": "bonjour"}}},
    "message boolean": {"json": {"sender": "x", "message": True}},
    "streaming asked": {"json": {"sender": "x", "message": "bonjour"}, "params": {"stream": "true"}},
}
ANSWERED_BODIES: dict[str, bytes] = {
    "lone surrogate": b'{"sender": "%s", "message": "\\ud800bonjour"}',
    "metadata not an object": b'{"sender": "%s", "message": "bonjour", "metadata": "x"}',
    "input_channel a list": b'{"sender": "%s", "message": "bonjour", "input_channel": ["x"]}',
    "unknown fields": b'{"sender": "%s", "message": "bonjour", "admin": true, "slots": {"consent": true}}',
}

INJECTED = ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "'><svg onload=alert(1)>")
RAW_MARKERS = ("<script>alert", "<img src=x", "<svg onload", "\x00")
WEB_PATHS = [
    *(f"/tutoriels/?q={payload}" for payload in INJECTED),
    "/tutoriels/?q=%00%01%1b", "/tutoriels/?q=" + "aide " * 400, "/tutoriels/?q=" + "a" * 20_000,
    "/tutoriels/?q=%E2%80%AEevil%E2%80%AC", "/tutoriels/?q='; DROP TABLE events; --", "/tutoriels/?q=%ff%fe",
    "/tutoriels/?q=%ED%A0%80", "/tutoriels/?q=😀", "/tutoriels/?q=مرحبا", "/tutoriels/?q=a&q=b",
    "/tutoriels/?theme=<script>alert(1)</script>&niveau=%00",
    "/tutoriels/<script>alert(1)</script>", "/tutoriels/%00", "/tutoriels/..%2F..%2Fknowledge_base%2Fsites.yml",
    "/tutoriels/" + "x" * 3000, "/tutoriels/%ff", "/tutoriels/email-envoyer%00",
    "/tutoriels/images/..%2F..%2Fsites.yml",
    "/rendez-vous/<script>alert(1)</script>.ics", "/rendez-vous/%00.ics", "/rendez-vous/" + "A" * 3000 + ".ics",
    "/rendez-vous/' OR 1=1--.ics", "/rendez-vous/.ics", "/rendez-vous/K7M-4QP", "/rendez-vous/%ff.ics",
    "/agenda/camille.ics", "/agenda/camille.ics?token=%00", "/agenda/camille.ics?token=" + "x" * 5000,
    "/agenda/<script>alert(1)</script>.ics?token={token}", "/agenda/export.csv?token={token}&from=2026-13-45",
    "/agenda/export.csv?token={token}&from=0001-01-01", "/agenda/export.csv?token={token}&to=9999-12-31",
    "/agenda/export.csv?token={token}&from=%00", "/agenda/export.csv?token={token}&from=" + "9" * 5000,
    "/agenda/export.csv?token={token}&from=2026-01-01&to=2020-01-01",
]

TELEGRAM_TEXTS = {**{name: ODD_TEXTS[name] for name in (
    "empty", "whitespace only", "control characters", "NUL bytes", "script tag", "img onerror", "SQL drop table",
    "emoji only", "Arabic", "Hebrew", "bidi controls", "decomposed accents", "payload with bad json", "slash alone")},
    "Telegram's longest text": "aide " * 819, "HTML special characters": "a & b < c > d &amp; </b>",
    "restart command": "/restart"}
TELEGRAM_BODIES = {
    "text a number": {"message_id": 1, "date": 0, "text": 42},
    "text a list": {"message_id": 1, "date": 0, "text": ["bonjour"]},
    "text null": {"message_id": 1, "date": 0, "text": None},
}


def rest_url(stack: Stack) -> str:
    return stack.settings.url(stack.settings.rasa_port, "/webhooks/rest/webhook")


def user_events(stack: Stack, sender: str) -> list[dict[str, Any]]:
    """The patron's messages of a conversation, as Rasa keeps them."""
    with sqlite3.connect(stack.settings.var_dir / "tracker.db") as database:
        rows = database.execute("select data from events where sender_id = ? and type_name = 'user'", (sender,))
        return [json.loads(data) for data, in rows]


def user_texts(stack: Stack, sender: str) -> list[str]:
    return [event["text"] for event in user_events(stack, sender)]


@pytest.mark.parametrize("text", ODD_TEXTS.values(), ids=ODD_TEXTS.keys())
def test_odd_text_gets_an_answer(chat: Chat, text: str) -> None:
    answer = chat.say(text)
    assert texts(answer) and all(isinstance(message, dict) for message in answer), answer


@pytest.mark.parametrize("text", LONG_TEXTS.values(), ids=LONG_TEXTS.keys())
def test_a_long_message_is_cut_with_a_notice_and_answered(chat: Chat, stack: Stack, text: str) -> None:
    answer = texts(chat.say(text))
    assert answer[0] == CUT and len(answer) >= 2, answer
    kept, = user_texts(stack, chat.sender)
    assert len(kept) == MAX_TEXT


def test_rasa_keeps_the_cleaned_text(chat: Chat, stack: Stack) -> None:
    chat.say("\u202ebon\x00jour\u200b e\u0301te\u0301\x1b")
    assert user_texts(stack, chat.sender) == ["bonjour été"]


@pytest.mark.parametrize("request_args", REFUSED_BODIES.values(), ids=REFUSED_BODIES.keys())
def test_an_unusable_body_is_refused_with_a_json_reason(stack: Stack, request_args: dict[str, Any]) -> None:
    response = requests.post(rest_url(stack), timeout=30, **request_args)
    assert response.status_code == 400, response.text
    assert set(response.json()) == ERROR


@pytest.mark.parametrize("body", ANSWERED_BODIES.values(), ids=ANSWERED_BODIES.keys())
def test_an_odd_but_usable_body_is_answered(stack: Stack, body: bytes) -> None:
    response = requests.post(rest_url(stack), data=body % uuid.uuid4().hex.encode(), timeout=30,
                             headers=JSON)
    assert response.status_code == 200 and texts(response.json()), response.text


def test_a_client_cannot_pass_for_telegram(stack: Stack) -> None:
    """A REST client naming another channel stays `rest`: it cannot get a Telegram chat's reminders or erase its
    bookings."""
    sender = "699999"  # what a Telegram chat id looks like
    body = {"sender": sender, "message": "bonjour", "input_channel": "telegram", "metadata": {"planted": "by-me"}}
    assert texts(requests.post(rest_url(stack), json=body, timeout=30).json())
    event, = user_events(stack, sender)
    assert event["input_channel"] == "rest" and "by-me" not in json.dumps(event)


def test_restart_spam_then_a_need(chat: Chat) -> None:
    for _ in range(20):
        assert texts(chat.say("/restart"))
    assert triage_of(chat.say("je voudrais apprendre à envoyer un mail"))["route"] == "tutorial"


@pytest.fixture
def telegram(stack: Stack, telegram_api: BotAPIStandIn) -> TelegramChat:
    return TelegramChat(stack, telegram_api)


@pytest.mark.parametrize("text", TELEGRAM_TEXTS.values(), ids=TELEGRAM_TEXTS.keys())
def test_odd_telegram_text_gets_an_answer(telegram: TelegramChat, telegram_api: BotAPIStandIn, text: str) -> None:
    refused = len(telegram_api.refused())
    assert telegram.say(text)
    assert telegram_api.refused()[refused:] == []


@pytest.mark.parametrize("message", TELEGRAM_BODIES.values(), ids=TELEGRAM_BODIES.keys())
def test_a_telegram_message_that_is_not_text_gets_an_answer(telegram: TelegramChat, message: dict[str, Any]) -> None:
    chat = {"id": telegram.patron.user_id, "type": "private"}
    assert telegram.send({"message": {**message, "chat": chat}})


def test_a_lone_surrogate_on_telegram_gets_an_answer(telegram: TelegramChat) -> None:
    body = (b'{"update_id": %d, "message": {"message_id": 1, "date": 0, "text": "\\ud800bonjour", '
            b'"chat": {"id": %d, "type": "private"}}}') % (next(UPDATE_IDS), telegram.patron.user_id)
    before = len(telegram.calls())
    response = requests.post(telegram.url, data=body, headers={SECRET_HEADER: telegram.secret},
                             timeout=30)
    assert response.status_code == 200 and len(telegram.calls()) > before


@pytest.mark.parametrize("path", WEB_PATHS, ids=[path[:60] for path in WEB_PATHS])
def test_a_web_address_with_bad_input_is_answered_without_echo(stack: Stack, path: str) -> None:
    url = stack.settings.url(stack.settings.web_port, path.replace("{token}", stack.settings.staff_token))
    response = requests.get(url, timeout=30)
    assert response.status_code < 500, response.text[:300]
    assert not any(marker in response.text for marker in RAW_MARKERS), response.text[:300]


def test_the_stack_still_answers_after_the_bad_input(chat: Chat, stack: Stack) -> None:
    assert triage_of(chat.say("je voudrais prendre un rendez-vous avec un conseiller"))["route"] == "booking"
    stack.raise_if_stopped()
