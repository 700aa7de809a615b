"""Read-only workforce reporting: aggregate queries, small-number suppression, CSV and SVG charts."""
