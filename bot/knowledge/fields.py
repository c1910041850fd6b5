"""Field types the knowledge files share (pydantic's constrained types, as classes that type checkers read)."""
from __future__ import annotations

from pydantic import ConstrainedStr


class Text(ConstrainedStr):
    """Text without surrounding spaces, never empty."""

    strip_whitespace = True
    min_length = 1
