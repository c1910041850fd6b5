"""The jobs `make run` starts (`python -m bot jobs`), every few minutes: booking reminders, the erasure of bookings'
personal data, of old conversations and of the texts of old messages left out of the inbox."""
from __future__ import annotations

import logging
import signal
import threading
from datetime import datetime
from typing import Optional

from bot.booking.reminders import Mailer, Notify, send_due_reminders
from bot.booking.store import BookingStore, ensure_database, utc_now
from bot.privacy.retention import forget_old_conversations
from bot.settings import LOG_FORMAT, Settings
from bot.staff.inbox.decisions import forget_old_dismissed_texts
from bot.telegram.client import telegram_notify
from bot.workshops.store import WorkshopStore, open_workshops

log = logging.getLogger(__name__)
INTERVAL_SECONDS = 600


def run_once(store: BookingStore, settings: Settings, mailer: Optional[Mailer], now: datetime,
             notify: Optional[Notify] = None, workshops: Optional[WorkshopStore] = None) -> tuple[int, int]:
    """One round: tomorrow's reminders, then the erasure of old personal data (of bookings, and of workshop
    registrations with the same delay); returns how many reminders and anonymised bookings."""
    reminded = send_due_reminders(store, now, mailer, notify)
    erased = store.erase_personal_data(now, settings.booking_retention_days)
    if workshops is not None:
        workshops.erase_personal_data(now, settings.booking_retention_days)
    forgotten = forget_old_conversations(settings.tracker_store_url, now, settings.conversation_retention_days)
    blanked = forget_old_dismissed_texts(settings.booking_database_url, now, settings.conversation_retention_days)
    if reminded or erased or forgotten or blanked:
        log.info("%d reminders recorded, %d bookings anonymised, %d conversations deleted, %d texts of messages "
                 "left out of the inbox blanked", reminded, erased, forgotten, blanked)
    return reminded, erased


def run_jobs(settings: Settings, interval: float = INTERVAL_SECONDS) -> int:
    """Run a round every `interval` seconds until SIGTERM or Ctrl-C."""
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    store = ensure_database(settings)
    workshops = open_workshops(settings)
    mailer = Mailer.from_url(settings.smtp_url, settings.smtp_from)
    notify = telegram_notify(settings)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    log.info("booking jobs every %d s; email reminders %s, Telegram reminders %s", interval,
             "on" if mailer else "off (no SMTP_URL)", "on" if notify else "off (no TELEGRAM_TOKEN)")
    try:
        while not stop.is_set():
            try:
                run_once(store, settings, mailer, utc_now(), notify, workshops)
            except Exception:  # a database that is down must not stop the jobs for good
                log.exception("booking jobs failed, trying again in %d s", interval)
            stop.wait(interval)
    except KeyboardInterrupt:
        pass
    store.close()
    workshops.close()
    return 0
