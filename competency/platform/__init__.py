"""Platform roles: who may act on what belongs to the whole installation rather than to one organisation."""
