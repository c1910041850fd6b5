"""Staff accounts of the console: librarians and mediators, their passwords, sessions and login limits."""
