"""Group workshops (/console/ateliers): the sessions by week, a session's patrons and waiting list, attendance after
its start, the printable sign-in sheet (« liste d'émargement »), and the form that creates or changes a workshop
and cancels one of its sessions, writing knowledge_base/workshops.yml for staff (bot/staff/workshops.py)."""
from __future__ import annotations

import asyncio
import logging
import re
from datetime import date, timedelta
from typing import Any, Mapping, Optional
from urllib.parse import urlencode

from sanic import Blueprint
from sanic.exceptions import NotFound
from sanic.request import Request
from sanic.response import HTTPResponse, redirect
from sqlalchemy import select

from bot import knowledge
from bot.booking.contact import Contact
from bot.booking.models import Site
from bot.booking.reminders import Mailer
from bot.booking.slots import day_label, time_label
from bot.booking.store import BookingStore
from bot.contract import THEMES
from bot.db.engines import EngineSource
from bot.hours import PARIS
from bot.knowledge import KnowledgeError
from bot.knowledge.files import parse_yaml, validate
from bot.knowledge.workshops import LEVELS, Workshop, Workshops, load_workshops
from bot.settings import Settings
from bot.staff import files
from bot.staff.agenda import iso_week, monday_named
from bot.staff.content.edits import Conflict, Version, read, save
from bot.staff.workshops import (
    EVERY,
    FILE,
    WORDS_LENGTH,
    Refused,
    WorkshopEdit,
    cancel_day,
    capacity_refused,
    check_form,
    coming_of,
    moved,
    present_ones,
    told_counts,
    week_start,
    weeks_of,
)
from bot.telegram.client import telegram_notify
from bot.web.console.guard import Guard, SignedIn, whole_number
from bot.web.pages import page
from bot.workshops.models import CANCELLED, Registration, WorkshopSession
from bot.workshops.notices import NOBODY, Messenger, cancellation_text
from bot.workshops.store import WorkshopStore, refresh

log = logging.getLogger(__name__)
SESSION_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,119}")  # a workshop's or a session's id in an address
WEEKS_SHOWN = 4  # weeks on the list's page
CONTACT_KINDS = {"email": "Par e-mail", "mobile": "Par téléphone portable", "landline": "Par téléphone fixe"}
WAYS = {"email": "par e-mail", "telegram": "sur Telegram", "rest": "dans la conversation du site",
        "none": "sans message (aucun moyen de les joindre)"}
PRESENCE = {"present": True, "absent": False, "effacer": None}
BLANK_LINES = 5  # of the sign-in sheet, for those who come without registering
LABELS: dict[str, Any] = {"day_label": day_label, "time_label": time_label,
                          "date_label": lambda day: day_label(week_start(day))}  # of a date: "mardi 8 décembre"


