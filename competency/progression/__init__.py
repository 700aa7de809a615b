"""Progression pathways: readiness for the next step, panels, apprenticeship records."""
