"""The tutorial catalogue loader: front matter, steps, links, theme coverage; errors name file and line."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.contract import THEMES
from bot.knowledge import KnowledgeError
from bot.knowledge.tutorials import load_catalogue, load_tutorial
from tests.support.templates import write_changed

TEMPLATE = """---
id: {id}
theme: {theme}
level: debutant
title: Envoyer un e-mail
duration: 10
objectives:
  - Écrire un e-mail et l'envoyer.
prerequisites: []
keywords: [mail, courriel]
devices: [smartphone, ordinateur]
---
Une phrase pour commencer.

## Étapes

1. Ouvrez votre messagerie.
2. Appuyez sur **Nouveau message**.
3. Appuyez sur **Envoyer**.

## Bon à savoir

- Voir aussi [la pièce jointe](/tutoriels/{link}).
"""


def write(folder: Path, id: str, theme: str = "email", link: str = "email-envoyer", **changes: str) -> Path:
    return write_changed(folder / f"{id}.md", TEMPLATE.format(id=id, theme=theme, link=link), **changes)


def full_catalogue(folder: Path) -> None:
    for theme in THEMES:
        write(folder, f"{theme.replace('_', '-')}-debut", theme=theme, link=f"{theme.replace('_', '-')}-debut")


def test_a_tutorial_reads_front_matter_and_steps(tmp_path: Path) -> None:
    tutorial = load_tutorial(write(tmp_path, "email-envoyer"))
    assert (tutorial.id, tutorial.theme, tutorial.level) == ("email-envoyer", "email", "debutant")
    assert tutorial.duration == 10
    assert tutorial.steps == ["Ouvrez votre messagerie.", "Appuyez sur **Nouveau message**.",
                              "Appuyez sur **Envoyer**."]


def test_unknown_theme_names_its_line(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError, match=r"email-envoyer.md:3: theme: « .* » n'est pas une valeur possible"):
        load_tutorial(write(tmp_path, "email-envoyer", theme="courriel"))


def test_unknown_level_names_its_line(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError, match=r"email-envoyer.md:4: level: « .* » n'est pas une valeur possible"):
        load_tutorial(write(tmp_path, "email-envoyer", **{"level: debutant": "level: expert"}))


def test_id_must_be_the_file_name(tmp_path: Path) -> None:
    path = write(tmp_path, "email-envoyer")
    moved = path.rename(tmp_path / "autre.md")
    with pytest.raises(KnowledgeError, match=r"autre.md:2: id « email-envoyer » doit être le nom du fichier "
                                             r"« autre »"):
        load_tutorial(moved)


def test_missing_front_matter(tmp_path: Path) -> None:
    path = tmp_path / "vide.md"
    path.write_text("# Titre\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"vide.md:1: une fiche commence par son en-tête"):
        load_tutorial(path)


def test_invalid_yaml_in_front_matter_names_its_line(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError, match=r"email-envoyer.md:11: YAML incorrect"):
        load_tutorial(write(tmp_path, "email-envoyer", **{"keywords: [mail, courriel]": "keywords: [mail, courriel"}))


def test_too_few_steps_names_the_section(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError, match=r"email-envoyer.md:15: 2 étapes numérotées ; il en faut 3 à 15"):
        load_tutorial(write(tmp_path, "email-envoyer", **{"3. Appuyez sur **Envoyer**.\n": ""}))


def test_catalogue_needs_every_theme(tmp_path: Path) -> None:
    write(tmp_path, "email-envoyer")
    with pytest.raises(KnowledgeError, match="aucune fiche pour les thèmes .*wifi"):
        load_catalogue(tmp_path)


def test_catalogue_refuses_broken_links(tmp_path: Path) -> None:
    full_catalogue(tmp_path)
    write(tmp_path, "email-envoyer", link="email-inconnu")
    with pytest.raises(KnowledgeError, match=r"email-envoyer.md:23: link to unknown tutorial 'email-inconnu'"):
        load_catalogue(tmp_path)


def test_complete_catalogue_loads(tmp_path: Path) -> None:
    full_catalogue(tmp_path)
    assert {tutorial.theme for tutorial in load_catalogue(tmp_path)} == set(THEMES)


def test_shipped_catalogue_is_valid() -> None:
    from bot.knowledge import tutorials

    catalogue = tutorials()
    assert len(catalogue) >= 40
    assert {tutorial.theme for tutorial in catalogue if tutorial.level == "debutant"} == set(THEMES)


@pytest.mark.parametrize("field", ["steps", "body"])
def test_steps_and_body_cannot_be_given_in_front_matter(tmp_path: Path, field: str) -> None:
    devices = "devices: [smartphone, ordinateur]"
    with pytest.raises(KnowledgeError, match=rf"email-envoyer.md:12: {field}: champ inconnu"):
        load_tutorial(write(tmp_path, "email-envoyer", **{devices: f"{devices}\n{field}: [Une étape]"}))


def illustrated(folder: Path, image: str) -> Path:
    """A tutorial whose second step is illustrated by `image` (a Markdown image), beside an images folder
    with `bouton.svg`, `sans-taille.svg` that gives no size and `pas-svg.svg` that is no SVG."""
    (folder / "images").mkdir()
    (folder / "images" / "bouton.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"/>')
    (folder / "images" / "sans-taille.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 2"/>')
    (folder / "images" / "pas-svg.svg").write_text('<html width="40" height="20"/>')
    step = "2. Appuyez sur **Nouveau message**.\n"
    return write(folder, "email-envoyer", **{step: f"{step}   {image}\n"})


def test_an_illustration_is_kept_in_the_body_and_out_of_the_steps(tmp_path: Path) -> None:
    tutorial = load_tutorial(illustrated(tmp_path, "![Le bouton bleu](images/bouton.svg)"))
    assert "![Le bouton bleu](images/bouton.svg)" in tutorial.body
    assert tutorial.steps[1] == "Appuyez sur **Nouveau message**."


@pytest.mark.parametrize("image, problem", [
    ("![](images/bouton.svg)", "image « images/bouton.svg » sans texte de remplacement"),
    ("![ ](images/bouton.svg)", "image « images/bouton.svg » sans texte de remplacement"),
    ("![Un bouton](images/absent.svg)", "image « images/absent.svg » introuvable"),
    ("![Un bouton](bouton.svg)", "image « bouton.svg » : elle doit être images/<nom>.svg"),
    ("![Un bouton](images/../../secret.svg)", "image « images/../../secret.svg » : elle doit être images/<nom>.svg"),
    ("![Un bouton](images/photo.png)", "image « images/photo.png » : elle doit être images/<nom>.svg"),
    ("![Un bouton](images/sans-taille.svg)", "image « images/sans-taille.svg » : elle doit être un SVG avec une"),
    ("![Un bouton](images/pas-svg.svg)", "image « images/pas-svg.svg » : elle doit être un SVG avec une"),
])
def test_illustrations_need_alt_text_and_an_svg_of_the_images_folder(tmp_path: Path, image: str, problem: str) -> None:
    with pytest.raises(KnowledgeError, match=rf"email-envoyer.md:19: {re.escape(problem)}"):
        load_tutorial(illustrated(tmp_path, image))
