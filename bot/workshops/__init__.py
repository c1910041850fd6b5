"""Group workshops (ateliers collectifs): the sessions of the workshops file, registrations with seats and a waiting
list, what patrons are told (promotion, cancellation, reminders), and the staff's figures."""
