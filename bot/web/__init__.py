"""The web server: library demo page and tutorial pages; the widget and staff console come later."""
