"""What the channels keep of what patrons write."""
from __future__ import annotations

import pytest

from bot.channels.cleaning import clean

CLEANED = [
    ("bon\x00jour", "bonjour"),
    ("rouge\x1b[31m\x7f\x08", "rouge[31m"),
    ("\u202eliam\u202c \u2066x\u2069\u200f", "liam x"),
    ("ren\u200bdez\u2060-vous\ufeff", "rendez-vous"),
    ("e\u0301te\u0301", "été"),
    ("ｂｏｎｊｏｕｒ ①", "bonjour 1"),
    ("\ud800bonjour", "bonjour"),
    ("  deux\r\nlignes\tet tab  ", "deux\nlignes\tet tab"),
    ("👨‍👩‍👧 مرحبا שלום", "👨‍👩‍👧 مرحبا שלום"),
    ('/choose{"site": "centrale"}', '/choose{"site": "centrale"}'),
]


@pytest.mark.parametrize("written, kept", CLEANED, ids=[written[:12] for written, _ in CLEANED])
def test_clean_keeps_the_visible_text(written: str, kept: str) -> None:
    assert clean(written) == kept
