"""The local partners: `knowledge_base/partners/<id>.yml`, one place each, in communes of the national list; and
what the library's `communes.yml` adds to the communes of its territory.

Field names and formats are those of the national schema "lieux de médiation numérique" where it has the
field; `kind`, `aliases`, `bring`, `topics` and `accessibility` are Aiguillage's own (docs/partners.md).
"""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any, Dict, List, Literal, Optional

from pydantic import AnyHttpUrl, BaseModel, ConstrainedFloat, ConstrainedStr, root_validator, validator

from bot.contract import PARTNER_KINDS, PartnerKind
from bot.hours import problem as hours_problem
from bot.knowledge.communes import Commune, NationalList, Placed, UnknownCommune, resolve
from bot.knowledge.fields import Text
from bot.knowledge.files import KnowledgeError, line_of, parse_yaml, read_text, validate

Public = Literal["Jeunes", "Étudiants", "Familles et/ou enfants", "Seniors", "Femmes"]
Support = Literal["Surdité", "Handicaps moteurs", "Handicaps mentaux", "Illettrisme", "Langues étrangères (anglais)",
                  "Langues étrangères (autres)", "Déficience visuelle"]
Access = Literal["Se présenter", "Téléphoner", "Contacter par mail", "Envoyer un mail avec une fiche de prescription",
                 "Prendre un RDV en ligne", "Ce lieu n'accueille pas de public"]
PHONE = re.compile(r"^(?:\+33 ?|0)([1-9](?:[ .]?\d{2}){4})$")  # metropolitan France


class Summary(Text):
    """A presentation of 280 characters at most."""

    max_length = 280


class Id(ConstrainedStr):
    """Lower case words and digits joined by hyphens."""

    regex = r"^[a-z0-9]+(-[a-z0-9]+)*$"


class PostalCode(ConstrainedStr):
    regex = r"^\d{5}$"


class InseeCode(ConstrainedStr):
    regex = r"^([013-9]\d|2[AB1-9])\d{3}$"


class Email(ConstrainedStr):
    regex = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class Latitude(ConstrainedFloat):
    ge = -90
    le = 90


class Longitude(ConstrainedFloat):
    ge = -180
    le = 180


def _quoted(value: Any) -> Any:
    """Codes and phone numbers are text: unquoted, YAML reads them as numbers and drops leading zeros."""
    if isinstance(value, (int, float)):
        raise ValueError(f'écrivez-le entre guillemets : "{value}"')
    return value


def phone(value: str) -> str:
    """A French phone number as the national schema writes it: "02 47 12 34 56" -> "+33247123456"."""
    match = PHONE.match(value.strip())
    if not match:
        raise ValueError(f'« {value} » n\'est pas un numéro de téléphone français : écrivez-le comme '
                         f'"02 47 12 34 56" ou "+33247123456"')
    return "+33" + re.sub(r"\D", "", match.group(1))


def phone_display(number: str) -> str:
    """A +33 number as patrons dial it: "+33247123456" -> "02 47 12 34 56"."""
    digits = "0" + number[3:]
    return " ".join(digits[index:index + 2] for index in range(0, len(digits), 2))


class Addition(BaseModel, extra="forbid"):
    """What `communes.yml` adds to a commune of the national list, found by its code_insee, else its name (and
    postcode, for homonyms): other names, and its centre."""

    nom: Text
    code_insee: Optional[InseeCode] = None
    codes_postaux: List[PostalCode] = []
    latitude: Optional[Latitude] = None
    longitude: Optional[Longitude] = None
    aliases: List[Text] = []  # other names patrons use: "spdc", "joué"

    _text = validator("codes_postaux", "code_insee", pre=True, each_item=True, allow_reuse=True)(_quoted)

    @root_validator(skip_on_failure=True)
    def _both_coordinates(cls, values: dict[str, Any]) -> dict[str, Any]:
        if (values.get("latitude") is None) != (values.get("longitude") is None):
            raise ValueError("donnez la latitude et la longitude du centre, ou aucune des deux")
        return values


class Territory(BaseModel, extra="forbid"):
    """`knowledge_base/communes.yml`."""

    communes: List[Addition] = []


