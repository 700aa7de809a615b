"""``read_row``: one SELECT outside any transaction, with SQLAlchemy's type conversions."""
from __future__ import annotations

import enum

import pytest
import sqlalchemy as sa

from competency.db import configure_engine, read_row, str_enum


class Colour(enum.Enum):
    red = "red"
    blue = "blue"


metadata = sa.MetaData()
things = sa.Table("things", metadata, sa.Column("id", sa.Integer, primary_key=True),
                  sa.Column("name", sa.String(20)), sa.Column("colour", str_enum(Colour)))


@pytest.fixture
def engine(tmp_path):
    engine = configure_engine(sa.create_engine(f"sqlite:///{tmp_path / 'rows.sqlite'}"))
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(things.insert(), [{"name": "one", "colour": Colour.red},
                                             {"name": "two", "colour": Colour.blue}])
    yield engine
    engine.dispose()


def test_parameters_and_the_row_are_converted_by_their_column_types(engine):
    statement = sa.select(things.c.id, things.c.colour).where(things.c.name == sa.bindparam("name"),
                                                              things.c.colour == Colour.blue)
    assert read_row(engine, statement, {"name": "two"}) == (2, Colour.blue)
    assert read_row(engine, statement, {"name": "one"}) is None


def test_it_reads_what_another_connection_committed_and_takes_no_lock(engine):
    statement = sa.select(things.c.name).where(things.c.id == sa.bindparam("id"))
    with engine.connect() as writer:  # holds the write lock (BEGIN IMMEDIATE) until it commits
        writer.execute(things.update().where(things.c.id == 1).values(name="changed"))
        assert read_row(engine, statement, {"id": 1}) == ("one",)  # not blocked, last committed state
        writer.commit()
    assert read_row(engine, statement, {"id": 1}) == ("changed",)


def test_only_a_select_is_run(engine):
    with pytest.raises(TypeError):
        read_row(engine, things.update().values(name="x"))
