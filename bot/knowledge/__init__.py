"""The knowledge base: files in `knowledge_base/` read into validated objects."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from bot.knowledge.charter import Charter, ForbiddenAct, Need
from bot.knowledge.files import KnowledgeError, load_model
from bot.knowledge.partners import Commune, Partner, load_communes, load_partners
from bot.knowledge.sites import Sites, load_sites
from bot.knowledge.topics import Topics
from bot.knowledge.tutorials import Tutorial, load_catalogue
from bot.settings import settings

__all__ = ["Charter", "Commune", "ForbiddenAct", "KnowledgeError", "Need", "Partner", "Sites", "Topics", "Tutorial",
           "charter", "communes", "partners", "sites", "topics", "tutorials", "validate_all"]


@lru_cache(maxsize=None)
def charter(path: Path = settings.knowledge_dir / "charter.yml") -> Charter:
    return load_model(path, Charter)


@lru_cache(maxsize=None)
def topics(path: Path = settings.knowledge_dir / "topics.yml") -> Topics:
    return load_model(path, Topics)


@lru_cache(maxsize=None)
def tutorials(folder: Path = settings.knowledge_dir / "tutorials") -> tuple[Tutorial, ...]:
    return tuple(load_catalogue(folder))


@lru_cache(maxsize=None)
def communes(path: Path = settings.knowledge_dir / "communes.yml") -> tuple[Commune, ...]:
    return tuple(load_communes(path))


@lru_cache(maxsize=None)
def partners(folder: Path = settings.knowledge_dir / "partners") -> tuple[Partner, ...]:
    return tuple(load_partners(folder, communes()))


@lru_cache(maxsize=None)
def sites(path: Path = settings.knowledge_dir / "sites.yml") -> Sites:
    return load_sites(path)


def validate_all() -> list[str]:
    """Load every knowledge file afresh; return the problems found (empty when all is well)."""
    problems = []
    for load in (charter, topics, tutorials, communes, partners, sites):  # communes first: partners() uses them
        load.cache_clear()
        try:
            load()
        except KnowledgeError as error:
            if str(error) not in problems:  # partners() repeats the error of communes()
                problems.append(str(error))
    return problems
