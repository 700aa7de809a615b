"""Grants of assessing and precepting rights across organisations (DESIGN.md rule 1).

An organisation, or the regional body (ICS) of its region, names a person from
elsewhere who may assess or precept its people for a scope and a period; an
organisation can also name trained assessors, who need no professional
registration but sign off support-level capabilities only.
"""
