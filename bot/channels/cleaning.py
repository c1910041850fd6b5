"""What a patron wrote, made readable for the assistant, on every channel: one Unicode form, nothing invisible."""
from __future__ import annotations

import re
import unicodedata

# Bidirectional controls, zero-width spaces, the word joiner and the byte-order mark: invisible, they only hide or
# reorder text. The zero-width joiner of emoji (U+200D) stays.
INVISIBLE = re.compile("[\u061c\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]")
KEPT_CONTROLS = "\n\t"


def clean(text: str) -> str:
    """`text` in Unicode NFKC (decomposed accents, « ｂｏｎｊｏｕｒ » read as usual), without control characters
    (NUL, escape sequences), lone surrogates, bidirectional controls or zero-width spaces; line breaks and tabs
    stay. Surrounding blanks are removed."""
    visible = INVISIBLE.sub("", text)
    kept = "".join(char for char in visible
                   if char in KEPT_CONTROLS or unicodedata.category(char) not in ("Cc", "Cs"))
    return unicodedata.normalize("NFKC", kept).strip()
