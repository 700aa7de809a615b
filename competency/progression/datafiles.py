"""Registers the ``pathway`` data-file kind (see :mod:`competency.frameworks.loading`)."""
from competency.frameworks.loading import register_kind
from competency.progression import schema

register_kind("pathway", schema.parse_pathway, link=schema.link_pathway, order=40,
              description="a progression pathway: stages, steps and their readiness criteria")
