"""The national open data of « lieux de médiation numérique »: files read, rows made places, partner files written
and refreshed (`python -m bot import-lieux`)."""
