"""The knowledge base: files in `knowledge_base/` read into validated objects, read again when they change."""
from __future__ import annotations

from pathlib import Path

from bot.knowledge.charter import Charter, ForbiddenAct, Need
from bot.knowledge.communes import Commune, Communes, national
from bot.knowledge.files import KnowledgeError, load_model
from bot.knowledge.partners import Partner, load_communes, load_partners, placed
from bot.knowledge.reloading import reloading
from bot.knowledge.services import ServiceNeeds
from bot.knowledge.sites import Sites, load_sites
from bot.knowledge.topics import Topics
from bot.knowledge.tutorials import Tutorial, load_catalogue
from bot.knowledge.workshops import Workshop, Workshops, load_workshops
from bot.settings import settings

__all__ = ["Charter", "Commune", "Communes", "ForbiddenAct", "KnowledgeError", "Need", "Partner", "ServiceNeeds",
           "Sites", "Topics", "Tutorial", "Workshop", "Workshops", "charter", "communes", "national", "partners",
           "services", "sites", "topics", "tutorials", "validate_all", "workshops"]


@reloading()
def charter(path: Path = settings.knowledge_dir / "charter.yml") -> Charter:
    return load_model(path, Charter)


@reloading()
def topics(path: Path = settings.knowledge_dir / "topics.yml") -> Topics:
    return load_model(path, Topics)


@reloading()
def tutorials(folder: Path = settings.knowledge_dir / "tutorials") -> tuple[Tutorial, ...]:
    return tuple(load_catalogue(folder))


@reloading("partners", "sites.yml")
def communes(path: Path = settings.knowledge_dir / "communes.yml") -> Communes:
    """Every commune, with communes.yml's additions and the centres the places give; the territory's first."""
    places = partners(path.parent / "partners")
    sites_of = sites(path.parent / "sites.yml").sites
    return Communes(national(), load_communes(path, national()), [placed(place, national()) for place in places],
                    [(site.commune, site.postal_code) for site in sites_of])


@reloading()
def partners(folder: Path = settings.knowledge_dir / "partners") -> tuple[Partner, ...]:
    return tuple(load_partners(folder, national()))


@reloading()
def services(path: Path = settings.knowledge_dir / "services.yml") -> ServiceNeeds:
    return load_model(path, ServiceNeeds)


@reloading()
def sites(path: Path = settings.knowledge_dir / "sites.yml") -> Sites:
    return load_sites(path)


@reloading("sites.yml")
def workshops(path: Path = settings.knowledge_dir / "workshops.yml") -> Workshops:
    """The group workshops, their sites and mediators those of sites.yml; no file: none."""
    return load_workshops(path, sites(path.parent / "sites.yml"))


def validate_all(folder: Path = settings.knowledge_dir) -> list[str]:
    """Load every knowledge file of `folder` afresh; return the problems found (empty when all is well)."""
    problems = []
    for name, load in (("charter.yml", charter), ("topics.yml", topics), ("tutorials", tutorials),
                       ("communes.yml", communes), ("partners", partners), ("services.yml", services),
                       ("sites.yml", sites), ("workshops.yml", workshops)):
        try:
            load.__wrapped__(folder / name)  # the loader itself, not its results kept
        except KnowledgeError as error:
            if str(error) not in problems:  # communes() repeats the errors of partners() and sites()
                problems.append(str(error))
    return problems
