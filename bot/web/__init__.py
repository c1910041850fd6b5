"""The web server: library demo page; the widget, tutorial pages and staff console come later."""
