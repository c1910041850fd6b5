"""The national commune list (reference/communes.csv, from @etalab/decoupage-administratif 6.0.0, COG 2026), what
communes.yml adds to it, the centres the places give, and finding the communes a patron names."""
from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import List

import pytest
from rasa.shared.nlu.training_data.loading import load_data

from bot.knowledge import KnowledgeError, communes, national, validate_all
from bot.knowledge.communes import Commune, Communes, NationalList, Placed, centres, commune_words, resolve
from bot.knowledge.communes_list import commune_rows
from bot.knowledge.partners import load_communes, load_partner
from bot.partners.communes import find_commune, find_communes
from bot.settings import ROOT

KNOWLEDGE = ROOT / "knowledge_base"

# Objects of package/data/communes.json of @etalab/decoupage-administratif 6.0.0, fields not read left out.
PACKAGE_ROWS = [
    {"code": "01015", "nom": "Arboys en Bugey", "type": "commune-actuelle", "departement": "01",
     "codesPostaux": ["01300"], "population": 640, "anciensCodes": ["01340"]},
    {"code": "01015", "nom": "Arbignieu", "type": "commune-deleguee", "departement": "01", "chefLieu": "01015",
     "codesPostaux": ["01300"]},
    {"code": "13055", "nom": "Marseille", "type": "commune-actuelle", "departement": "13",
     "codesPostaux": ["13001", "13002"], "population": 886040},
    {"code": "13201", "nom": "Marseille 1er Arrondissement", "type": "arrondissement-municipal",
     "commune": "13055", "departement": "13", "codesPostaux": ["13001"], "population": 37599},
    {"code": "98818", "nom": "Nouméa", "type": "commune-actuelle", "departement": "988", "codesPostaux": ["98800"],
     "population": 85976},
]


@pytest.fixture(scope="module")
def country() -> Communes:
    """The national list alone: a library without communes.yml, places nor sites."""
    return Communes(national(), [], [])


@pytest.fixture(scope="module")
def territory() -> Communes:
    """The shipped sample territory (Indre-et-Loire)."""
    return communes()


def names(found: List[Commune]) -> List[str]:
    return [commune.nom for commune in found]


def test_only_current_communes_with_their_former_and_arrondissement_codes() -> None:
    rows = commune_rows(PACKAGE_ROWS)
    assert rows == [["01015", "Arboys en Bugey", "01300", "01", "640", "01340", "Arbignieu"],
                    ["13055", "Marseille", "13001 13002", "13", "886040", "13201", ""],
                    ["98818", "Nouméa", "98800", "988", "85976", "", ""]]


def test_the_committed_list_holds_every_current_commune_once() -> None:
    country = national()
    assert len(country.communes) == 34969 == len({commune.code_insee for commune in country.communes})
    assert country.by_code["01015"].nom == "Arboys en Bugey"  # not its delegated commune Arbignieu
    assert country.by_code["75111"].nom == "Paris" and "75011" in country.by_code["75056"].codes_postaux
    assert country.by_code["16322"].nom == "Confolens"  # a former code
    assert (country.by_code["2A004"].nom, country.by_code["2A004"].departement) == ("Ajaccio", "2A")
    assert country.departements["32"] == "Gers" and country.departements["974"] == "La Réunion"
    assert [commune.nom for commune in country.named("Mansle")] == ["Mansle-les-Fontaines"]  # merged in 2025


def test_names_are_compared_without_case_accents_hyphens_and_with_saint_spelled_out() -> None:
    assert commune_words("Les Sables-d'Olonne") == ["les", "sables", "d", "olonne"]
    assert commune_words("St-Pierre-des-Corps") == ["saint", "pierre", "des", "corps"]
    assert commune_words("Jœuf") == ["joeuf"]


@pytest.mark.parametrize("typed, code", [
    ("2A004", "2A004"), ("75011", "75056"), ("13001", "13055"), ("98800", "98818"), ("code INSEE 98818", "98818"),
    ("97400", "97411"), ("code insee 97411", "97411"), ("97411", "97415"),  # 97411 is Saint-Paul's postcode
    ("confolan", "16106"), ("st pierre des corps", "37233"), ("le havre", "76351"), ("havre", "76351"),
    ("les sables d olonne", "85194"), ("Sables-d'Olonne", "85194"), ("j'habite à Chambray-lès-Tours", "37050"),
    ("mon père vit à Aurillac", "15014"),
])
def test_a_commune_is_found_by_code_postcode_or_name_despite_spelling(country: Communes, typed: str,
                                                                       code: str) -> None:
    found = find_commune(typed, country, answering=True)
    assert found is not None and found.code_insee == code


