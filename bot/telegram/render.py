"""A bot turn, as Rasa's channels hand it over (docs/contract.md §2: text, buttons, custom), turned into Telegram
messages.

- Consecutive texts become one message (fewer notifications, within Telegram's rate limits); texts are escaped for
  the HTML parse mode and split under Telegram's 4096 characters.
- Buttons become an inline keyboard, one button per row (large targets on a phone). A payload longer than the 64
  bytes Telegram allows in callback data is sent as `#<index>` and found again in the conversation (see
  `bot.channels.telegram`).
- `custom.ask: contact` puts a keyboard under the question with a button that shares the patron's phone number.
- `custom.tutorial`, a confirmed `custom.booking` and a `custom.workshop` registered or waitlisted add a button to
  open the fiche or the calendar file (HTTPS only: Telegram refuses other links in buttons); the code is set in
  monospace, which copies in one tap.
- `custom.partner` and `custom.site` (a place) are shown by their text, the card's one-line summary; the place's
  website and its online booking become buttons on that message (HTTPS only), and a place with coordinates is
  followed by a map card (sendVenue), which opens the phone's maps. A site has no coordinates today: nothing more
  is sent for it.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any, Optional, Union

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from telegram.constants import MessageLimit, ParseMode

Markup = Union[InlineKeyboardMarkup, ReplyKeyboardMarkup, ReplyKeyboardRemove, None]
MAX_TEXT = MessageLimit.MAX_TEXT_LENGTH - 96  # room for the escaping and the code's <code> tags
MAX_CALLBACK_DATA = 64
SHARE_PHONE = "📱 Envoyer mon numéro"
KEPT = {"booking": ("confirmed",), "workshop": ("registered", "waitlisted")}  # results with a code and a calendar


@dataclass
class Outgoing:
    """One call to the Bot API: `sendMessage` (text) or `sendVenue` (venue)."""

    text: str = ""
    markup: Markup = None
    venue: dict[str, Any] = field(default_factory=dict)

    async def send(self, bot: Bot, chat_id: int) -> Message:
        if self.venue:
            return await bot.send_venue(chat_id=chat_id, **self.venue)
        return await bot.send_message(chat_id=chat_id, text=self.text, parse_mode=ParseMode.HTML,
                                      reply_markup=self.markup)


def callback_data(payload: str, index: int) -> str:
    """What a button sends back: its payload, or its index when the payload is too long for Telegram."""
    return payload if len(payload.encode()) <= MAX_CALLBACK_DATA else f"#{index}"


def inline_keyboard(buttons: list[dict[str, str]], links: list[tuple[str, str]]) -> Optional[InlineKeyboardMarkup]:
    rows = [[InlineKeyboardButton(title, url=url)] for title, url in links]
    rows += [[InlineKeyboardButton(b["title"], callback_data=callback_data(b["payload"], i))]
             for i, b in enumerate(buttons)]
    return InlineKeyboardMarkup(rows) if rows else None


def contact_keyboard(buttons: list[dict[str, str]]) -> ReplyKeyboardMarkup:
    """The phone-sharing button, then the question's own choices, which send their title as text."""
    rows = [[KeyboardButton(SHARE_PHONE, request_contact=True)]] + [[KeyboardButton(b["title"])] for b in buttons]
    return ReplyKeyboardMarkup(rows, resize_keyboard=True, one_time_keyboard=True,
                               input_field_placeholder="Téléphone ou e-mail")


def split(text: str, limit: int = MAX_TEXT) -> list[str]:
    """`text` in pieces of at most `limit` characters, cut at a paragraph, a line or a space when there is one."""
    pieces = []
    while len(text) > limit:
        cut = max(text.rfind(separator, 0, limit) for separator in ("\n\n", "\n", " "))
        cut = cut if cut > limit // 2 else limit
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    return pieces + [text] if text else pieces


@dataclass
class Draft:
    """A Telegram message being built from one or more Rasa messages."""

    texts: list[str] = field(default_factory=list)
    buttons: list[dict[str, str]] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)
    code: str = ""
    asks_contact: bool = False

    def html(self) -> str:
        escaped = html.escape("\n\n".join(self.texts), quote=False)
        if not self.code:
            return escaped
        return re.sub(rf"(?<![/\w-]){re.escape(self.code)}(?![\w-])", f"<code>{self.code}</code>", escaped, count=1)

    def messages(self) -> list[Outgoing]:
        pieces = split(self.html()) if self.texts else []
        if not pieces:
            return []
        markup = (contact_keyboard(self.buttons) if self.asks_contact
                  else inline_keyboard(self.buttons, self.links))
        return [Outgoing(piece) for piece in pieces[:-1]] + [Outgoing(pieces[-1], markup)]


def https(url: Any) -> bool:
    return isinstance(url, str) and url.startswith("https://")


def venue(place: dict[str, Any]) -> Optional[Outgoing]:
    if any(place.get(key) is None for key in ("latitude", "longitude", "name", "address")):
        return None
    return Outgoing(venue={"latitude": place["latitude"], "longitude": place["longitude"],
                           "title": place["name"], "address": place["address"]})


def render_turn(messages: list[dict[str, Any]]) -> list[Outgoing]:
    """The Telegram messages of a bot turn, in order."""
    outgoing: list[Outgoing] = []
    draft = Draft()
    for message in messages:
        found = message.get("custom")
        custom = found if isinstance(found, dict) else {}
        if str(message.get("text") or "").strip():
            if draft.buttons:  # a message with buttons ends the draft
                outgoing += draft.messages()
                draft = Draft()
            draft.texts.append(str(message["text"]))
            draft.buttons = list(message.get("buttons") or [])
        draft.asks_contact = draft.asks_contact or custom.get("ask") == "contact"
        if https((custom.get("tutorial") or {}).get("url")):
            draft.links.append(("📄 Ouvrir la fiche", custom["tutorial"]["url"]))
        for key, kept in KEPT.items():
            result = custom.get(key) or {}
            if result.get("status") in kept:
                draft.code = str(result.get("code", ""))
                if https(result.get("calendar_url")):
                    draft.links.append(("📅 Ajouter à mon agenda", result["calendar_url"]))
        place = custom.get("partner") or custom.get("site") or {}
        if https(place.get("booking_url")) and place["booking_url"] != place.get("url"):
            draft.links.append(("📅 Prendre rendez-vous", place["booking_url"]))
        if https(place.get("url")):
            draft.links.append(("🌐 Site internet", place["url"]))
        card = venue(place)
        if card:
            outgoing += draft.messages() + [card]
            draft = Draft()
    return with_keyboard_removed(outgoing + draft.messages())


def with_keyboard_removed(outgoing: list[Outgoing]) -> list[Outgoing]:
    """Hide the phone-sharing keyboard of an earlier turn with the first message that has no buttons,
    unless this turn asks for the contact again."""
    if not any(isinstance(message.markup, ReplyKeyboardMarkup) for message in outgoing):
        plain = next((message for message in outgoing if message.text and message.markup is None), None)
        if plain:
            plain.markup = ReplyKeyboardRemove()
    return outgoing
