"""The web server: library demo page, widget, tutorial pages, calendar files, staff console."""
