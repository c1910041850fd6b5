"""The level mini-diagnostic: two questions, each answer worth 0 to 2 points, as on lesbonsclics.fr.

The questions and their answer buttons are the domain's `utter_ask_<question>` responses; each button
sends `/answer_diagnostic{"<question>": "<points>"}`.
"""
from __future__ import annotations

from typing import Mapping, Optional

from bot.knowledge.tutorials import Level

QUESTIONS = ("diagnostic_ease", "diagnostic_practice")  # ease with devices, then practice of the theme
MAX_POINTS = 2


def points(answer: object) -> Optional[int]:
    """The points of an answer, None when it is missing or not a valid answer."""
    text = str(answer) if answer is not None else ""
    return int(text) if text.isdigit() and int(text) <= MAX_POINTS else None


def next_question(answers: Mapping[str, object]) -> Optional[str]:
    """The first question not validly answered yet; None when the diagnostic is complete."""
    return next((question for question in QUESTIONS if points(answers.get(question)) is None), None)


def level_from(answers: Mapping[str, object]) -> Level:
    """The level of a complete diagnostic: up to 1 point débutant, up to 3 intermédiaire, then avancé."""
    total = sum(points(answers.get(question)) or 0 for question in QUESTIONS)
    return "debutant" if total <= 1 else "intermediaire" if total <= 3 else "avance"
