"""Booking codes patrons can read aloud and type: "K7M-4QP" (no 0, O, 1, I or L, which look alike)."""
from __future__ import annotations

import re
import secrets
from typing import Optional

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 6
DIGITS = set("23456789")
IN_TEXT = re.compile(rf"(?<![A-Z0-9])([{ALPHABET}]{{3}})[\s.\-]*([{ALPHABET}]{{3}})(?![A-Z0-9])")


def new_code() -> str:
    """A random code of 6 characters, with at least one digit and one letter (so it stands out in a sentence)."""
    while True:
        code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
        if DIGITS & set(code) and set(code) - DIGITS:
            return code


def normalise_code(text: str) -> str:
    """The code as stored: upper case, without spaces, dashes or dots ("k7m 4qp" -> "K7M4QP")."""
    return re.sub(r"[\s.\-]", "", text).upper()


def display_code(code: str) -> str:
    """The code as patrons see it: "K7M4QP" -> "K7M-4QP"."""
    return f"{code[:3]}-{code[3:]}"


def find_code(text: str) -> Optional[str]:
    """The first code written in a sentence ("annuler le k7m 4qp svp" -> "K7M4QP"); it has a digit."""
    for match in IN_TEXT.finditer(text.upper()):
        code = match.group(1) + match.group(2)
        if DIGITS & set(code):
            return code
    return None
