"""What the assistant hears from a Telegram message: its text, a shared phone number, or a command."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from telegram import Message

# Commands of the bot's menu, and the intent each one triggers.
COMMANDS = {"start": "/greet", "aide": "/help", "help": "/help", "rgpd": "/ask_privacy", "annuler": "/cancel"}
NOT_TEXT = ("Je lis seulement les messages écrits. Écrivez votre besoin avec des mots, "
            "par exemple « envoyer un mail ».")
UNKNOWN_COMMAND = ("Je ne connais pas cette commande. Écrivez /aide pour savoir ce que je fais, "
                   "/rgpd pour vos données, /annuler pour arrêter.")

EXPIRED_BUTTON = "Ce bouton n'est plus valable. Écrivez-moi ce que vous voulez avec vos mots."


@dataclass(frozen=True)
class Heard:
    """Either a text for Rasa, or a direct reply when there is nothing for Rasa to understand."""

    text: Optional[str] = None
    reply: Optional[str] = None


def heard(message: Message) -> Heard:
    """What the patron said in `message`."""
    if message.contact:
        phone = message.contact.phone_number.strip()
        return Heard(text=phone if phone.startswith("+") else f"+{phone}")
    if not isinstance(message.text, str):  # photo, voice message, sticker, location...
        return Heard(reply=NOT_TEXT)
    if message.text.startswith("/"):
        command = message.text[1:].split(maxsplit=1)[0].split("@")[0].lower() if message.text[1:].strip() else ""
        return Heard(text=COMMANDS[command]) if command in COMMANDS else Heard(reply=UNKNOWN_COMMAND)
    return Heard(text=message.text)
