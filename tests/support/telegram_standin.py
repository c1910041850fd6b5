"""A local stand-in for Telegram's Bot API: answers `https://<base>/bot<token>/<method>` as Telegram does
(form or JSON parameters, `{"ok": ..., "result": ...}` answers, 401/400/429 errors) and records every call.

It checks what Telegram checks and our channel could get wrong: the token, HTML that Telegram could not
parse, texts over 4096 characters, callback data over 64 bytes. Tests queue updates for long polling and
can make the next calls to a method fail with 429 and a retry delay.
"""
from __future__ import annotations

import contextlib
import html
import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Optional
from urllib.parse import parse_qsl

TOKEN = "123456:TEST-token_for-the-stand-in"
BOT_USER = {"id": 123456, "is_bot": True, "first_name": "Aiguillage", "username": "aiguillage_test_bot",
            "can_join_groups": False, "can_read_all_group_messages": False, "supports_inline_queries": False}
HTML_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre", "span",
             "tg-spoiler", "blockquote", "tg-emoji"}
MAX_TEXT, MAX_CALLBACK_DATA = 4096, 64


@dataclass
class Call:
    """One Bot API call the stand-in answered: its parameters, its HTTP status and its result."""

    method: str
    params: dict[str, Any]
    status: int = 200
    result: Any = None

    @property
    def text(self) -> str:
        return str(self.params.get("text", ""))

    @property
    def buttons(self) -> list[dict[str, Any]]:
        markup = self.params.get("reply_markup") or {}
        return [button for row in markup.get("inline_keyboard") or markup.get("keyboard") or [] for button in row]


