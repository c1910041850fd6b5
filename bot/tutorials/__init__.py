"""Tutorials in use: searching the catalogue and choosing a fiche for a patron."""
