"""`python -m bot import-lieux`: partner files from the national files of « lieux de médiation numérique » as they
are published (real rows, tests/data/lieux/SOURCES.md), bad rows and unreadable files reported, refresh."""
from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any, Dict

import pytest
from ruamel.yaml import YAML

from bot.__main__ import main
from bot.knowledge import KnowledgeError, national
from bot.knowledge.partners import Partner, load_partner
from bot.lieux.importing import Dumper, import_lieux
from bot.lieux.reading import read_rows
from bot.lieux.schema import code, enumerated, hours, phone_text, place

DATA = Path(__file__).parent / "data" / "lieux"
CHARENTE_V0 = DATA / "charente-20230711.v0.first60.json"
CHARENTE_V1 = DATA / "charente-20230711.hybrid-v1.first60.json"
SEMICOLON = DATA / "charente-20230711.hybrid-v1.first20.semicolon-cp1252.csv"
BOM = DATA / "charente-20230711.hybrid-v1.first20.bom.csv"
HUB_DU_SUD = DATA / "hub-du-sud-paca-20230516.v0.first30.json"
LE_HAVRE = DATA / "le-havre.producer-v0.first40.json"
ANTILLES = DATA / "mednum-hub-antilles.producer-v0.first56.json"
AIX = DATA / "aix-en-provence.producer-v0-Adresse.json"
CALEDONIE = DATA / "nouvelle-caledonie-20240320.v0.first30.json"
BUS = DATA / "bus-france-services-charente-20231003.v0.json"
SCHEMA_CSV = DATA / "exemple-valide-v1.0.1.csv"
TODAY = date(2026, 12, 7)


def loaded(path: Path) -> Partner:
    """A written file as the project reads it (ruamel, YAML 1.2), checked by the model."""
    return Partner.parse_obj(YAML(typ="rt").load(path.read_text(encoding="utf-8")))


def usable(source: Path) -> int:
    """Rows of a JSON file with an address and coordinates, counted apart from the importer."""
    rows = json.loads(source.read_text(encoding="utf-8"))
    return sum(1 for row in rows if (row.get("adresse") or row.get("Adresse"))
               and row.get("latitude") not in (None, "") and row.get("longitude") not in (None, ""))


@pytest.mark.parametrize("source", [CHARENTE_V0, CHARENTE_V1, HUB_DU_SUD, LE_HAVRE, ANTILLES, AIX, CALEDONIE, BUS],
                         ids=lambda source: source.name)
def test_every_real_row_with_address_and_coordinates_is_kept(tmp_path: Path, source: Path) -> None:
    report = import_lieux(source, tmp_path)
    assert len(report.written) == len(list(tmp_path.glob("*.yml"))) >= usable(source) - 1  # Le Havre: one id twice
    for path in report.written:
        loaded(path)


def test_a_0x_row_gets_the_1x_values_and_its_kind(tmp_path: Path) -> None:
    import_lieux(CHARENTE_V0, tmp_path)
    place = loaded(tmp_path / "mediation-numerique-conseiller-numerique-63d29db4e6d6a806f256459a-mediation-"
                              "numerique.yml")
    assert place.kind == "france_services"  # labels_nationaux « CNFS;France Services »
    assert place.dispositif_programmes_nationaux == ["Conseillers numériques", "France Services"]
    assert place.services == ["Maîtrise des outils numériques du quotidien", "Compréhension du monde numérique"]
    assert place.frais_a_charge == ["Gratuit"]
    assert place.modalites_accompagnement == ["Accompagnement individuel"]
    assert str(place.fiche_acces_libre).startswith("https://acceslibre.beta.gouv.fr/app/16-chateaubernard/")
    assert place.origin == CHARENTE_V0.name
    assert place.telephone is None and place.horaires is None  # optional: the row has none, it is kept


def test_the_0x_and_the_hybrid_export_of_a_place_give_the_same_1x_values(tmp_path: Path) -> None:
    import_lieux(CHARENTE_V0, tmp_path / "v0")
    import_lieux(CHARENTE_V1, tmp_path / "v1")
    for path in (tmp_path / "v1").glob("*.yml"):
        hybrid, older = loaded(path), loaded(tmp_path / "v0" / path.name)
        assert (hybrid.frais_a_charge, hybrid.kind, hybrid.nom) == (older.frais_a_charge, older.kind, older.nom)
        # ANCT's migration sometimes lost one of two accompaniments; ours keeps both.
        assert set(hybrid.modalites_accompagnement) <= set(older.modalites_accompagnement), path