class TelegramHTML(HTMLParser):
    """Telegram's HTML parse mode: known tags, balanced, `&` and `<` escaped; collects the visible text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.text: list[str] = []
        self.error: Optional[str] = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag not in HTML_TAGS:
            self.error = f"Unsupported start tag \"{tag}\""
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open.pop() != tag:
            self.error = f"Unmatched end tag \"{tag}\""

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse_error(text: str) -> Optional[str]:
    """Why Telegram would refuse `text` in HTML parse mode, or None."""
    if re.search(r"&(?!(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);)", text):
        return "Can't parse entities: character '&' is reserved"
    if re.search(r"<(?![a-z/-])", text):
        return "Can't parse entities: unexpected character '<'"
    parser = TelegramHTML()
    parser.feed(text)
    parser.close()
    if parser.error or parser.open:
        return f"Can't parse entities: {parser.error or 'unclosed tag ' + parser.open[-1]}"
    if len(html.unescape("".join(parser.text))) > MAX_TEXT:
        return "Bad Request: message is too long"
    return None


class BotAPIStandIn:
    """The stand-in server, on a free local port, in a thread."""

    def __init__(self, token: str = TOKEN):
        self.token = token
        self.calls: list[Call] = []
        self.updates: list[dict[str, Any]] = []
        self.failures: dict[str, list[int]] = {}  # method -> retry_after of each next call to refuse with 429
        self.condition = threading.Condition()
        self.message_ids = itertools.count(1)
        self.update_ids = itertools.count(1)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        """What TELEGRAM_API_BASE points to."""
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> "BotAPIStandIn":
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    # What tests do -------------------------------------------------------------------------------------
    def queue_update(self, update: dict[str, Any]) -> int:
        """Hand an update (without update_id) to the next getUpdates; returns its update_id."""
        with self.condition:
            update = {"update_id": next(self.update_ids), **update}
            self.updates.append(update)
            self.condition.notify_all()
            return update["update_id"]

    def fail_next(self, method: str, retry_after: int, times: int = 1) -> None:
        with self.condition:
            self.failures.setdefault(method, []).extend([retry_after] * times)

    def sent(self, chat_id: int, method: str = "sendMessage") -> list[Call]:
        """The calls of `method` to this chat, in order."""
        with self.condition:
            return [call for call in self.calls
                    if call.method == method and int(call.params.get("chat_id", 0)) == chat_id]

    def refused(self) -> list[Call]:
        """The calls the stand-in answered with an error, as Telegram would have."""
        with self.condition:
            return [call for call in self.calls if call.status != 200]

    def wait_for(self, predicate, timeout: float = 60) -> None:
        """Block until `predicate(calls)` holds; fail after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self.condition:
            while not predicate(self.calls):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"the Bot API stand-in never got the expected calls: {self.calls[-5:]}")
                self.condition.wait(remaining)

    # What Telegram answers -----------------------------------------------------------------------------
    def answer(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self.condition:
            if self.failures.get(method):
                retry_after = self.failures[method].pop(0)
                return 429, {"ok": False, "error_code": 429, "description": f"Too Many Requests: retry after "
                             f"{retry_after}", "parameters": {"retry_after": retry_after}}
        status, payload = self._result(method, params)
        if method != "getUpdates":
            with self.condition:
                self.calls.append(Call(method, params, status, payload.get("result")))
                self.condition.notify_all()
        return status, payload

    def _result(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        handler = getattr(self, f"_{method}", None)
        if handler is None:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        problem = self._problem(params)
        if problem:
            return 400, {"ok": False, "error_code": 400, "description": f"Bad Request: {problem}"}
        return 200, {"ok": True, "result": handler(params)}

    @staticmethod
    def _problem(params: dict[str, Any]) -> Optional[str]:
        if "text" in params:
            if not str(params["text"]).strip():
                return "message text is empty"
            if params.get("parse_mode") == "HTML":
                error = parse_error(str(params["text"]))
                if error:
                    return error
            elif len(str(params["text"])) > MAX_TEXT:
                return "message is too long"
        for row in (params.get("reply_markup") or {}).get("inline_keyboard", []):
            for button in row:
                if len(button.get("callback_data", "").encode()) > MAX_CALLBACK_DATA:
                    return "BUTTON_DATA_INVALID"
        return None

    def _message(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"message_id": int(params.get("message_id") or next(self.message_ids)), "date": int(time.time()),
                "chat": {"id": int(params["chat_id"]), "type": "private"}, "from": BOT_USER,
                "text": html.unescape(re.sub(r"<[^>]+>", "", str(params.get("text", ""))))}

    def _getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return BOT_USER

    _sendMessage = _editMessageText = _editMessageReplyMarkup = _message

    def _sendVenue(self, params: dict[str, Any]) -> dict[str, Any]:
        location = {"latitude": float(params["latitude"]), "longitude": float(params["longitude"])}
        message = {key: value for key, value in self._message(params).items() if key != "text"}
        return {**message, "venue": {"location": location, "title": params["title"], "address": params["address"]}}

    def _answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        return True

    def _setWebhook(self, params: dict[str, Any]) -> bool:
        return True

    _deleteWebhook = _setMyCommands = _answerCallbackQuery

    def _getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset, timeout = int(params.get("offset", 0)), min(float(params.get("timeout", 0)), 5)
        with self.condition:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
            if not self.updates:
                self.condition.wait(timeout)
            return list(self.updates)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                token, _, method = self.path.removeprefix("/bot").partition("/")
                if token != standin.token:
                    self._reply(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
                    return
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                self._reply(*standin.answer(method, _parameters(body, self.headers.get("Content-Type", ""))))

            do_GET = do_POST

            def _reply(self, status: int, payload: dict[str, Any]) -> None:
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                with contextlib.suppress(ConnectionError):  # the client gave up (a long poll at the end of the tests)
                    self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        return Handler


def _parameters(body: str, content_type: str) -> dict[str, Any]:
    """Bot API parameters, sent as JSON or as a form whose complex values are JSON-encoded."""
    if not body:
        return {}
    if content_type.startswith("application/json"):
        return json.loads(body)
    params: dict[str, Any] = {}
    for name, value in parse_qsl(body, keep_blank_values=True):
        try:
            params[name] = json.loads(value) if value[:1] in "[{" else value
        except json.JSONDecodeError:
            params[name] = value
    return params


@dataclass
class Patron:
    """A Telegram user writing to the bot in a private chat: builds the updates Telegram would send
    (without their update_id, which the sender numbers)."""

    user_id: int
    first_name: str = "Martine"
    message_ids: itertools.count = field(default_factory=lambda: itertools.count(1000))

    def _base(self) -> dict[str, Any]:
        return {"message_id": next(self.message_ids), "date": int(time.time()),
                "chat": {"id": self.user_id, "type": "private", "first_name": self.first_name},
                "from": {"id": self.user_id, "is_bot": False, "first_name": self.first_name,
                         "language_code": "fr"}}

    def text(self, text: str) -> dict[str, Any]:
        return {"message": {**self._base(), "text": text}}

    def command(self, command: str) -> dict[str, Any]:
        return {"message": {**self._base(), "text": command,
                            "entities": [{"type": "bot_command", "offset": 0, "length": len(command.split()[0])}]}}

    def click(self, sent: Call, title: str) -> dict[str, Any]:
        """The callback query of the inline button `title` of a message the bot sent."""
        button = next(b for b in sent.buttons if b["text"] == title)
        message = {**sent.result, "reply_markup": sent.params["reply_markup"]}
        return {"callback_query": {"id": str(next(self.message_ids)), "chat_instance": "1",
                                   "from": self._base()["from"], "message": message,
                                   "data": button["callback_data"]}}

    def share_contact(self, phone: str) -> dict[str, Any]:
        return {"message": {**self._base(), "contact": {"phone_number": phone, "first_name": self.first_name,
                                                        "user_id": self.user_id}}}

    def photo(self) -> dict[str, Any]:
        return {"message": {**self._base(), "photo": [{"file_id": "x", "file_unique_id": "y", "width": 90,
                                                       "height": 90}]}}
