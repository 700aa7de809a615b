"""Placements: students and apprentices working at a host organisation for a period.

For the placement's dates the host's preceptors and leads have the same standing
to sign off as they would for the host's own employees (DESIGN.md rule 1,
"employed or on placement").
"""