def test_a_postcode_alone_gives_every_commune_that_has_it(country: Communes) -> None:
    found = find_communes("16500", country)
    assert len(found) == 9 and all("16500" in commune.codes_postaux for commune in found)
    assert found[0].nom == "Confolens"  # no centres known: the most populated first


def test_homonyms_are_all_given_with_their_departement(country: Communes) -> None:
    found = find_communes("j'habite à Saint-Martin", country)
    assert set(names(found)) == {"Saint-Martin"} and len(found) == 5
    assert "Saint-Martin (Gers)" in [country.label(commune) for commune in found]
    assert find_commune("saint martin", country, answering=True) is None  # the patron must choose
    assert names(find_communes("Saint-Martin 32300", country, answering=True)) == ["Saint-Martin"]


def test_homonyms_nearest_to_the_librarys_sites_come_first() -> None:
    gers = national().by_code["32389"]  # Saint-Martin (Gers)
    near_auch = Communes(national(), [], [Placed(gers, "32300", 43.53, 0.35)], sites=[("Auch", "32000")])
    found = find_communes("saint martin", near_auch, answering=True)
    assert found[0].code_insee == "32389" and found[0].centre == (43.53, 0.35)
    assert near_auch.label(found[0]) == "Saint-Martin (Gers)"


@pytest.mark.parametrize("typed, found", [
    ("un endroit pour m'aider avec l'ordinateur près de Confolens", ["Confolens"]),
    ("un endroit pour m'aider avec l'ordinateur près de confolan", ["Confolens"]),  # a typo after a strong cue
    ("la caf de Poitiers", ["Poitiers"]), ("la caf de poitiers", []),  # a weak cue needs a capital
    ("j'habite au Havre", ["Le Havre"]), ("je vais à La Rochelle", ["La Rochelle", "La Rochelle"]),
    ("dans le bus", []), ("à son rendez-vous", []), ("JAI PLUS DE SON", []), ("j'ai une dette de 15000 euros", []),
    ("les vacances de la Toussaint", []), ("je vis à la campagne", []), ("n'habite pas la commune", []),
])
def test_outside_an_answer_a_national_commune_needs_a_place_cue(country: Communes, typed: str,
                                                                found: List[str]) -> None:
    assert names(find_communes(typed, country)) == found


def test_the_territorys_communes_need_only_a_cue_and_win_over_far_ones(territory: Communes) -> None:
    assert names(find_communes("la caf de chinnon", territory)) == ["Chinon"]
    assert names(find_communes("tour", territory, answering=True)) == ["Tours"]  # not La Tour (Alpes-Maritimes)
    assert find_communes("ils ont joué avec mon téléphone", territory) == []
    assert find_communes("de tous les temps", territory) == []


# Examples of data/nlu that name a commune, beside those of tell_commune (all of which do).
NAMING_A_COMMUNE = {
    "il est reparti à Lyon": "Lyon", "fait ses études à Lyon": "Lyon", "mon travail à Paris": "Paris",
    "il fait beau à Marseille": "Marseille", "il va pleuvoir demain à Nantes": "Nantes",
    "un avocat pas cher à Tours": "Tours", "c'est quoi le 33700": "Mérignac",
}


WHERE_INTENTS = {"tell_commune", "find_help_place"}  # their examples often name a commune
POSTCODE = re.compile(r"\b\d{5}\b")


def test_no_training_example_finds_a_commune_it_does_not_name(territory: Communes) -> None:
    found, misplaced = {}, []
    for example in load_data(str(ROOT / "data" / "nlu")).intent_examples:
        text = example.get("text")
        communes = find_communes(text, territory)
        if communes and example.get("intent") not in WHERE_INTENTS:
            found[next((part for part in NAMING_A_COMMUNE if part in text), text)] = communes[0].nom
        words = " ".join(commune_words(text))
        misplaced += [(text, commune.nom) for commune in communes if not POSTCODE.search(text)
                      and not any(" ".join(commune_words(name)) in words for name in (commune.nom, *commune.aliases))]
    assert found == NAMING_A_COMMUNE
    assert misplaced == []


def test_centres_are_the_mean_of_the_places_of_the_commune_then_postcode_then_departement() -> None:
    country = national()
    tours, joue, ballan, nouméa = (country.by_code[code] for code in ("37261", "37122", "37018", "98818"))
    given = centres([Placed(tours, "37000", 47.0, 0.6), Placed(tours, "37100", 47.2, 0.8),
                     Placed(joue, "37300", 47.35, 0.66)])
    assert given.of(tours) == pytest.approx((47.1, 0.7))
    assert given.of(ballan) == pytest.approx(((47.0 + 47.2 + 47.35) / 3, (0.6 + 0.8 + 0.66) / 3))  # 37 only
    assert given.of(tours._replace(latitude=47.39, longitude=0.68)) == (47.39, 0.68)  # communes.yml's first
    assert given.of(nouméa) is None
    saint_avertin = country.by_code["37208"]  # shares no postcode: the département's places
    assert centres([Placed(tours, "37000", 47.0, 0.6)]).of(saint_avertin) == (47.0, 0.6)


