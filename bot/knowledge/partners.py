"""The local partners: `knowledge_base/partners/<id>.yml`, one place each, in communes of the national list; and
what the library's `communes.yml` adds to the communes of its territory.

Field names and formats are those of the national schema "lieux de médiation numérique" where it has the
field; `kind`, `aliases`, `bring`, `topics` and `accessibility` are Aiguillage's own (docs/partners.md).
"""
from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path
from typing import Any, Dict, List, Literal, Optional, Tuple, get_args

from pydantic import AnyHttpUrl, BaseModel, ConstrainedFloat, ConstrainedStr, root_validator, validator

from bot.contract import ORGANISM_KINDS, PartnerKind
from bot.hours import problem as hours_problem
from bot.knowledge.communes import Commune, NationalList, Placed, UnknownCommune, resolve
from bot.knowledge.compact import Sharing
from bot.knowledge.fields import Text
from bot.knowledge.files import KnowledgeError, line_of, parse_yaml, quick_model, read_text, validate
from bot.knowledge.reloading import FileStamp, file_stamp

Public = Literal["Jeunes", "Étudiants", "Familles et/ou enfants", "Seniors", "Femmes"]
Support = Literal["Surdité", "Handicaps moteurs", "Handicaps mentaux", "Illettrisme", "Langues étrangères (anglais)",
                  "Langues étrangères (autres)", "Déficience visuelle"]
Access = Literal["Se présenter", "Téléphoner", "Contacter par mail", "Envoyer un mail avec une fiche de prescription",
                 "Prendre un RDV en ligne", "Ce lieu n'accueille pas de public"]
Service = Literal["Aide aux démarches administratives", "Maîtrise des outils numériques du quotidien",
                  "Insertion professionnelle via le numérique", "Utilisation sécurisée du numérique",
                  "Parentalité et éducation avec le numérique", "Loisirs et créations numériques",
                  "Compréhension du monde numérique", "Accès internet et matériel informatique",
                  "Acquisition de matériel informatique à prix solidaire"]
Fee = Literal["Gratuit", "Gratuit sous condition", "Payant"]
Mobility = Literal["Itinérant", "Fixe"]
Accompaniment = Literal["En autonomie", "Accompagnement individuel", "Dans un atelier collectif", "À distance"]
SERVICES: tuple[str, ...] = get_args(Service)
STAFF_FIELDS = ("aliases", "topics", "bring", "accessibility")  # written by the staff, never by an import
COUNTRY_CODES = ("+33", "+590", "+594", "+262", "+596", "+269", "+687", "+689", "+508", "+681")
E164 = re.compile(rf"^(?:{'|'.join(map(re.escape, COUNTRY_CODES))})\d{{6,9}}$")  # the schema's pattern
# National numbers: overseas departments' prefixes (ARCEP), else metropolitan France.
OVERSEAS_PREFIX = {"0590": "+590", "0690": "+590", "0691": "+590", "0594": "+594", "0694": "+594",
                   "0262": "+262", "0263": "+262", "0692": "+262", "0693": "+262", "0269": "+262", "0639": "+262",
                   "0596": "+596", "0696": "+596", "0697": "+596", "0508": "+508"}


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
    """A French phone number as the national schema writes it: "02 47 12 34 56" -> "+33247123456",
    "0596 12 34 56" -> "+596596123456"; numbers already international are kept ("+687 27 12 34")."""
    digits = re.sub(r"[\s.\-()]", "", value.strip())
    if re.fullmatch(r"0[1-9]\d{8}", digits):
        digits = OVERSEAS_PREFIX.get(digits[:4], "+33") + digits[1:]
    elif digits.startswith("0033"):
        digits = "+" + digits[2:]
    if not E164.match(digits):
        raise ValueError(f'« {value} » n\'est pas un numéro de téléphone français : écrivez-le comme '
                         f'"02 47 12 34 56" ou "+33247123456"')
    return digits


