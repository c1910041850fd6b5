"""Aiguillage: a Rasa assistant that triages patrons' digital-help needs for public libraries."""
from bot.privacy.logs import install_log_redaction

install_log_redaction()  # every process that runs our code (Rasa, actions, web, jobs) logs no personal data
