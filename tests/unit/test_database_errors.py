"""Which database errors are an outage (503, try again later) and which are bugs to see (500)."""
from __future__ import annotations

import pytest
from sqlalchemy import exc

from competency.blueprints.errors import is_database_unavailable


class ServerError(Exception):
    def __init__(self, message: str, sqlstate: str | None):
        super().__init__(message)
        self.sqlstate = sqlstate


@pytest.mark.parametrize("message, sqlstate, unavailable", [
    ("connection failed: Connection refused", None, True),
    ("server closed the connection unexpectedly", None, True),
    ("the database system is shutting down", "57P03", True),
    ("terminating connection due to administrator command", "57P01", True),
    ("could not connect to server", "08006", True),
    ("deadlock detected", "40P01", False),
    ("canceling statement due to statement timeout", "57014", False),
])
def test_outages_are_told_apart_from_server_errors(message, sqlstate, unavailable):
    error = exc.OperationalError("SELECT 1", {}, ServerError(message, sqlstate))
    assert is_database_unavailable(error) is unavailable


def test_an_exhausted_pool_is_an_outage_and_a_programming_error_is_not():
    assert is_database_unavailable(exc.TimeoutError("QueuePool limit reached"))
    assert not is_database_unavailable(exc.ProgrammingError("SELECT x", {}, ServerError("no column x", "42703")))
