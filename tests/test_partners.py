"""Partner places and communes: the shipped sample, the validator's errors (file and line), finding places."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from bot.contract import PARTNER_KINDS
from bot.knowledge import KnowledgeError, communes, national, partners
from bot.knowledge.communes import Communes
from bot.knowledge.messages import field_problem, yaml_problem
from bot.knowledge.partners import load_communes, load_partner, load_partners
from bot.partners.communes import find_commune
from bot.partners.nearby import PlaceIndex
from bot.partners.places import distance_km, partners_named
from tests.support.templates import write_changed

PLACE = """# a test place
id: {id}
kind: {kind}
nom: CAF de Tours
aliases: [la caf]
adresse: 1 rue de l'Exemple
code_postal: "37000"
commune: Tours
latitude: 47.39
longitude: 0.69
telephone: "02 61 91 01 01"
horaires: Mo-Fr 08:30-12:00; PH off
bring:
  - Votre numéro d'allocataire.
date_maj: 2026-01-15
"""

COMMUNES = """communes:
  - nom: Tours
    codes_postaux: ["37000", "37100"]
    latitude: 47.3941
    longitude: 0.6848
  - nom: Joué-lès-Tours
    codes_postaux: ["37300"]
    latitude: 47.3523
    longitude: 0.6633
