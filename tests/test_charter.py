"""The charter loader: the default charter, and errors that name file and line."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.contract import PARTNER_KINDS, THEMES
from bot.knowledge import Charter, KnowledgeError
from bot.knowledge.files import load_model
from bot.settings import settings

DEFAULT = (settings.knowledge_dir / "charter.yml").read_text(encoding="utf-8")


def load_variant(tmp_path: Path, old: str, new: str) -> Charter:
    assert old in DEFAULT, f"test setup: {old!r} not in the default charter"
    path = tmp_path / "charter.yml"
    path.write_text(DEFAULT.replace(old, new, 1), encoding="utf-8")
    return load_model(path, Charter)


def line_number(text: str) -> int:
    return DEFAULT[: DEFAULT.index(text)].count("\n") + 1


def test_default_charter_follows_contract_section_6(default_charter: Charter) -> None:
    routes = {need.route: need for need in default_charter.needs.values()}
    assert routes["tutorial"].scope == "accompagner"
    assert (routes["booking"].scope, routes["booking"].when_urgent) == ("accompagner", "faire")
    assert default_charter.needs["forbidden"].scope == "hors_charte"
    referral_targets = {target for need in default_charter.needs.values() if need.route == "referral"
                        for target in need.intents.values()}
    assert referral_targets == set(PARTNER_KINDS)
    assert set(default_charter.needs["learn"].intents.values()) == set(THEMES)
    assert {need.scope for need in default_charter.needs.values() if need.route == "referral"} == {"orienter"}
    assert any("mot de passe" in item or "mots de passe" in item for item in default_charter.never_ask)


def test_need_of_an_intent(default_charter: Charter) -> None:
    need, target = default_charter.need_of("refer_cpam")
    assert (need.route, need.scope, target) == ("referral", "orienter", "cpam")
    assert default_charter.need_of("greet") is None


def test_unknown_scope_names_file_and_line(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError) as error:
        load_variant(tmp_path, "    scope: orienter\n    route: referral\n    intents:\n      refer_caf",
                     "    scope: orienté\n    route: referral\n    intents:\n      refer_caf")
    line = line_number("  organism_question:") + 2
    assert f"charter.yml:{line}: needs.organism_question.scope" in str(error.value)


def test_unknown_theme_is_refused_with_its_line(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError) as error:
        load_variant(tmp_path, "learn_wifi: wifi", "learn_wifi: wi-fi")
    message = str(error.value)
    assert "« wi-fi » n'est pas possible ici" in message
    assert f"charter.yml:{line_number('  learn:')}:" in message


def test_intent_in_two_needs_is_refused(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError, match="l'intention library_info est à la fois dans library et dans other"):
        load_variant(tmp_path, "      out_of_scope:\n", "      out_of_scope:\n      library_info:\n")


def test_route_without_target_takes_none(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError, match="la suite « booking » ne prend ni thème ni partenaire"):
        load_variant(tmp_path, "      book_mediator:\n", "      book_mediator: caf\n")


def test_clarify_is_not_a_need_route(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError, match="« clarify » est la question de l'assistant"):
        load_variant(tmp_path, "    route: info", "    route: clarify")


def test_every_forbidden_act_has_the_words_that_show_it(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError) as error:
        load_variant(tmp_path, "    keywords: [sign, paraph]\n", "")
    assert f"charter.yml:{line_number('  - id: signature')}" in str(error.value)


def test_margin_out_of_range_names_its_line(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError) as error:
        load_variant(tmp_path, "clarify_margin: 0.1", "clarify_margin: 2")
    assert f"charter.yml:{line_number('clarify_margin:')}: clarify_margin:" in str(error.value)


def test_unknown_field_is_refused(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError, match="champ inconnu : vérifiez son nom"):
        load_variant(tmp_path, "    when_urgent: faire", "    when_urgnet: faire")


def test_invalid_yaml_names_its_line(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError) as error:
        load_variant(tmp_path, "  - urgent\n", "  - urgent: [\n")
    assert f"charter.yml:{line_number('  - urgent') + 1}: YAML incorrect" in str(error.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError, match="fichier introuvable"):
        load_model(tmp_path / "nothing.yml", Charter)


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "charter.yml"
    path.write_text("", encoding="utf-8")
    with pytest.raises(KnowledgeError, match="charter.yml:1:"):
        load_model(path, Charter)
