"""Registers ``kind: programme_template`` with the data-file loader (see :mod:`competency.frameworks.loading`)."""
from competency.frameworks.loading import register_kind
from competency.preceptorship import schema

register_kind("programme_template", schema.parse_template, link=schema.link_template, order=40,
              description="a programme template version: milestones, supervision cadence, protected time")