def phone_display(number: str) -> str:
    """A number as patrons dial it in France: "+33247123456" -> "02 47 12 34 56", "+596596123456" ->
    "05 96 12 34 56"; other territories' numbers stay international: "+687271234" -> "+687 27 12 34"."""
    code = next(prefix for prefix in COUNTRY_CODES if number.startswith(prefix))
    national = len(number) - len(code) == 9  # metropolitan France and the overseas departments
    digits = "0" + number[len(code):] if national else number[len(code):]
    pairs = " ".join(digits[index:index + 2] for index in range(0, len(digits), 2))
    return pairs if national else f"{code} {pairs}"


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
    """One partner place: national schema fields, then Aiguillage's extensions (docs/partners.md)."""

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
    typologie: List[Text] = []
    telephone: Optional[str] = None  # normalised to +33XXXXXXXXX (or an overseas prefix)
    courriels: List[Email] = []
    site_web: List[AnyHttpUrl] = []
    horaires: Optional[Text] = None  # OpenStreetMap opening_hours
    prise_rdv: Optional[AnyHttpUrl] = None
    modalites_acces: List[Access] = []
    presentation_resume: Optional[Summary] = None
    presentation_detail: Optional[Text] = None
    source: Optional[Text] = None
    structure_parente: Optional[Text] = None
    itinerance: List[Mobility] = []
    services: List[Service] = []
    publics_specifiquement_adresses: List[Public] = []
    prise_en_charge_specifique: List[Support] = []
    frais_a_charge: List[Fee] = []
    dispositif_programmes_nationaux: List[Text] = []
    formations_labels: List[Text] = []
    autres_formations_labels: List[Text] = []
    modalites_accompagnement: List[Accompaniment] = []
    fiche_acces_libre: Optional[AnyHttpUrl] = None
    topics: List[Text] = []  # extension: what they handle, short French phrases
    bring: List[Text] = []  # extension: what to bring, short plain-French lines
    accessibility: Optional[Text] = None  # extension: access for disabled people, plain French
    origin: Optional[Text] = None  # extension: the national data file it was imported from
    absent_since: Optional[date] = None  # extension: since when a newer file of its territory lacks it
    pivot: Optional[Text] = None  # SIRET, RNA or RIDET; 00000000000000 when the source had none
    date_maj: date

    _text = validator("telephone", "code_postal", "code_insee", pre=True, allow_reuse=True)(_quoted)
    _phone = validator("telephone", allow_reuse=True)(phone)

    @validator("horaires")
    def _hours(cls, horaires: Optional[str]) -> Optional[str]:
        found = horaires and hours_problem(horaires)
        if found:
            raise ValueError(found)
        return horaires

    @property
    def address(self) -> str:
        """One line: "12 rue des Tilleuls, 2e étage, 37000 Tours"."""
        return ", ".join(filter(None, [self.adresse, self.complement_adresse,
                                       f"{self.code_postal} {self.commune}"]))

    @property
    def phone_display(self) -> Optional[str]:
        """The phone number as patrons dial it: "02 47 12 34 56"; None when the place gave none."""
        return phone_display(self.telephone) if self.telephone else None

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
    text = read_text(path)
    partner = quick_model(text, Partner)
    document = None
    if partner is None:  # a mistake, or a value YAML 1.2 may read otherwise: read again with its lines
        document = parse_yaml(text, path)
        partner = validate(document, Partner, path)
    problems = _problems(partner, path, communes)
    if problems:
        document = parse_yaml(text, path) if document is None else document
        raise KnowledgeError("\n".join(f"{path}:{line_of(document, [field])}: {problem}"
                                       for field, problem in problems))
    return partner


def _problems(partner: Partner, path: Path, communes: NationalList) -> List[Tuple[str, str]]:
    """What is wrong with a valid place among the others, by field."""
    problems = []
    if partner.id != path.stem:
        problems.append(("id", f"id « {partner.id} » doit être le nom du fichier « {path.stem} »"))
    try:
        resolve(communes, partner.commune, [partner.code_postal], partner.code_insee)
    except UnknownCommune as error:
        problems.append(("commune", str(error)))
    return problems


# The places last read from each folder, by file name, with the stamp of the file they were read from; the values
# the national data's places repeat, shared among them.
_read: Dict[Path, Dict[str, Tuple[FileStamp, Partner]]] = {}
_sharing = Sharing(["kind", "commune", "code_postal", "code_insee", "typologie", "horaires", "modalites_acces",
                    "source", "structure_parente", "itinerance", "services", "publics_specifiquement_adresses",
                    "prise_en_charge_specifique", "frais_a_charge", "dispositif_programmes_nationaux",
                    "formations_labels", "autres_formations_labels", "modalites_accompagnement", "pivot", "date_maj",
                    "absent_since"])


def load_partners(folder: Path, communes: NationalList) -> List[Partner]:
    """Every place of the folder, checked together: each of the eight organisms' kinds has one.

    Ids are unique because each must be its file's name. A file unchanged since the last load of the folder is
    not read again (it is checked against `communes` again). The places share their repeated values: they are
    read, never changed (compact.py).
    """
    before = _read.get(folder, {})
    read: Dict[str, Tuple[FileStamp, Partner]] = {}
    problems, partners = [], []
    for path, stamped in _yaml_files(folder):
        kept = before.get(path.name)
        try:
            if stamped is None or kept is None or kept[0] != stamped or _problems(kept[1], path, communes):
                partner = _sharing.shared(load_partner(path, communes))
            else:
                partner = kept[1]
        except KnowledgeError as error:
            problems.append(str(error))
            continue
        if stamped is not None:
            read[path.name] = (stamped, partner)
        partners.append(partner)
    _read[folder] = read
    missing = sorted(set(ORGANISM_KINDS) - {partner.kind for partner in partners})
    if missing and not problems:
        problems.append(f"{folder}: aucun lieu pour les partenaires {', '.join(missing)}")
    if problems:
        raise KnowledgeError("\n".join(problems))
    return partners


def placed(partner: Partner, communes: NationalList) -> Placed:
    """The place as its commune's centre needs it (a loaded place: its commune resolves)."""
    return Placed(resolve(communes, partner.commune, [partner.code_postal], partner.code_insee), partner.code_postal,
                  partner.latitude, partner.longitude)


def _yaml_files(folder: Path) -> List[Tuple[Path, Optional[FileStamp]]]:
    """The folder's `*.yml` files in name order, each with its stamp (None for a file gone meanwhile); none when
    there is no such folder."""
    try:
        with os.scandir(folder) as entries:
            found = [(Path(entry.path), file_stamp(entry)) for entry in entries if entry.name.endswith(".yml")]
    except (FileNotFoundError, NotADirectoryError):
        return []
    return sorted(found, key=lambda pair: pair[0].name)
