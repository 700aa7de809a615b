"""Fixtures over the shared programme scenario builders (tests/programmes_support.py)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from tests.programmes_support import START, enrol_on, make_team, shipped_templates

AT = datetime(2027, 1, 4, 12, tzinfo=timezone.utc)
__all__ = ["AT", "START"]


@pytest.fixture
def templates(db):
    return shipped_templates()


@pytest.fixture
def team(db, templates):
    return make_team(templates)


@pytest.fixture
def enrol(team):
    def _enrol(template: str = "ahp-preceptorship", start_on=START, fte=1.0, **kwargs):
        return enrol_on(team, template, start_on, fte, **kwargs)

    return _enrol