def routes(console: Blueprint, guard: Guard, settings: Settings, engines: EngineSource) -> None:
    store = WorkshopStore(settings.booking_database_url, engines=engines)
    bookings = BookingStore(settings.booking_database_url, engines=engines)
    messenger = Messenger(Mailer.from_url(settings.smtp_url, settings.smtp_from), telegram_notify(settings))
    path = settings.knowledge_dir / FILE

    def sessions_now() -> WorkshopStore:
        """The store, its sessions copied from the file if it changed; a file with a mistake (written by hand)
        leaves the sessions as they were (the list says what is wrong)."""
        try:
            return refresh(store, settings.knowledge_dir)
        except KnowledgeError as error:
            log.warning("the workshops file has a mistake, sessions not copied: %s", error)
            return store

    def programme() -> tuple[list[Workshop], str]:
        """The workshops in use (the file's last good version: the loader keeps it when a hand edit breaks the
        file), and what is wrong with the file as it is now."""
        if not path.exists():
            return [], ""
        try:
            load_workshops(path, knowledge.sites(settings.knowledge_dir / "sites.yml"))
            mistake = ""
        except KnowledgeError as error:
            mistake = str(error).replace(f"{settings.knowledge_dir}/", "")
        try:
            return knowledge.workshops(path).workshops, mistake
        except KnowledgeError:  # broken since this process started
            return [], mistake

    def names() -> dict[str, Any]:
        """The names of sites and mediators (those gone from the file too), themes and levels."""
        labels = knowledge.topics(settings.knowledge_dir / "topics.yml")
        return {"site_names": {site.id: site.name for site in _every_site(bookings)},
                "mediator_names": {each.id: each.first_name for each in bookings.mediators(every=True)},
                "theme_label": labels.named}

    def session_or_404(session_id: str) -> Any:
        if not SESSION_ID.fullmatch(session_id):
            raise NotFound("no such session")
        seats = sessions_now().seats(session_id)
        if seats is None:
            raise NotFound("no such session")
        return seats

    # The sessions by week -----------------------------------------------------------------------------------------

    def list_page(request: Request, staff: SignedIn) -> HTTPResponse:
        today, error = store.clock().astimezone(PARIS).date(), ""
        try:
            monday = monday_named(request.args.get("semaine", ""), today)
        except ValueError:
            monday, error = monday_named("", today), "Cette semaine n'existe pas. Voici la semaine en cours."
        sessions_now()
        found = store.sessions(week_start(monday), week_start(monday + timedelta(weeks=WEEKS_SHOWN)))
        shown, mistake = programme()
        return page("console/workshops.html", staff=staff, monday=monday, weeks=weeks_of(found), error=error,
                    mistake=mistake,
                    last_day=monday + timedelta(weeks=WEEKS_SHOWN, days=-1), workshops=shown, now=store.clock(),
                    before=iso_week(monday - timedelta(weeks=WEEKS_SHOWN)), this=iso_week(today),
                    after=iso_week(monday + timedelta(weeks=WEEKS_SHOWN)), **names(), **LABELS)

    @console.get("/ateliers")
    @guard.staff_only
    async def listing(request: Request, staff: SignedIn) -> HTTPResponse:
        return await asyncio.to_thread(list_page, request, staff)

    # A session ----------------------------------------------------------------------------------------------------

    def session_page(request: Request, staff: SignedIn, session_id: str, template: str = "console/workshop.html",
                     status: int = 200, **context: Any) -> HTTPResponse:
        seats = session_or_404(session_id)
        registrations = store.registrations(session_id)
        registered, waiting = present_ones(registrations)
        untold = [each for each in registrations if each.status == CANCELLED and each.cancelled_via == NOBODY
                  and not each.skipped and not each.anonymised_at]
        return page(template, status=status, staff=staff, seats=seats, session=seats.session,
                    registered=registered, waiting=waiting, told=told_counts(registrations), ways=WAYS, untold=untold,
                    started=seats.session.start <= store.clock(), contact=_contact, contact_kinds=CONTACT_KINDS,
                    library=knowledge.sites(settings.knowledge_dir / "sites.yml").main.name,
                    blank_lines=BLANK_LINES, cancelled_now=bool(request.args.get("annule")),
                    marked=whole_number(request.args.get("note", "")), **names(), **LABELS, **context)

    @console.get("/ateliers/seance/<session_id>")
    @guard.staff_only
    async def one_session(request: Request, staff: SignedIn, session_id: str) -> HTTPResponse:
        return await asyncio.to_thread(session_page, request, staff, session_id)

    @console.get("/ateliers/seance/<session_id>/emargement")
    @guard.staff_only
    async def sign_in_sheet(request: Request, staff: SignedIn, session_id: str) -> HTTPResponse:
        return await asyncio.to_thread(session_page, request, staff, session_id, "console/workshop_sheet.html")

    def attendance(request: Request, staff: SignedIn, session_id: str) -> HTTPResponse:
        seats = session_or_404(session_id)
        registration = whole_number(request.form.get("inscription", ""))
        presence = request.form.get("presence", "")
        if registration is None or presence not in PRESENCE:
            return session_page(request, staff, session_id, status=400, error="Choisissez « présent » ou « absent ».")
        if seats.session.start > store.clock():
            return session_page(request, staff, session_id, status=409,
                                error="L'atelier n'a pas encore commencé : notez les présences après son début.")
        if registration not in {each.id for each in store.registrations(session_id)} or \
                not store.mark_attendance(registration, PRESENCE[presence]):
            return session_page(request, staff, session_id, status=409,
                                error="Cette personne n'est pas inscrite à cet atelier.")
        return redirect(f"/console/ateliers/seance/{session_id}?note={registration}#inscrit-{registration}",
                        status=303)

    @console.post("/ateliers/seance/<session_id>/presence")
    @guard.staff_only
    async def mark(request: Request, staff: SignedIn, session_id: str) -> HTTPResponse:
        return await asyncio.to_thread(attendance, request, staff, session_id)

    # Cancelling a session -----------------------------------------------------------------------------------------

    def cancel_page(request: Request, staff: SignedIn, session_id: str, status: int = 200,
                    error: str = "") -> HTTPResponse:
        seats = session_or_404(session_id)
        session = seats.session
        if session.cancelled_at or session.start <= store.clock():
            return session_page(request, staff, session_id, status=409,
                                error="Cet atelier est déjà annulé ou a déjà commencé : il ne peut plus être annulé.")
        example = store.registrations(session_id)[:1]
        site = bookings.site_of(session.site_id)
        return page("console/workshop_cancel.html", status=status, staff=staff, seats=seats, session=session,
                    error=error, words=request.form.get("mots", ""), longest=WORDS_LENGTH,
                    message=_example_text(example, session, site), **names(), **LABELS)

    def cancel(request: Request, staff: SignedIn, session_id: str) -> HTTPResponse:
        words = request.form.get("mots", "").replace("\r\n", "\n")
        if len(words.strip()) > WORDS_LENGTH:
            return cancel_page(request, staff, session_id, 400,
                               f"Votre message est trop long : {WORDS_LENGTH} caractères au plus.")
        session = session_or_404(session_id).session
        if session.cancelled_at or session.start <= store.clock():
            return cancel_page(request, staff, session_id)
        try:
            if session.active:  # its day in the file's `cancelled`, so that the session is never offered again
                with files.LOCK:
                    current = read(path)
                    after = cancel_day(current.text, session.workshop_id, session.start_paris.date())
                    problems = WorkshopEdit(settings.knowledge_dir, session.workshop_id).problems(current.text, after)
                    if problems:
                        raise Refused(problems[0].message)
                    save(path, after, current.version)
        except (Refused, Conflict) as refused:
            return cancel_page(request, staff, session_id, 409, f"Rien n'est annulé : {refused}")
        log.info("staff account %d cancelled workshop session %s", staff.account_id, session_id)
        registrations = store.cancel_session(session_id)
        messenger.cancelled(store, registrations, session, bookings.site_of(session.site_id), words.strip())
        sessions_now()
        return redirect(f"/console/ateliers/seance/{session_id}?annule=1", status=303)

    @console.get("/ateliers/seance/<session_id>/annuler")
    @guard.staff_only
    async def cancel_form(request: Request, staff: SignedIn, session_id: str) -> HTTPResponse:
        return await asyncio.to_thread(cancel_page, request, staff, session_id)

    @console.post("/ateliers/seance/<session_id>/annuler")
    @guard.staff_only
    async def cancelling(request: Request, staff: SignedIn, session_id: str) -> HTTPResponse:
        return await asyncio.to_thread(cancel, request, staff, session_id)

    # Creating and changing a workshop -----------------------------------------------------------------------------

    def form_page(request: Request, staff: SignedIn, edit: WorkshopEdit, values: Mapping[str, str], version: str,
                  status: int = 200, errors: Optional[Mapping[str, str]] = None, **context: Any) -> HTTPResponse:
        sites = knowledge.sites(settings.knowledge_dir / "sites.yml")
        labels = knowledge.topics(settings.knowledge_dir / "topics.yml")
        return page("console/workshop_form.html", status=status, staff=staff, edit=edit, values=values,
                    version=version, errors=dict(errors or {}), every=EVERY,
                    themes=[(theme, labels.named(theme)) for theme in THEMES],
                    levels=[(level, labels.named(level)) for level in LEVELS],
                    sites=[(site.id, site.name) for site in sites.sites],
                    mediators=[(each.id, each.first_name) for each in sites.mediators],
                    coming=coming_of(sessions_now(), edit.key) if edit.key else [],
                    saved=bool(request.args.get("enregistre")), promoted=whole_number(request.args.get("promus", "")),
                    **LABELS, **context)

    def edit_of(workshop_id: str) -> WorkshopEdit:
        if not workshop_id:
            return WorkshopEdit(settings.knowledge_dir)
        if not SESSION_ID.fullmatch(workshop_id) or not path.exists():
            raise NotFound("no such workshop")
        found = next((each for each in programme()[0] if each.id == workshop_id), None)
        if found is None:
            raise NotFound("no such workshop")
        return WorkshopEdit(settings.knowledge_dir, workshop_id, found.title)

    def show_form(request: Request, staff: SignedIn, workshop_id: str) -> HTTPResponse:
        edit = edit_of(workshop_id)
        current = _current(path)
        return form_page(request, staff, edit, edit.values(current.text), current.version)

    def save_form(request: Request, staff: SignedIn, workshop_id: str) -> HTTPResponse:
        edit = edit_of(workshop_id)
        values = {name: request.form.get(name, "") for name in (field.name for field in edit.fields)}
        current = _current(path)
        if request.form.get("version") != current.version:
            return form_page(request, staff, edit, values, current.version, 409, {
                "titre": "Quelqu'un a changé les ateliers pendant ce temps. Vérifiez le formulaire, puis "
                         "enregistrez à nouveau."})
        sites = knowledge.sites(settings.knowledge_dir / "sites.yml")
        errors = _check(values, sites, store.clock().astimezone(PARIS).date(), edit)
        if errors:
            return form_page(request, staff, edit, values, current.version, 422, errors)
        after = edit.apply(current.text, values)
        problems = edit.problems(current.text, after)
        if problems:
            return form_page(request, staff, edit, values, current.version, 422,
                             {(problem.field or "titre"): problem.message for problem in reversed(problems)})
        new = validate(parse_yaml(after, path), Workshops, path)
        workshop = next(each for each in new.workshops if each.id == edit.key)
        stranded = moved(sessions_now(), workshop, sites, store.clock().astimezone(PARIS).date()) if workshop_id \
            else []
        if stranded:
            return form_page(request, staff, edit, values, current.version, 409, {"date": (
                "Des personnes sont inscrites le " + ", le ".join(stranded) + ". Gardez le jour, l'heure et le "
                "lieu de ces séances, ou annulez-les d'abord (les personnes sont prévenues).")})
        try:
            save(path, after, current.version)
        except Conflict:
            return form_page(request, staff, edit, values, _current(path).version, 409, {
                "titre": "Quelqu'un a changé les ateliers pendant ce temps. Vérifiez, puis enregistrez à nouveau."})
        log.info("staff account %d saved workshop %s", staff.account_id, edit.key)
        promoted = []
        for seats in coming_of(sessions_now(), edit.key):  # more seats: the first waiting patrons get them
            places = store.fill(seats.session.id)
            messenger.promoted(store, places, bookings.site_of)
            promoted += places
        query = {"enregistre": 1, **({"promus": len(promoted)} if promoted else {})}
        return redirect(f"/console/ateliers/atelier/{edit.key}?{urlencode(query)}", status=303)

    def _check(values: Mapping[str, str], sites: Any, today: date, edit: WorkshopEdit) -> dict[str, str]:
        errors = check_form(values, sites, today, new=not edit.key)
        seats = whole_number((values.get("places") or "").strip())
        if edit.key and "places" not in errors and seats is not None:
            refused = capacity_refused(sessions_now(), edit.key, seats)
            if refused:
                errors["places"] = refused
        return errors

    @console.get("/ateliers/nouveau")
    @guard.staff_only
    async def new_form(request: Request, staff: SignedIn) -> HTTPResponse:
        return await asyncio.to_thread(show_form, request, staff, "")

    @console.post("/ateliers/nouveau")
    @guard.staff_only
    async def create(request: Request, staff: SignedIn) -> HTTPResponse:
        return await asyncio.to_thread(save_form, request, staff, "")

    @console.get("/ateliers/atelier/<workshop_id>")
    @guard.staff_only
    async def edit_form(request: Request, staff: SignedIn, workshop_id: str) -> HTTPResponse:
        return await asyncio.to_thread(show_form, request, staff, workshop_id)

    @console.post("/ateliers/atelier/<workshop_id>")
    @guard.staff_only
    async def change(request: Request, staff: SignedIn, workshop_id: str) -> HTTPResponse:
        return await asyncio.to_thread(save_form, request, staff, workshop_id)


def _current(path: Any) -> Version:
    """The workshops file as read, created empty first when there is none."""
    if not path.exists():
        files.write_all({path: "workshops: []\n"})
    return read(path)


def _every_site(bookings: BookingStore) -> list[Site]:
    """Every site of the database, those gone from the file too (a past session keeps its site's name)."""
    with bookings.session() as db:
        return list(db.execute(select(Site)).scalars())


def _contact(kind: Optional[str], value: Optional[str]) -> Optional[str]:
    return Contact(kind, value).display if kind and value else None


def _example_text(registrations: list[Registration], session: WorkshopSession, site: Any) -> str:
    """The message patrons get, for the first one (or a patron without a first name)."""
    return cancellation_text(registrations[0] if registrations else Registration(), session, site, "")