def test_a_communes_own_postcode_gives_its_centre_before_the_departement() -> None:
    country = national()
    tours, amboise = country.by_code["37261"], country.by_code["37003"]
    given = centres([Placed(amboise, "37400", 47.41, 0.98), Placed(tours, "37000", 47.39, 0.68)])
    pocé = next(commune for commune in country.by_postcode["37400"] if commune.code_insee != "37003")
    assert given.of(pocé) == (47.41, 0.98)


def test_the_shipped_territory_has_communes_yml_first_then_the_places_communes(territory: Communes) -> None:
    assert territory.territory[0].nom == "Tours" and territory.territory[0].centre == (47.3941, 0.6848)
    assert territory.by_key("37233").aliases == ("spdc", "saint pierre")
    assert territory.by_key("chinon") is not None and territory.by_key("37000") is None
    assert all(commune.centre for commune in territory.territory)
    assert territory.home  # the library's sites are in Tours


COMMUNES_YML = """communes:
  - nom: Tours
    latitude: 47.39
    longitude: 0.68
  - nom: Saint-Martin
    aliases: [st martin]
"""


def test_communes_yml_errors_name_their_line(tmp_path: Path) -> None:
    path = tmp_path / "communes.yml"
    path.write_text(COMMUNES_YML, encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"communes.yml:5: plusieurs communes s'appellent « Saint-Martin » : "
                                             r"donnez son code_insee ou son code postal"):
        load_communes(path, national())
    path.write_text(COMMUNES_YML.replace("Saint-Martin\n", 'Saint-Martin\n    codes_postaux: ["32300"]\n'),
                    encoding="utf-8")
    assert [commune.code_insee for commune in load_communes(path, national())] == ["37261", "32389"]
    path.write_text(COMMUNES_YML.replace("    longitude: 0.68\n", ""), encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"communes.yml:2: communes.0: donnez la latitude et la longitude"):
        load_communes(path, national())
    path.write_text(COMMUNES_YML.replace("Tours", "Tourzz"), encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"communes.yml:2: la commune « Tourzz » n'est pas dans la liste "
                                             r"nationale des communes"):
        load_communes(path, national())


@pytest.mark.parametrize("content", [None, "", "# nothing yet\n", "communes: []\n"])
def test_a_territory_without_communes_yml_validates(tmp_path: Path, content: str) -> None:
    folder = Path(shutil.copytree(KNOWLEDGE, tmp_path / "knowledge_base"))
    if content is None:
        (folder / "communes.yml").unlink()
    else:
        (folder / "communes.yml").write_text(content, encoding="utf-8")
    assert validate_all(folder) == []
    assert load_communes(folder / "communes.yml", national()) == []


@pytest.mark.parametrize("commune, postcode, code, found", [
    ("TOURS", "37000", "37261", "37261"), ("Paris 11e Arrondissement", "75011", "75111", "75056"),
    ("Marseille 1er", "13001", None, "13055"), ("Cherbourg-Octeville", "50100", None, "50129"),
    ("Saint-Martin", "32300", None, "32389"), ("Confolens", "16500", "16322", "16106"),
])
def test_a_places_commune_is_checked_by_code_name_or_postcode(commune: str, postcode: str, code: str,
                                                              found: str) -> None:
    assert resolve(national(), commune, [postcode], code).code_insee == found


def test_a_place_whose_commune_and_code_disagree_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "caf-tours.yml"
    shutil.copy(KNOWLEDGE / "partners" / "caf-tours.yml", path)
    path.write_text(path.read_text(encoding="utf-8").replace("commune: Tours", "commune: Marseille"),
                    encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"caf-tours.yml:8: la commune « Marseille » n'a pas le code INSEE "
                                             r"« 37261 », qui est celui de Tours"):
        load_partner(path, national())


def test_a_national_list_of_a_few_rows_is_enough_to_search() -> None:
    small = NationalList.of(commune_rows(PACKAGE_ROWS), {"01": "Ain", "13": "Bouches-du-Rhône"})
    assert names(find_communes("13002", Communes(small, [], []))) == ["Marseille"]
    assert names(find_communes("arboys en bugey", Communes(small, [], []), answering=True)) == ["Arboys en Bugey"]
