"""Appointments with a mediator: the data layer the booking conversation uses (docs/booking.md).

store.BookingStore is the API; models and migrations/ the database; availability the slots of the weekly
permanences; preferences and contact read what patrons type; calendar, exports and reminders what goes out;
jobs the reminders and erasure that `make run` schedules.
"""
