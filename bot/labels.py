"""The words for the assistant's routes, written once for every page and file that shows them: the console
(activity, conversations, training) and the activity report."""
from __future__ import annotations

ROUTE_LABELS = {"tutorial": "apprendre (fiche)", "booking": "rendez-vous", "referral": "orientation",
                "workshop": "atelier", "charter": "hors charte", "info": "renseignement", "out_of_scope": "hors sujet",
                "clarify": "précision demandée"}
