"""Preceptorship and ASYE-style programmes: templates, enrolments, scheduling, reviews, supervision, confidence."""
