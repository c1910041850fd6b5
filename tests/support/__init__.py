"""Helpers the tests share, and no test: the Bot API stand-in, free ports, PostgreSQL clusters, a copy of the
project, a console client, mail and HTML checks."""
