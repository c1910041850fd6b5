"""Appointments with a mediator: the data layer the booking conversation uses (docs/booking.md).

store.BookingStore is the API; models the tables (their migrations are the application database's, bot/db/);
statuses an appointment's states and their words; availability the slots of the weekly permanences; preferences and
contact read what patrons type; calendar, exports and reminders what goes out (bot/jobs.py sends the reminders).
"""