def test_places_that_are_not_partners_are_mediation_places(tmp_path: Path) -> None:
    import_lieux(LE_HAVRE, tmp_path)
    place = loaded(tmp_path / "le-havre-139.yml")  # a bare number gets its source
    assert place.kind == "mediation_numerique"
    assert place.services == ["Accès internet et matériel informatique"]  # « Accéder à une connexion Internet / …»
    assert place.publics_specifiquement_adresses == ["Jeunes", "Familles et/ou enfants", "Seniors"]
    assert place.prise_en_charge_specifique == ["Surdité", "Handicaps mentaux", "Langues étrangères (autres)"]
    assert (place.code_postal, place.code_insee, place.telephone) == ("76600", "76351", "+33278341139")
    assert place.modalites_accompagnement == ["En autonomie"]  # « Seul : j’ai accès à du matériel … »


def test_numbers_where_text_is_expected(tmp_path: Path) -> None:
    import_lieux(ANTILLES, tmp_path)
    numbers = [row for row in json.loads(ANTILLES.read_text(encoding="utf-8"))
               if isinstance(row["telephone"], int)]
    place = loaded(tmp_path / f"{numbers[0]['id'].lower()}.yml")
    assert place.telephone == "+596" + str(numbers[0]["telephone"])  # 596516976: a Martinique number
    assert place.code_postal == str(numbers[0]["code_postal"])
    assert (code(1000), code("4070"), code("2a004"), phone_text(696044299)) == ("01000", "04070", "2A004",
                                                                               "0696044299")


def test_a_capitalised_address_key_and_a_numeric_postcode(tmp_path: Path) -> None:
    import_lieux(AIX, tmp_path)
    place = loaded(tmp_path / "mairie-aix-en-provence-1.yml")
    assert (place.adresse, place.code_postal, place.pivot) == ("1 PLACE VICTOR SCHOELCHER", "13100", "W131004321")
    assert place.dispositif_programmes_nationaux == ["Aidants Connect", "Conseillers numériques"]


def test_overseas_places_and_their_numbers(tmp_path: Path) -> None:
    import_lieux(CALEDONIE, tmp_path)
    codes = {loaded(path).code_postal[:3] for path in tmp_path.glob("*.yml")}
    phones = {loaded(path).telephone[:4] for path in tmp_path.glob("*.yml") if loaded(path).telephone}
    assert codes == {"988"} and phones == {"+687"}


def test_placeholders_are_noted_once_per_file_not_fatal(tmp_path: Path) -> None:
    report = import_lieux(BUS, tmp_path)
    assert len(report.written) == 12
    assert f"{BUS}: remarque : pivot 00000000000000 (aucun SIRET ni RNA connu) sur 12 lieux" in report.messages
    assert any(message.startswith(f"{BUS}: remarque : date_maj inconnue sur 12 lieux") for message in report.messages)
    assert {loaded(path).date_maj for path in report.written} == {date(1969, 12, 31)}
    antilles = import_lieux(ANTILLES, tmp_path / "antilles")  # date_maj "" in some rows
    assert date(1970, 1, 1) in {loaded(path).date_maj for path in antilles.written}


def test_rows_without_coordinates_are_skipped_with_their_line(tmp_path: Path) -> None:
    report = import_lieux(HUB_DU_SUD, tmp_path)
    skipped = [message for message in report.messages if ": ligne ignorée : " in message]
    assert report.skipped == len(skipped) == 2
    assert skipped[0] == f"{HUB_DU_SUD}:2: ligne ignorée : il manque latitude, longitude"


def test_an_invalid_optional_value_is_left_out_with_a_note(tmp_path: Path) -> None:
    source = tmp_path / "made-up.csv"
    source.write_text("id,nom,adresse,code_postal,commune,latitude,longitude,telephone,horaires,courriels,date_maj\n"
                      "lieu-1,Lieu,1 rue A,37000,Tours,47.39,0.69,12 34,tous les jours,pas-un-courriel,2026-01-02\n",
                      encoding="utf-8")
    report = import_lieux(source, tmp_path / "out")
    assert [path.name for path in report.written] == ["lieu-1.yml"]
    assert [message.split(" remarque : ")[1].split(" ")[0] for message in report.messages] == [
        "telephone", "courriels", "horaires"]
    assert all(message.startswith(f"{source}:2: remarque : ") for message in report.messages)
    assert set(loaded(report.written[0]).dict(exclude_defaults=True)) >= {"id", "nom", "latitude"}


