"""Masks personal data in free text: phone numbers, e-mail addresses, French social security numbers (NIR),
IBANs and bank card numbers become a label such as « [téléphone] »."""
from __future__ import annotations

import re
from typing import Any, Callable, Match, Optional

from bot.booking.contact import EMAIL_ADDRESS, PHONE

IBAN = re.compile(r"(?<![A-Z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?(?![A-Z0-9])", re.IGNORECASE)
# Sex, year, month (or 20+ for some births abroad), département (2A/2B for Corsica), commune, order, optional key.
NIR = re.compile(r"(?<![\d])[12][ .]?\d{2}[ .]?(?:0[1-9]|1[0-2]|[2-9]\d)[ .]?(?:\d{2}|2[AB])[ .]?\d{3}[ .]?\d{3}"
                 r"(?:[ .]?\d{2})?(?![\d])", re.IGNORECASE)
CARD = re.compile(r"(?<![\d])\d(?:[ -]?\d){12,18}(?![\d])")
INTERNATIONAL_PHONE = re.compile(r"(?<![\w+])(?:\+|00)[1-9]\d{0,2}(?:[ .\-]?\d){6,12}(?![\d])")
IBAN_LABEL, NIR_LABEL, CARD_LABEL = "[IBAN]", "[n° de sécurité sociale]", "[carte bancaire]"
# What a patron must never give here (the charter's never_ask), as the warning names it.
NEVER_GIVE = {CARD_LABEL: "votre numéro de carte bancaire", NIR_LABEL: "votre numéro de sécurité sociale",
              IBAN_LABEL: "votre IBAN (numéro de compte)"}
# Keys whose values are never free text from a patron (and that Rasa needs intact).
STRUCTURAL_KEYS = frozenset({"event", "name", "timestamp", "payload", "policy", "input_channel", "message_id",
                             "intent", "intent_name", "action_name", "action_text", "entity", "extractor"})


def _luhn(digits: str) -> bool:
    total = 0
    for position, digit in enumerate(int(d) for d in reversed(digits)):
        doubled = digit * 2 if position % 2 else digit
        total += doubled - 9 if doubled > 9 else doubled
    return total % 10 == 0


def _card(match: Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group())
    grouped = bool(re.fullmatch(r"\d{4}(?:[ -]\d{4}){3}", match.group()))
    return CARD_LABEL if grouped or _luhn(digits) else match.group()


RULES: list[tuple[re.Pattern[str], Callable[[Match[str]], str]]] = [
    (EMAIL_ADDRESS, lambda _: "[e-mail]"),
    (IBAN, lambda _: IBAN_LABEL),
    (NIR, lambda _: NIR_LABEL),
    (CARD, _card),
    (PHONE, lambda _: "[téléphone]"),
    (INTERNATIONAL_PHONE, lambda _: "[téléphone]"),
]


def redact(text: str) -> str:
    """`text` with its personal data masked."""
    for pattern, replacement in RULES:
        text = pattern.sub(replacement, text)
    return text


def redact_data(value: Any) -> Any:
    """A JSON-like value (an event's dict) with personal data masked in every string, except under the keys
    that only Rasa writes."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: item if key in STRUCTURAL_KEYS else redact_data(item) for key, item in value.items()}
    if isinstance(value, list):
        return [redact_data(item) for item in value]
    return value


def never_give_warning(text: str) -> Optional[str]:
    """A kind warning when the patron wrote a number they must never give (card, social security, IBAN)."""
    masked = redact(text)
    given = [name for label, name in NEVER_GIVE.items() if label in masked]
    if not given:
        return None
    return (f"Attention : ne donnez jamais {' ni '.join(given)}, ici ou à quelqu'un qui vous le demande. "
            f"Je ne l'ai pas gardé.")
