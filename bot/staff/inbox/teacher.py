"""What staff decide in the inbox, applied: examples written to the project's files and the decisions recorded
together, one decision at a time (the web server is one process)."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import ContextManager, Mapping, Optional, Sequence

from sqlalchemy.exc import SQLAlchemyError

from bot.db.engines import EngineSource, engine_for
from bot.privacy.redaction import redact
from bot.settings import Settings
from bot.staff.inbox.decisions import Decisions
from bot.staff.inbox.examples import (
    Fields,
    Known,
    Refused,
    TeachingError,
    check,
    cleaned,
    examples_added,
    known_examples,
    problems,
    read,
    without_example,
    write_all,
)
from bot.staff.inbox.intents import STAFF_FILE, Catalogue, catalogue
from bot.staff.inbox.messages import key_of
from bot.staff.inbox.new_intent import intent_removed_files, new_intent_files
from bot.staff.models import ASSIGNED, DISMISSED

LABEL_LENGTH = 60  # characters of a new intent's label


@dataclass(frozen=True)
class Message:
    """An inbox message sent back by a form: as the patron wrote it (masked), and the text to teach."""

    written: str
    taught: str


class Undone(Enum):
    """What undoing a decision did; the value names it in the console's address."""

    EXAMPLE = "exemple"  # the example line it wrote is removed
    INTENT = "demande"  # it wrote the last example of an intent staff created: the intent is removed
    GONE = "decision"  # the example line it wrote was no longer in the files
    DISMISSAL = "message"  # a message left out: back in the inbox


class Teacher:
    """The inbox's decisions on the project of `settings` (PROJECT_DIR, KNOWLEDGE_DIR) and its database;
    `engines` as for BookingStore."""

    def __init__(self, settings: Settings, engines: EngineSource = engine_for) -> None:
        self.project, self.knowledge_dir = settings.project_dir, settings.knowledge_dir
        self.decisions = Decisions(settings.booking_database_url, engines)
        self.lock = threading.Lock()

    def close(self) -> None:
        self.decisions.close()

    def catalogue(self, known: Optional[Known] = None) -> Catalogue:
        return catalogue(self.project, self.knowledge_dir, known or known_examples(self.project))

    def assign(self, staff_id: int, intent: str, messages: Sequence[Message]) -> int:
        """Teach the messages as examples of an existing intent; how many were added."""
        with self.lock:
            known = known_examples(self.project)
            found = self._problems(messages, known)
            if not self.catalogue(known).has(intent):
                found["intent"] = "Choisissez une demande dans la liste."
            if found:
                raise Refused(found)
            texts = [self._taught(message) for message in messages]
            path, before, after = examples_added(self.project, intent, texts)
            self._written({path: after}, {path: before},
                          self.decisions.recorded(staff_id, ASSIGNED, intent, self._keyed(messages, texts)))
            return len(texts)

    def create(self, staff_id: int, place: str, label: str, messages: Sequence[Message]) -> str:
        """A new intent in the charter's `place` ("need:target") named after `label`, with the messages as its
        examples; its name."""
        label = cleaned(label)
        with self.lock:
            known = known_examples(self.project)
            found = self._problems(messages, known)
            if not label or len(label) > LABEL_LENGTH:
                found["label"] = f"Donnez un nom court à la demande (de 1 à {LABEL_LENGTH} caractères)."
            if place not in [choice.value for choice in self.catalogue(known).places]:
                found["place"] = "Choisissez à quel besoin la demande appartient."
            if found:
                raise Refused(found)
            texts = [self._taught(message) for message in messages]
            name, files, before = new_intent_files(self.project, self.knowledge_dir, place, label, texts, known.files)
            self._written(files, before, self.decisions.recorded(staff_id, ASSIGNED, name,
                                                                 self._keyed(messages, texts)))
            return name

    def dismiss(self, staff_id: int, messages: Sequence[Message]) -> int:
        """Leave the messages out of the inbox without teaching them; how many."""
        with self.lock:
            found: Fields = self._decided(messages) if messages else {"messages": "Cochez au moins un message."}
            if found:
                raise Refused(found)
            self._written({}, {}, self.decisions.recorded(staff_id, DISMISSED, None, self._keyed(
                messages, [message.written for message in messages])))
            return len(messages)

    def undo(self, decision_id: int) -> Optional[Undone]:
        """Forget a decision, and remove the example it wrote if still there (with its intent, when staff created it
        and this was its last example); what was done, None if no such decision."""
        with self.lock:
            decided = self.decisions.get(decision_id)
            if decided is None:
                return None
            undone, changes, before = self._untaught(decided.intent, decided.text) \
                if decided.decision == ASSIGNED and decided.intent is not None else (Undone.DISMISSAL, {}, {})
            self._written(changes, before, self.decisions.forgotten(decision_id))
            return undone

    def _untaught(self, intent: str, text: str) -> tuple[Undone, dict[Path, Optional[str]], dict[Path, Optional[str]]]:
        """What undoing the example line of the intent that is exactly `text` does, the files' new texts and
        their texts before: the line removed, or the whole intent when it is the last example of one that staff
        created; nothing if the line is not there any more."""
        known = known_examples(self.project)
        path = known.files.get(intent)
        if path is None:
            return Undone.GONE, {}, {}
        before = read(path)
        after = without_example(before, intent, text) if before else None
        if after is None:
            return Undone.GONE, {}, {}
        if list(known.intent_of.values()).count(intent) > 1:
            check(before, after, path, intent, removed=[text])
            return Undone.EXAMPLE, {path: after}, {path: before}
        if path != self.project / STAFF_FILE:
            raise TeachingError(f"C'est le dernier exemple de « {intent} » : une demande ne peut pas rester sans "
                                "exemple. Ajoutez-en un autre d'abord.")
        return Undone.INTENT, *intent_removed_files(self.project, self.knowledge_dir, intent)

    @staticmethod
    def _written(changes: Mapping[Path, Optional[str]], before: Mapping[Path, Optional[str]],
                 transaction: ContextManager[None]) -> None:
        """The files written, unless one changed since `before` (bot/staff/files.py), within the database
        `transaction`, so that the decision is committed only once they are; if the commit fails, the files are put
        back as they were."""
        written = False
        try:
            with transaction:
                write_all(changes, before)
                written = True
        except SQLAlchemyError:
            if written:
                write_all(before)
            raise

    def _problems(self, messages: Sequence[Message], known: Known) -> Fields:
        if not messages:
            return {"messages": "Cochez au moins un message."}
        return {**problems([self._taught(message) for message in messages], known, self.project),
                **self._decided(messages)}

    def _decided(self, messages: Sequence[Message]) -> Fields:
        keys = [key_of(message.written) for message in messages]
        if len(set(keys)) < len(keys) or set(keys) & self.decisions.keys():
            return {"messages": "Ces messages ont déjà été traités : rechargez la page."}
        return {}

    @staticmethod
    def _taught(message: Message) -> str:
        """The text staff typed as one example line, personal data masked again (they may have typed some)."""
        return cleaned(redact(message.taught))

    @staticmethod
    def _keyed(messages: Sequence[Message], texts: Sequence[str]) -> list[tuple[str, str]]:
        return [(key_of(message.written), text) for message, text in zip(messages, texts)]