@pytest.mark.parametrize("source", [SEMICOLON, BOM], ids=lambda source: source.name)
def test_csv_variants_read_like_the_json_they_come_from(tmp_path: Path, source: Path) -> None:
    report = import_lieux(source, tmp_path / "csv")
    import_lieux(CHARENTE_V1, tmp_path / "json")
    assert len(report.written) == 20
    for path in report.written:
        from_csv, from_json = loaded(path), loaded(tmp_path / "json" / path.name)
        assert from_csv.dict(exclude={"origin"}) == from_json.dict(exclude={"origin"})
    assert "Médiathèque chateaubernard" in {loaded(path).nom for path in report.written}  # é from Windows-1252


def test_the_schemas_own_csv_example(tmp_path: Path) -> None:
    report = import_lieux(SCHEMA_CSV, tmp_path)
    place = loaded(report.written[0])
    assert place.id == "structure-1" and place.itinerance == ["Itinérant"]
    assert place.courriels == ["contact@laquincaillerie.tl", "responsable@laquincaillerie.tl"]
    assert place.horaires == "Mo-Fr 09:00-12:00,14:00-18:30; Sa 08:30-12:00"  # « ; » and « , » not split
    assert place.modalites_acces == ["Se présenter", "Téléphoner"]
    assert place.kind == "mediation_numerique"  # Aidants Connect, Conseillers numériques, La Croix Rouge


def test_ids_are_made_file_names_and_a_second_row_with_the_same_id_is_reported(tmp_path: Path) -> None:
    source = tmp_path / "ids.csv"
    source.write_text("id;nom;adresse;code_postal;commune;latitude;longitude\n"
                      "PAN_CAF_Montlouis;A;1 rue A;37270;Montlouis-sur-Loire;47.38;0.82\n"
                      "pan-caf-montlouis;B;2 rue B;37270;Montlouis-sur-Loire;47.38;0.82\n"
                      "dora-3d647b3a-a5b6-41f8-8374-ba37c1ff1746;C;3 rue C;37270;Montlouis-sur-Loire;47.38;0.82\n",
                      encoding="utf-8")
    report = import_lieux(source, tmp_path / "out")
    assert sorted(path.name for path in report.written) == [
        "dora-3d647b3a-a5b6-41f8-8374-ba37c1ff1746.yml", "pan-caf-montlouis.yml"]
    assert f"{source}:3: ligne ignorée : id « pan-caf-montlouis » déjà pris à la ligne 2" in report.messages


def test_0x_values_map_to_1x_ones() -> None:
    assert enumerated("services", "Accompagner les démarches de santé;Créer avec le numérique")[0] == [
        "Aide aux démarches administratives", "Loisirs et créations numériques"]
    assert enumerated("frais_a_charge", "Gratuit sous condition : La gratuité est conditionnée")[0] == [
        "Gratuit sous condition"]
    assert enumerated("frais_a_charge", "Adhésion : L’accès au lieu et/ou à ses services nécessite d’y adhérer")[
        0] == ["Payant"]
    assert enumerated("dispositif_programmes_nationaux", "Relais numérique (Emmaüs Connect)|Point relais CAF")[
        0] == ["Relais numérique (Emmaüs Connect)", "Point d'accès numérique CAF"]
    assert hours("Mo-Fr 14:00-19:00\xa0;Sa 14:00-18h00 ") == "Mo-Fr 14:00-19:00; Sa 14:00-18:00"


def test_kind_from_programmes_or_the_command_line(tmp_path: Path) -> None:
    source = tmp_path / "kinds.json"
    rows = [{"id": f"l{index}", "nom": "L", "adresse": "1 rue A", "code_postal": "37000", "commune": "Tours",
             "latitude": 47.39, "longitude": 0.69, **extra} for index, extra in enumerate([
                 {"dispositif_programmes_nationaux": "Point d'accès numérique CAF"},
                 {"labels_nationaux": "Relais numérique (Emmaüs Connect)"},
                 {"typologie": "PE"}, {}])]
    source.write_text(json.dumps(rows), encoding="utf-8")
    import_lieux(source, tmp_path / "a")
    assert [loaded(tmp_path / "a" / f"l{index}.yml").kind for index in range(4)] == [
        "caf", "emmaus_connect", "france_travail", "mediation_numerique"]
    import_lieux(source, tmp_path / "b", kind="cpam")
    assert {loaded(path).kind for path in (tmp_path / "b").glob("*.yml")} == {"cpam"}


