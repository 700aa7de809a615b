"""Registers the data-file kinds this package owns (see :mod:`competency.frameworks.loading`)."""
from competency.frameworks import schema
from competency.frameworks.loading import register_kind

register_kind("external_framework", schema.parse_external_framework, link=schema.link_external_framework, order=10,
              description="an external framework we map to (items with codes)")
register_kind("framework", schema.parse_framework, link=schema.link_framework, order=20,
              description="a capability framework version: pillars, levels, capabilities")
register_kind("crosswalk", schema.parse_crosswalk, link=schema.link_crosswalk, order=30,
              description="role titles, pay bands and grades mapped to levels of practice")
