"""`python -m bot import-lieux`: partner files from a CSV of the national schema, bad rows reported."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.knowledge import KnowledgeError, national
from bot.knowledge.communes import NationalList
from bot.knowledge.import_lieux import import_lieux
from bot.knowledge.partners import load_partner, load_partners

FIXTURE = Path(__file__).parent / "data" / "lieux-mediation-sample.csv"
SHIPPED = Path(__file__).parent.parent / "knowledge_base" / "partners"
GOOD = ["france-services-blere", "relais-emmaus-amboise", "pan-caf-montlouis"]


@pytest.fixture(scope="module")
def territory() -> NationalList:
    return national()


def test_good_rows_become_partner_files_that_validate(tmp_path: Path, territory: NationalList) -> None:
    report = import_lieux(FIXTURE, tmp_path, territory)
    assert sorted(path.stem for path in report.written) == sorted(GOOD)
    places = {path.stem: load_partner(path, territory) for path in report.written}
    blere = places["france-services-blere"]
    assert (blere.kind, blere.telephone, blere.courriels) == (
        "france_services", "+33261910901", ["fs-blere@example.org", "accueil-blere@example.org"])
    assert places["relais-emmaus-amboise"].kind == "emmaus_connect"
    assert places["relais-emmaus-amboise"].telephone == "+33261910902"
    assert places["pan-caf-montlouis"].kind == "caf"  # values separated by ";" as in older files
    assert places["pan-caf-montlouis"].modalites_acces == ["Se présenter", "Prendre un RDV en ligne"]


def test_imported_files_validate_beside_the_shipped_ones(tmp_path: Path, territory: NationalList) -> None:
    folder = shutil.copytree(SHIPPED, tmp_path / "partners")
    import_lieux(FIXTURE, folder, territory)
    assert {place.id for place in load_partners(folder, territory)} >= set(GOOD)


def test_ids_are_kept_or_made_file_names(tmp_path: Path, territory: NationalList) -> None:
    report = import_lieux(FIXTURE, tmp_path, territory)
    assert f"{FIXTURE}:5: remarque : id « PAN_CAF_Montlouis » écrit « pan-caf-montlouis »" in report.messages
    assert "id: france-services-blere\n" in (tmp_path / "france-services-blere.yml").read_text(encoding="utf-8")


def test_each_bad_row_is_reported_with_its_line_and_reason(tmp_path: Path, territory: NationalList) -> None:
    report = import_lieux(FIXTURE, tmp_path, territory)
    skipped = [message for message in report.messages if ": ligne ignorée : " in message]
    assert report.skipped == len(skipped) == 4
    assert skipped[0].startswith(f"{FIXTURE}:6: ligne ignorée : horaires: écrivez les horaires comme")
    assert skipped[1].startswith(f"{FIXTURE}:7: ligne ignorée : pas de type de partenaire")
    assert skipped[2].startswith(f"{FIXTURE}:8: ligne ignorée : telephone: « 12 34 » n'est pas un numéro de "
                                 f"téléphone français")
    assert skipped[3] == f"{FIXTURE}:9: ligne ignorée : commune: il manque ce champ"


def test_a_bad_optional_value_is_left_out_not_the_row(tmp_path: Path, territory: NationalList) -> None:
    report = import_lieux(FIXTURE, tmp_path, territory)
    assert any(message.startswith(f"{FIXTURE}:4: remarque : modalites_acces laissé de côté : « ")
               for message in report.messages)
    assert "modalites_acces" not in (tmp_path / "relais-emmaus-amboise.yml").read_text(encoding="utf-8")


def test_kind_option_applies_to_every_row(tmp_path: Path, territory: NationalList) -> None:
    report = import_lieux(FIXTURE, tmp_path, territory, kind="france_services")
    assert "conseiller-numerique-tours" in {path.stem for path in report.written}
    assert {load_partner(path, territory).kind for path in report.written} == {"france_services"}


def test_existing_files_are_kept_unless_forced(tmp_path: Path, territory: NationalList) -> None:
    import_lieux(FIXTURE, tmp_path, territory)
    edited = tmp_path / "france-services-blere.yml"
    edited.write_text("# edited by hand\n", encoding="utf-8")
    again = import_lieux(FIXTURE, tmp_path, territory)
    assert again.written == []
    assert f"{FIXTURE}:2: ligne ignorée : {edited} existe déjà : ajoutez --force pour le remplacer" in again.messages
    assert edited.read_text(encoding="utf-8") == "# edited by hand\n"
    forced = import_lieux(FIXTURE, tmp_path, territory, force=True)
    assert len(forced.written) == len(GOOD)
    assert edited.read_text(encoding="utf-8").startswith("# Imported from lieux-mediation-sample.csv, line 2")


def test_a_commune_that_does_not_match_its_code_is_noted(tmp_path: Path, territory: NationalList) -> None:
    csv = tmp_path / "lieux.csv"
    csv.write_text(FIXTURE.read_text(encoding="utf-8").replace(",Bléré,37150,37027,", ",Blérée,37150,37261,"),
                   encoding="utf-8")
    report = import_lieux(csv, tmp_path, territory)
    assert (f"{csv}:2: remarque : la commune « Blérée » n'a pas le code INSEE « 37261 », qui est celui de Tours : "
            f"corrigez l'un ou l'autre, avant `make validate`") in report.messages
    assert (tmp_path / "france-services-blere.yml").exists()


def test_a_csv_without_the_schema_columns_is_refused(tmp_path: Path, territory: NationalList) -> None:
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("id;nom;commune\nx;y;Tours\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"wrong.csv:1: pas un CSV de lieux de médiation numérique"):
        import_lieux(wrong, tmp_path / "out", territory)


def test_command_line_reports_counts_and_fails_when_rows_were_skipped(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["import-lieux", str(FIXTURE), "--out", str(tmp_path)]) == 1
    output = capsys.readouterr()
    assert f"3 fiches partenaires écrites dans {tmp_path}, 4 lignes ignorées." in output.out
    assert f"{FIXTURE}:8: ligne ignorée : telephone" in output.err