@pytest.mark.parametrize(("content", "message"), [
    (b"", r"odd\.csv:1: fichier vide"),
    (b"\x81\x8d\x8f\x90\x9d\n", r"odd\.csv:1: texte illisible"),
    (b"id,nom\nx,\x00y\n", r"odd\.csv:2: CSV illisible \(virgule comme séparateur\) : caractère nul"),
    (b'{"id": "x", "nom": "y"}', r"odd\.csv:1: le JSON doit être une liste de lieux"),
    (b'[\n  {"id": "x",\n   "nom": "y"},\n  {"id": "z", "nom"', r"odd\.csv:4: JSON incomplet"),
    (b'[\n  {"id": "x", "nom": "y"}\n', r"odd\.csv:3: JSON incomplet : la liste n'est pas fermée"),
    (b'[\n  {"id": "x", "nom": "y"},\n  3\n]', r"odd\.csv:3: le lieu n° 2 n'est pas un objet"),
    (b"nom;commune\nx;Tours\n", r"odd\.csv:1: pas un fichier de lieux de médiation numérique"),
    (b'id,nom\n"x,y\n', r"odd\.csv:2: CSV illisible .* un guillemet n'est pas fermé"),
])
def test_an_unreadable_file_is_one_french_line_with_file_and_line(tmp_path: Path, content: bytes,
                                                                   message: str) -> None:
    source = tmp_path / "odd.csv"
    source.write_bytes(content)
    with pytest.raises(KnowledgeError, match=message) as error:
        import_lieux(source, tmp_path / "out")
    assert "\n" not in str(error.value)


def test_line_numbers_of_json_and_csv_rows() -> None:
    assert [row.line for row in read_rows(BUS)][:3] == [2, 23, 44]
    assert [row.line for row in read_rows(SCHEMA_CSV)] == [2]


def test_refresh_updates_adds_and_marks_gone_places_but_keeps_staff_fields(tmp_path: Path) -> None:
    older, newer = tmp_path / "older.json", tmp_path / "newer.json"
    rows = json.loads(CHARENTE_V1.read_text(encoding="utf-8"))[:6]
    older.write_text(json.dumps(rows[:5]), encoding="utf-8")
    changed = {**rows[1], "telephone": "05 45 12 34 56"}
    newer.write_text(json.dumps([rows[0], changed, rows[3], rows[4], rows[5]]), encoding="utf-8")
    out = tmp_path / "partners"
    import_lieux(older, out, today=TODAY)
    kept = out / f"{rows[0]['id']}.yml"
    kept.write_text(kept.read_text(encoding="utf-8") + "aliases: [la médiathèque]\n", encoding="utf-8")
    report = import_lieux(newer, out, today=TODAY)
    assert [path.stem for path in report.added] == [rows[5]["id"]]
    assert [path.stem for path in report.updated] == [rows[1]["id"]]
    assert report.unchanged == 3
    assert [path.stem for path in report.gone] == [rows[2]["id"]]
    assert loaded(out / f"{rows[1]['id']}.yml").telephone == "+33545123456"
    assert loaded(kept).aliases == ["la médiathèque"]
    assert loaded(out / f"{rows[2]['id']}.yml").absent_since == TODAY
    again = import_lieux(newer, out, remove_gone=True, today=TODAY)
    assert again.gone == report.gone and not (out / f"{rows[2]['id']}.yml").exists()


def test_places_of_another_territory_or_written_by_hand_are_never_marked_gone(tmp_path: Path) -> None:
    out = tmp_path / "partners"
    import_lieux(AIX, out, today=TODAY)  # Bouches-du-Rhône
    shutil.copy(Path(__file__).parent.parent / "knowledge_base" / "partners" / "caf-chinon.yml", out)
    report = import_lieux(BUS, out, today=TODAY)  # Charente
    assert report.gone == []
    charente = import_lieux(CHARENTE_V1, out, today=TODAY)  # Charente again, other sources: the buses stay
    assert charente.gone == []


def test_a_file_written_by_hand_is_replaced_only_when_forced_keeping_the_staff_fields(tmp_path: Path) -> None:
    out = tmp_path / "partners"
    out.mkdir()
    hand = out / "structure-1.yml"
    hand.write_text("id: structure-1\naliases: [la quincaillerie]\n", encoding="utf-8")
    report = import_lieux(SCHEMA_CSV, out)
    assert report.written == [] and report.messages[0].startswith(f"{SCHEMA_CSV}:2: ligne ignorée : {hand} existe "
                                                                  f"déjà, écrit à la main")
    forced = import_lieux(SCHEMA_CSV, out, force=True)
    assert forced.updated == [hand] and loaded(hand).aliases == ["la quincaillerie"]


