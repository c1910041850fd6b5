"""A place as the patron sees it: the `custom.partner` card (docs/contract.md §5) and its words for channels
without cards and for reading aloud."""
from __future__ import annotations

from typing import Any, Dict

from bot.hours import UNKNOWN, describe, opening, paris_now
from bot.partners.nearby import Nearby


def details(near: Nearby) -> str:
    """The card's words after the address: how far, open now, phone, free, itinerant, booking online."""
    place, now = near.place, paris_now()
    status = describe(opening(place.horaires, now), now) if place.horaires else UNKNOWN
    words = [distance_said(near.distance_km) if near.distance_km >= 0 else "", status,
             f"Téléphone : {place.phone_display}." if place.phone_display else "",
             "Gratuit." if place.frais_a_charge == ["Gratuit"] else "",
             "Lieu itinérant : appelez avant de venir." if "Itinérant" in place.itinerance else "",
             "Rendez-vous en ligne possible." if place.prise_rdv else ""]
    return " ".join(word for word in words if word)


def distance_said(kilometres: float) -> str:
    return "À moins d'un kilomètre." if kilometres < 1 else f"À {round(kilometres):d} km."


def card(near: Nearby) -> Dict[str, Any]:
    """The `custom.partner` object, with the project's additions (docs/contract.md §5)."""
    place, now = near.place, paris_now()
    status = opening(place.horaires, now) if place.horaires else None
    fees = set(place.frais_a_charge)
    return {**place.contract(), "open_now": status.open if status else None,
            "status": describe(status, now) if status else UNKNOWN,
            "distance_km": round(near.distance_km, 1) if near.distance_km >= 0 else None,
            "services": list(place.services), "free": fees == {"Gratuit"} if fees else None,
            "itinerant": "Itinérant" in place.itinerance,
            "booking_url": str(place.prise_rdv) if place.prise_rdv else None}
