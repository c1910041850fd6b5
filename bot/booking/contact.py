"""The one contact a patron leaves with a booking: a French phone number, an email address, or none
("pas de contact": the library reaches them on the chat channel only)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Union

from bot.knowledge.partners import phone_display
from bot.matching import normalise

MOBILE, LANDLINE, EMAIL = "mobile", "landline", "email"
# 01-05 and 09 are landlines, 06 and 07 mobiles (08 numbers are services, not people).
PHONE = re.compile(r"(?<![\d+])(?:\+ ?33 ?(?:\(0\) ?)?|0033 ?|0)([1-79])((?:[ .\-/]?\d{2}){4})(?![ .\-/]?\d)")
EMAIL_ADDRESS = re.compile(r"(?<![\w.+\-])([\w.+\-]+)@((?:[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?\.)+[a-z]{2,})(?![\w\-])",
                           re.IGNORECASE)
NO_CONTACT = re.compile(r"^(non|nan|aucun|aucune|rien|personne|pas de \w+|sans \w+|je nai pas de \w+|"
                        r"je ne veux pas|je prefere pas|je ne prefere pas|pas besoin|non merci|jen ai pas|jai pas)\b")


@dataclass(frozen=True)
class Contact:
    """A phone number (+33XXXXXXXXX) or an email address (domain in lower case)."""

    kind: str  # mobile, landline or email
    value: str

    @property
    def display(self) -> str:
        """As patrons write it: "06 12 34 56 78", or the email address."""
        return self.value if self.kind == EMAIL else phone_display(self.value)


@dataclass(frozen=True)
class NoContact:
    """The patron leaves no contact: the library reaches them on the chat channel only."""

    kind: None = None
    value: None = None


def parse_contact(text: str) -> Union[Contact, NoContact, None]:
    """The contact written in `text`; NoContact for "pas de contact", "non"…; None when it is neither."""
    email = EMAIL_ADDRESS.search(re.sub(r"\s*(@|\barobase\b)\s*", "@", text.strip()))
    if email and ".." not in email.group(0):
        return Contact(EMAIL, f"{email.group(1)}@{email.group(2).lower()}")
    phone = PHONE.search(text)
    if phone:
        digits = re.sub(r"\D", "", phone.group(2))
        return Contact(MOBILE if phone.group(1) in "67" else LANDLINE, f"+33{phone.group(1)}{digits}")
    return NoContact() if says_none(text) else None


def says_none(text: str) -> bool:
    """The patron answers that they have or want none: « non », « aucun », « pas de téléphone », « rien »…"""
    return bool(NO_CONTACT.match(normalise(re.sub(r"['’]", "", text))))
