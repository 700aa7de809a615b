"""Progression pages: my progression, people on pathways, panels, apprenticeships."""
