"""The console's « Réponses et fiches »: the knowledge base's files and the assistant's responses as staff edit
them, each edit checked as `make validate` does and saved only over the version it was made from."""