"""


@pytest.fixture(scope="module")
def territory() -> Communes:
    return communes()


def write(folder: Path, id: str = "caf-tours", kind: str = "caf", **changes: str) -> Path:
    return write_changed(folder / f"{id}.yml", PLACE.format(id=id, kind=kind), **changes)


def load(path: Path):
    return load_partner(path, national())


def test_a_place_reads_its_fields_and_normalises_the_phone(tmp_path: Path) -> None:
    place = load(write(tmp_path))
    assert (place.id, place.kind, place.commune, place.telephone) == ("caf-tours", "caf", "Tours", "+33261910101")
    assert place.phone_display == "02 61 91 01 01"
    assert place.contract() == {"id": "caf-tours", "kind": "caf", "name": "CAF de Tours",
                                "address": "1 rue de l'Exemple, 37000 Tours", "phone": "+33261910101",
                                "url": None, "opening_hours": "Mo-Fr 08:30-12:00; PH off",
                                "latitude": 47.39, "longitude": 0.69}


@pytest.mark.parametrize("written", ['"+33261910101"', '"02.61.91.01.01"', '"0261910101"', '"+33 2 61 91 01 01"'])
def test_phone_formats_accepted(tmp_path: Path, written: str) -> None:
    place = load(write(tmp_path, **{'"02 61 91 01 01"': written}))
    assert place.telephone == "+33261910101"


@pytest.mark.parametrize("written, message", [
    ('"12 34"', r"caf-tours.yml:11: telephone: « 12 34 » n'est pas un numéro de téléphone français"),
    ('"+44 20 7946 0000"', r"caf-tours.yml:11: telephone: .* n'est pas un numéro de téléphone français"),
    ("0261910101", r'caf-tours.yml:11: telephone: écrivez-le entre guillemets'),
])
def test_bad_phone_names_file_and_line(tmp_path: Path, written: str, message: str) -> None:
    with pytest.raises(KnowledgeError, match=message):
        load(write(tmp_path, **{'"02 61 91 01 01"': written}))


def test_unknown_kind_names_its_line(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError, match=r"caf-tours.yml:3: kind: « mairie » n'est pas une valeur possible. "
                                             r"Valeurs possibles : caf, cpam"):
        load(write(tmp_path, kind="mairie"))


def test_bad_hours_name_their_line(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError, match=r"caf-tours.yml:12: horaires: écrivez les horaires comme "
                                             r"OpenStreetMap"):
        load(write(tmp_path, **{"Mo-Fr 08:30-12:00; PH off": "du lundi au vendredi"}))


@pytest.mark.parametrize("written, wrong, message", [
    ("latitude: 47.39", "latitude: nord", "9: latitude: doit être un nombre, avec un point pour les décimales"),
    ("latitude: 47.39", "latitude: 147.39", "9: latitude: doit être au plus 90"),
    ('code_postal: "37000"', 'code_postal: "370"', "7: code_postal: n'est pas écrit comme il faut"),
    ("date_maj: 2026-01-15", "date_maj: hier", "15: date_maj: date mal écrite : écrivez-la comme 2026-01-15"),
    ("date_maj: 2026-01-15", "date_maj: 2026-02-30", "15: cette date ou cette heure n'existe pas"),
    ("aliases: [la caf]", "aliases: la caf", "5: aliases: doit être une liste"),
    ("kind: caf", "kind: caf\nsite_web: [www.caf.fr]", "4: site_web.0: adresse web incomplète"),
    ("kind: caf", "kind: caf\nkind: cpam", "4: YAML incorrect : le champ « kind » est écrit deux fois"),
    ("nom: CAF de Tours", "nom: CAF : Tours", "4: YAML incorrect : un « : » de trop"),
    ("  - Votre", "\t- Votre", "14: YAML incorrect : une tabulation"),
    ("aliases: [la caf]", "aliases: [la caf", "6: YAML incorrect : il manque un « ] » ou une virgule"),
    ('"02 61 91 01 01"', '"02 61 91 01 01', "16: YAML incorrect : un guillemet n'est pas fermé"),
    ("kind: caf", "kind: caf\n1: x", "4: 1: un nom de champ est un mot, pas un nombre"),
    ("bring:", "bring:\n  - 1: x", "14: bring.0: doit être un texte"),
])
def test_mistakes_are_said_in_french_with_their_line(tmp_path: Path, written: str, wrong: str, message: str) -> None:
    with pytest.raises(KnowledgeError) as error:
        load(write(tmp_path, **{written: wrong}))
    assert f"caf-tours.yml:{message}" in str(error.value)


def test_an_empty_file_is_said_to_need_fields(tmp_path: Path) -> None:
    (tmp_path / "caf-tours.yml").write_text("# rien\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match="caf-tours.yml:1: fichier: doit contenir des lignes « nom: valeur »"):
        load(tmp_path / "caf-tours.yml")


def test_a_problem_without_french_words_keeps_the_librarys() -> None:
    assert field_problem({"type": "value_error.uuid", "msg": "value is not a valid uuid"}) == \
        "value is not a valid uuid"
    assert field_problem({"type": "value_error.const", "msg": "unexpected value"}) == "unexpected value"  # no ctx
    assert yaml_problem("found undefined alias 'x'") == "found undefined alias 'x'"


def test_fallback_rule_is_refused_with_the_way_to_write_it(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError, match=r'caf-tours.yml:12: horaires: « \|\| » ne peut pas être utilisé '
                                             r'.* "sur rendez-vous"'):
        load(write(tmp_path, **{"Mo-Fr 08:30-12:00; PH off": 'Mo-Fr 08:30-12:00 || "sur rendez-vous"'}))


def test_unknown_commune_names_its_line(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError, match=r"caf-tours.yml:8: la commune « Tourville-sur-Loire » n'est pas dans "
                                             r"la liste nationale des communes"):
        load(write(tmp_path, **{"commune: Tours": "commune: Tourville-sur-Loire", '"37000"': '"37999"'}))


def test_commune_spelling_of_case_accents_and_hyphens_does_not_count(tmp_path: Path) -> None:
    assert load(write(tmp_path, **{"commune: Tours": "commune: JOUE LES TOURS"})).commune == "JOUE LES TOURS"


def test_id_must_be_the_file_name(tmp_path: Path) -> None:
    moved = write(tmp_path).rename(tmp_path / "caf-joue.yml")
    with pytest.raises(KnowledgeError, match=r"caf-joue.yml:2: id « caf-tours » doit être le nom du fichier "
                                             r"« caf-joue »"):
        load(moved)


def test_missing_field_and_unknown_field_are_named(tmp_path: Path) -> None:
    path = write(tmp_path, **{"adresse: 1 rue de l'Exemple\n": "", "bring:": "apporter:"})
    with pytest.raises(KnowledgeError) as error:
        load(path)
    assert "caf-tours.yml:1: adresse: il manque ce champ" in str(error.value)
    assert "caf-tours.yml:12: apporter: champ inconnu"  # one line up: adresse removed in str(error.value)


def test_every_partner_kind_needs_a_place(tmp_path: Path) -> None:
    write(tmp_path)
    with pytest.raises(KnowledgeError, match="aucun lieu pour les partenaires cpam, .*emmaus_connect"):
        load_partners(tmp_path, national())


def test_one_place_of_every_kind_loads(tmp_path: Path) -> None:
    for kind in PARTNER_KINDS:
        write(tmp_path, id=kind.replace("_", "-"), kind=kind)
    assert {place.kind for place in load_partners(tmp_path, national())} == set(PARTNER_KINDS)


def test_communes_file_errors_name_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "communes.yml"
    path.write_text(COMMUNES.replace('["37300"]', "[37300]"), encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"communes.yml:7: communes.1.codes_postaux.0: écrivez-le entre "
                                             r"guillemets"):
        load_communes(path, national())
    path.write_text(COMMUNES + COMMUNES.replace("communes:\n", "").replace("Joué-lès-Tours", "Tours 2"),
                    encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"communes.yml:10: la commune « Tours » est écrite deux fois"):
        load_communes(path, national())


def test_shipped_sample_is_valid_and_covers_every_kind() -> None:
    places = partners()
    kinds = Counter(place.kind for place in places)
    assert set(kinds) == set(PARTNER_KINDS)  # mediation_numerique too, though only the organisms need one
    assert all(kinds[kind] >= 2 for kind in ("caf", "cpam", "france_services"))
    for kind in ("caf", "cpam", "france_services"):
        assert len({place.commune for place in places if place.kind == kind}) >= 2, kind


def test_shipped_sample_is_labelled_and_fictitious() -> None:
    folder = Path(__file__).parent.parent / "knowledge_base" / "partners"
    for path in folder.glob("*.yml"):
        assert path.read_text(encoding="utf-8").startswith("# SAMPLE TERRITORY — fictitious place"), path
    for place in partners():
        fictitious = place.telephone is None or place.telephone.startswith("+3326191")  # ARCEP's numbers for fiction
        assert fictitious, place.id
        assert all(email.endswith("@example.org") for email in place.courriels), place.id


@pytest.mark.parametrize("typed, commune", [
    ("tour", "Tours"),
    ("Tours", "Tours"),
    ("Joue les tours", "Joué-lès-Tours"),
    ("joue les tour", "Joué-lès-Tours"),
    ("j'habite à Joué", "Joué-lès-Tours"),
    ("st cyr", "Saint-Cyr-sur-Loire"),
    ("St-Pierre", "Saint-Pierre-des-Corps"),
    ("amboize", "Amboise"),
    ("chinnon", "Chinon"),
    ("37000", "Tours"),
    ("37300", "Joué-lès-Tours"),
])
def test_find_commune_despite_spelling(territory: Communes, typed: str, commune: str) -> None:
    found = find_commune(typed, territory, answering=True)
    assert found is not None and found.nom == commune


@pytest.mark.parametrize("typed", ["bonjour", "", "99999", "merci", "je ne sais pas"])
def test_no_commune_for_nonsense_unknown_or_ambiguous(territory: Communes, typed: str) -> None:
    assert find_commune(typed, territory, answering=True) is None


def test_nearest_places_come_first(territory: Communes) -> None:
    def commune(name: str):
        return find_commune(name, territory, answering=True)

    def nearest(kind: str, name: str) -> list:
        return [near.place for near in PlaceIndex(partners()).nearest(commune(name), kind)]

    assert [place.commune for place in nearest("caf", "Amboise")] == ["Tours", "Chinon"]
    assert [place.commune for place in nearest("caf", "Chinon")] == ["Chinon", "Tours"]
    loches = nearest("france_services", "Bléré")
    assert [place.commune for place in loches][0] == "Loches"
    assert all(place.kind == "france_services" for place in loches)


def test_distance_between_tours_and_amboise(territory: Communes) -> None:
    tours, amboise = territory.by_key("37261"), territory.by_key("37003")
    assert 21 < distance_km(tours, amboise) < 23  # about 22 km as the crow flies


@pytest.mark.parametrize("typed, kind", [
    ("la kaf", "caf"), ("je vais à la caf", "caf"), ("caf", "caf"), ("impots", "impots"),
    ("pole emploi", "france_travail"),
    ("la sécu", "cpam"), ("ameli", "cpam"), ("les impots", "impots"), ("emmaus", "emmaus_connect"),
])
def test_partners_named_by_their_aliases(typed: str, kind: str) -> None:
    assert {place.kind for place in partners_named(typed, partners())} == {kind}


@pytest.mark.parametrize("talk", ["bonjour je voudrais de l'aide", "ça fait 3 semaines que j'attends",
                                  "mon arrêt maladie a pas été payé ça fait un mois"])
def test_nothing_named_in_plain_talk(talk: str) -> None:
    assert partners_named(talk, partners()) == []