def test_the_written_yaml_reads_back_as_written() -> None:
    import yaml

    fields: Dict[str, Any] = {"id": "1e3", "nom": "0o17", "commune": "yes", "code_postal": "01000",
                              "date_maj": date(2026, 1, 2)}
    text = yaml.dump(fields, Dumper=Dumper, allow_unicode=True, sort_keys=False)
    assert dict(YAML(typ="rt").load(text)) == fields


def test_files_keep_a_header_comment(tmp_path: Path) -> None:
    import_lieux(SCHEMA_CSV, tmp_path)
    assert (tmp_path / "structure-1.yml").read_text(encoding="utf-8").startswith(
        "# Imported from exemple-valide-v1.0.1.csv, line 2 (lieux de médiation numérique).\n")


def test_place_reads_the_older_names() -> None:
    found = place({"Adresse": "1 rue A", "courriel": "a@b.fr", "pivot (siret ou rna)": "W131004321",
                   "public_accueillis": "Seniors (+65 ans);Surdité", "labels_autres": "ZRR"})
    assert found.fields == {"adresse": "1 rue A", "courriels": ["a@b.fr"], "pivot": "W131004321",
                            "publics_specifiquement_adresses": ["Seniors"], "prise_en_charge_specifique": ["Surdité"],
                            "autres_formations_labels": ["ZRR"], "date_maj": date(1970, 1, 1)}


def test_command_line_counts_and_fails_only_when_nothing_could_be_read(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture) -> None:
    assert main(["import-lieux", str(HUB_DU_SUD), "--out", str(tmp_path)]) == 0
    output = capsys.readouterr()
    assert f"28 lieux ajoutés, 0 mis à jour, 0 inchangés dans {tmp_path} ; 2 lignes ignorées" in output.out
    assert f"{HUB_DU_SUD}:2: ligne ignorée : il manque latitude, longitude" in output.err
    empty = tmp_path / "empty.json"
    empty.write_text("", encoding="utf-8")
    assert main(["import-lieux", str(empty), "--out", str(tmp_path)]) == 1
    assert capsys.readouterr().err == f"{empty}:1: fichier vide : aucun lieu à importer\n"


def test_a_postcode_with_a_leading_zero_and_an_eight_or_nine_stays_text_in_the_written_file(tmp_path: Path) -> None:
    source = tmp_path / "ariege.csv"
    source.write_text("id,nom,adresse,code_postal,commune,code_insee,latitude,longitude,date_maj\n"
                      "epn-pamiers,EPN,1 rue A,9100,PAMIERS,09225,43.116,1.611,2026-01-02\n", encoding="utf-8")
    report = import_lieux(source, tmp_path / "out")
    written = report.written[0].read_text(encoding="utf-8")
    assert "code_postal: '09100'" in written and "code_insee: '09225'" in written and "commune: Pamiers" in written
    assert loaded(report.written[0]).code_postal == "09100"
    assert load_partner(report.written[0], national()).code_insee == "09225"  # as make validate reads it


def test_two_producers_numbering_their_rows_alike_do_not_collide(tmp_path: Path) -> None:
    import_lieux(AIX, tmp_path)
    report = import_lieux(DATA / "bus-france-services-charente-20231003.v0.json", tmp_path)
    assert report.skipped == 0 and len(report.written) == 12
    assert (tmp_path / "bus-france-services-en-charente-1.yml").exists()
    assert (tmp_path / "mairie-aix-en-provence-1.yml").exists()
    again = import_lieux(DATA / "bus-france-services-charente-20231003.v0.json", tmp_path)  # a refresh
    assert (len(again.gone), len(again.written)) == (0, 0)


def test_a_name_or_an_address_on_several_lines_is_written_on_one() -> None:
    found = place({"id": "x", "nom": " Croix  Rouge ", "adresse": "20 rue du Capitaine Manuel\n97200 Fort de France",
                   "presentation_resume": "Deux lignes.\nGardées."})
    assert (found.fields["nom"], found.fields["adresse"]) == ("Croix Rouge",
                                                              "20 rue du Capitaine Manuel 97200 Fort de France")
    assert found.fields["presentation_resume"] == "Deux lignes.\nGardées."
