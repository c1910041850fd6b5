"""The knowledge base: files in `knowledge_base/` read into validated objects."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from bot.knowledge.charter import Charter, ForbiddenAct, Need
from bot.knowledge.files import KnowledgeError, load_model
from bot.knowledge.topics import Topics
from bot.knowledge.tutorials import Tutorial, load_catalogue
from bot.settings import settings

__all__ = ["Charter", "ForbiddenAct", "KnowledgeError", "Need", "Topics", "Tutorial", "charter", "topics",
           "tutorials", "validate_all"]


@lru_cache(maxsize=None)
def charter(path: Path = settings.knowledge_dir / "charter.yml") -> Charter:
    return load_model(path, Charter)


@lru_cache(maxsize=None)
def topics(path: Path = settings.knowledge_dir / "topics.yml") -> Topics:
    return load_model(path, Topics)


@lru_cache(maxsize=None)
def tutorials(folder: Path = settings.knowledge_dir / "tutorials") -> tuple[Tutorial, ...]:
    return tuple(load_catalogue(folder))


def validate_all() -> list[str]:
    """Load every knowledge file afresh; return the problems found (empty when all is well)."""
    problems = []
    for load in (charter, topics, tutorials):
        load.cache_clear()
        try:
            load()
        except KnowledgeError as error:
            problems.append(str(error))
    return problems