class Partner(BaseModel, extra="forbid"):
    """One partner place: national schema fields, then Aiguillage's extensions."""

    id: Id
    kind: PartnerKind  # extension: docs/contract.md §3 partner kind
    nom: Text
    aliases: List[Text] = []  # extension: names patrons use, "la kaf", "la sécu", "pôle emploi"
    adresse: Text
    complement_adresse: Optional[Text] = None
    code_postal: PostalCode
    commune: Text
    code_insee: Optional[InseeCode] = None
    latitude: Latitude
    longitude: Longitude
    telephone: str  # normalised to +33XXXXXXXXX
    courriels: List[Email] = []
    site_web: List[AnyHttpUrl] = []
    horaires: Text  # OpenStreetMap opening_hours
    prise_rdv: Optional[AnyHttpUrl] = None
    modalites_acces: List[Access] = []
    presentation_resume: Optional[Summary] = None
    publics_specifiquement_adresses: List[Public] = []
    prise_en_charge_specifique: List[Support] = []
    fiche_acces_libre: Optional[AnyHttpUrl] = None
    topics: List[Text] = []  # extension: what they handle, short French phrases
    bring: List[Text] = []  # extension: what to bring, short plain-French lines
    accessibility: Optional[Text] = None  # extension: access for disabled people, plain French
    pivot: Optional[Text] = None  # SIRET or RNA
    date_maj: date

    _text = validator("telephone", "code_postal", "code_insee", pre=True, allow_reuse=True)(_quoted)
    _phone = validator("telephone", allow_reuse=True)(phone)

    @validator("horaires")
    def _hours(cls, horaires: str) -> str:
        found = hours_problem(horaires)
        if found:
            raise ValueError(found)
        return horaires

    @property
    def address(self) -> str:
        """One line: "12 rue des Tilleuls, 2e étage, 37000 Tours"."""
        return ", ".join(filter(None, [self.adresse, self.complement_adresse,
                                       f"{self.code_postal} {self.commune}"]))

    @property
    def phone_display(self) -> str:
        """The phone number as patrons dial it: "02 47 12 34 56"."""
        return phone_display(self.telephone)

    @property
    def url(self) -> Optional[str]:
        """Where to book online, else the website."""
        url = self.prise_rdv or next(iter(self.site_web), None)
        return str(url) if url else None

    def contract(self) -> dict[str, Any]:
        """The `custom.partner` object of docs/contract.md §5."""
        return {"id": self.id, "kind": self.kind, "name": self.nom, "address": self.address,
                "phone": self.telephone, "url": self.url, "opening_hours": self.horaires,
                "latitude": self.latitude, "longitude": self.longitude}


def load_communes(path: Path, communes: NationalList) -> List[Commune]:
    """The communes of `communes.yml` with what it adds to them; none when the file is absent or empty. A commune
    not in the national list, or written twice, is refused with its line."""
    if not path.exists():
        return []
    document = parse_yaml(read_text(path), path)
    found: Dict[str, Commune] = {}
    for index, addition in enumerate(validate(document or {}, Territory, path).communes):
        where = f"{path}:{line_of(document, ['communes', index, 'nom'])}"
        try:
            commune = resolve(communes, addition.nom, addition.codes_postaux, addition.code_insee)
        except UnknownCommune as error:
            raise KnowledgeError(f"{where}: {error}") from error
        if commune.code_insee in found:
            raise KnowledgeError(f"{where}: la commune « {addition.nom} » est écrite deux fois")
        found[commune.code_insee] = commune._replace(latitude=addition.latitude, longitude=addition.longitude,
                                                     aliases=tuple(addition.aliases))
    return list(found.values())


def load_partner(path: Path, communes: NationalList) -> Partner:
    """One place; its id must be the file name and its commune one of the national list: by its code_insee when
    given, else by its name (its postcode telling homonyms apart), else by its postcode."""
    document = parse_yaml(read_text(path), path)
    partner = validate(document, Partner, path)
    problems = []
    if partner.id != path.stem:
        problems.append(f"{path}:{line_of(document, ['id'])}: id « {partner.id} » doit être le nom du fichier "
                        f"« {path.stem} »")
    try:
        resolve(communes, partner.commune, [partner.code_postal], partner.code_insee)
    except UnknownCommune as error:
        problems.append(f"{path}:{line_of(document, ['commune'])}: {error}")
    if problems:
        raise KnowledgeError("\n".join(problems))
    return partner


def load_partners(folder: Path, communes: NationalList) -> List[Partner]:
    """Every place of the folder, checked together: every partner kind of the contract has one.

    Ids are unique because each must be its file's name.
    """
    problems, partners = [], []
    for path in sorted(folder.glob("*.yml")):
        try:
            partners.append(load_partner(path, communes))
        except KnowledgeError as error:
            problems.append(str(error))
    missing = sorted(set(PARTNER_KINDS) - {partner.kind for partner in partners})
    if missing and not problems:
        problems.append(f"{folder}: aucun lieu pour les partenaires {', '.join(missing)}")
    if problems:
        raise KnowledgeError("\n".join(problems))
    return partners


def placed(partner: Partner, communes: NationalList) -> Placed:
    """The place as its commune's centre needs it (a loaded place: its commune resolves)."""
    return Placed(resolve(communes, partner.commune, [partner.code_postal], partner.code_insee), partner.code_postal,
                  partner.latitude, partner.longitude)
