"""The console's inbox (« Messages mal compris »): the messages the assistant did not understand well, what staff
decide about each (taught as an intent's example, as a new intent, or left out), and those decisions applied to the
project's training data."""
