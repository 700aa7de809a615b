"""The access matrix: every route x every role x own/foreign object -> expected status.

Each area has a module ``cases_<area>.py`` with ``CASES`` (a list of ``Case``) and,
optionally, ``build(world)`` that adds that area's objects to the shared world.
"""
