"""The names fixed by docs/contract.md: routes, scopes, tutorial themes, partner kinds."""
from typing import Literal, get_args

Route = Literal["tutorial", "booking", "workshop", "referral", "charter", "info", "out_of_scope", "clarify"]
Scope = Literal["faire", "accompagner", "orienter", "hors_charte", "none"]
Theme = Literal[
    "ordinateur_bases", "smartphone", "email", "internet_recherche", "mot_de_passe", "arnaques",
    "formulaire_en_ligne", "franceconnect", "documents_scan", "photos", "visio", "reseaux_sociaux",
    "achats_en_ligne", "bibliotheque_numerique", "traitement_texte", "wifi",
]
PartnerKind = Literal[
    "caf", "cpam", "france_travail", "impots",
    "ecrivain_public", "france_services", "mission_locale", "emmaus_connect", "mediation_numerique",
]

ROUTES: tuple[str, ...] = get_args(Route)
SCOPES: tuple[str, ...] = get_args(Scope)
THEMES: tuple[str, ...] = get_args(Theme)
PARTNER_KINDS: tuple[str, ...] = get_args(PartnerKind)
ORGANISM_KINDS = PARTNER_KINDS[:-1]  # version 1's eight, each with a place in every knowledge base
