"""The application database (bookings, staff accounts, the console's decisions and trainings): its engines, the
metadata its tables share, and its migrations (Alembic, migrations/)."""
