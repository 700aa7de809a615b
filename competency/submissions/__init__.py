"""One-time form tokens: a double click on a create form makes one item (see services)."""
