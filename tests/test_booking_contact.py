"""The contact a patron leaves: French phone numbers in their usual spellings, email addresses, or none."""
from __future__ import annotations

import pytest

from bot.booking.contact import EMAIL, LANDLINE, MOBILE, Contact, NoContact, parse_contact


@pytest.mark.parametrize("text", ["06 12 34 56 78", "06.12.34.56.78", "06-12-34-56-78", "0612345678",
                                  "+33612345678", "+33 6 12 34 56 78", "+33 (0)6 12 34 56 78", "0033 6 12 34 56 78",
                                  "mon numéro c'est le 06 12 34 56 78 merci", "06 12 34 56 78."])
def test_mobile_numbers_are_normalised(text: str) -> None:
    assert parse_contact(text) == Contact(MOBILE, "+33612345678")


@pytest.mark.parametrize("text, kind, value", [
    ("07 12 34 56 78", MOBILE, "+33712345678"),
    ("02 47 12 34 56", LANDLINE, "+33247123456"),
    ("01.23.45.67.89", LANDLINE, "+33123456789"),
    ("05 56 00 00 00", LANDLINE, "+33556000000"),
    ("09 87 65 43 21", LANDLINE, "+33987654321"),
])
def test_mobiles_and_landlines_are_told_apart(text: str, kind: str, value: str) -> None:
    assert parse_contact(text) == Contact(kind, value)


def test_a_phone_number_is_shown_as_patrons_dial_it() -> None:
    assert parse_contact("+33612345678").display == "06 12 34 56 78"


@pytest.mark.parametrize("text", ["06 12 34 56", "06 12 34 56 78 9", "08 00 12 34 56", "+44 20 7946 0000",
                                  "12345678901", "00 12 34 56 78", "jean@", "jean@exemple", "jean@@exemple.fr",
                                  "jean..dupont@exemple.fr", "bonjour", "oui", "nonante", "pas sûr", ""])
def test_anything_else_is_not_understood(text: str) -> None:
    assert parse_contact(text) is None


@pytest.mark.parametrize("text, address", [
    ("marie.dupont@exemple.fr", "marie.dupont@exemple.fr"),
    ("Marie.Dupont@Exemple.FR", "Marie.Dupont@exemple.fr"),
    ("c'est marie_d+rdv@mail.exemple.com merci", "marie_d+rdv@mail.exemple.com"),
    ("marie @ exemple.fr", "marie@exemple.fr"),
    ("marie arobase exemple.fr", "marie@exemple.fr"),
])
def test_email_addresses_are_found(text: str, address: str) -> None:
    assert parse_contact(text) == Contact(EMAIL, address)


@pytest.mark.parametrize("text", ["pas de contact", "Pas de téléphone", "non", "Non merci", "aucun",
                                  "je n'ai pas de mail", "sans contact", "je préfère pas", "rien"])
def test_no_contact_is_an_answer(text: str) -> None:
    assert parse_contact(text) == NoContact()
    assert (parse_contact(text).kind, parse_contact(text).value) == (None, None)
