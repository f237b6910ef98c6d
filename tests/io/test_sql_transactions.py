"""``to.sql`` leaves the caller's own transaction alone, follows the driver's paramstyle, and
reports the frame it was given (as Hamilton does)."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from dataflow.io import registry

GOOD = pd.DataFrame({"a": [1, 2]})
Postgres = tuple[Any, dict[str, str]]  # a connection and table names
BAD = pd.DataFrame({"a": [3, object()]})  # the second row cannot be bound


def _saver(**params: Any) -> Any:
    return registry.adapter_for("saver", "sql", pd.DataFrame, "t")(**params)


def test_a_failed_write_keeps_the_callers_uncommitted_rows(tmp_path: Path) -> None:
    connection = sqlite3.connect(tmp_path / "db.sqlite")
    _saver(table_name="t", db_connection=connection, index=False).save_data(GOOD)
    connection.execute("CREATE TABLE mine (x INTEGER)")
    connection.execute("INSERT INTO mine VALUES (99)")
    assert connection.in_transaction
    with pytest.raises((sqlite3.ProgrammingError, sqlite3.InterfaceError)):  # 3.10: InterfaceError
        _saver(table_name="t", db_connection=connection, if_exists="append",
               index=False).save_data(BAD)
    assert connection.in_transaction  # still the caller's, still open
    assert connection.execute("SELECT x FROM mine").fetchall() == [(99,)]
    assert connection.execute("SELECT a FROM t").fetchall() == [(1,), (2,)]
    with pytest.raises(ValueError, match="already exists"):  # fails inside the savepoint too
        _saver(table_name="t", db_connection=connection, index=False).save_data(GOOD)
    assert connection.execute("SELECT x FROM mine").fetchall() == [(99,)]


def test_a_write_inside_the_callers_transaction_is_not_committed(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE mine (x INTEGER)")
    connection.commit()
    connection.execute("INSERT INTO mine VALUES (99)")
    _saver(table_name="t", db_connection=connection, index=False).save_data(GOOD)
    assert connection.in_transaction
    other = sqlite3.connect(path)
    assert other.execute("SELECT x FROM mine").fetchall() == []  # nothing committed for them
    other.close()
    connection.rollback()  # the caller decides: the write goes with their transaction
    assert connection.execute(
        "SELECT name FROM sqlite_master WHERE name = 't'").fetchall() == []


def test_a_write_outside_a_transaction_is_committed(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    connection = sqlite3.connect(path)
    _saver(table_name="t", db_connection=connection, index=False).save_data(GOOD)
    assert not connection.in_transaction
    assert sqlite3.connect(path).execute("SELECT a FROM t").fetchall() == [(1,), (2,)]


def test_duckdb_writes_in_its_own_transaction() -> None:
    duckdb = pytest.importorskip("duckdb")
    connection = duckdb.connect(":memory:")
    connection.execute("CREATE TABLE mine (x INTEGER)")
    connection.execute("BEGIN TRANSACTION")
    connection.execute("INSERT INTO mine VALUES (99)")
    _saver(table_name="t", db_connection=connection, index=False).save_data(GOOD)
    with pytest.raises(Exception):  # noqa: B017 - DuckDB's own conversion error
        _saver(table_name="t", db_connection=connection, if_exists="append",
               index=False).save_data(pd.DataFrame({"a": ["not a number"]}))
    assert connection.execute("SELECT x FROM mine").fetchall() == [(99,)]
    connection.execute("ROLLBACK")  # the caller's work goes; dataflow's committed write stays
    assert connection.execute("SELECT x FROM mine").fetchall() == []
    assert connection.execute("SELECT a FROM t").fetchall() == [(1,), (2,)]


def test_metadata_describes_the_frame_given_as_hamiltons_does() -> None:
    from hamilton.plugins.pandas_extensions import PandasSqlWriter as HamiltonSqlWriter

    frame = pd.DataFrame({"f": [1.5, None], "s": ["a", None]}, index=[5, 6])
    ours = _saver(table_name="t", db_connection=sqlite3.connect(":memory:")).save_data(frame)
    theirs = HamiltonSqlWriter(table_name="t",
                               db_connection=sqlite3.connect(":memory:")).save_data(frame)
    assert ours["dataframe_metadata"] == theirs["dataframe_metadata"]
    assert ours["dataframe_metadata"]["column_names"] == ["f", "s"]


@pytest.fixture
def pg() -> Iterator[Postgres]:
    """A psycopg connection to the local server and table names of this test alone (runs in
    parallel share the database)."""
    psycopg = pytest.importorskip("psycopg")
    try:
        connection = psycopg.connect(host="127.0.0.1", port=5432, dbname="test",
                                     user="postgres", connect_timeout=3)
    except psycopg.OperationalError as error:
        pytest.skip(f"no PostgreSQL at 127.0.0.1:5432: {error}")
    suffix = uuid.uuid4().hex[:10]
    names = {name: f"dataflow_{name}_{suffix}" for name in ("t", "mine", "new")}
    try:
        yield connection, names
    finally:
        connection.rollback()
        connection.autocommit = True
        for name in names.values():
            connection.execute(f'DROP TABLE IF EXISTS "{name}"')
        connection.close()


def test_postgres_roundtrip_with_psycopg(pg: Postgres) -> None:
    postgres, names = pg
    frame = pd.DataFrame({"a": [1, 2], "s": ["x", None], "b": [True, False],
                          "t": pd.to_datetime(["2026-01-01", None])})
    saved = _saver(table_name=names["t"], db_connection=postgres).save_data(frame)
    assert saved["sql_metadata"]["rows"] == 2
    loader = registry.adapter_for("loader", "sql", pd.DataFrame, "t")
    loaded, _ = loader(query_or_table=names["t"], db_connection=postgres).load_data(
        pd.DataFrame)
    assert loaded["a"].tolist() == [1, 2] and loaded["s"].isna().tolist() == [False, True]
    postgres.rollback()  # committed: a rollback does not take it away
    assert postgres.execute(f'SELECT count(*) FROM "{names["t"]}"').fetchone() == (2,)


def test_postgres_failed_write_keeps_the_callers_transaction_usable(pg: Postgres) -> None:
    postgres, names = pg
    _saver(table_name=names["t"], db_connection=postgres, index=False).save_data(GOOD)
    postgres.execute(f'CREATE TABLE "{names["mine"]}" (x INTEGER)')
    postgres.execute(f'INSERT INTO "{names["mine"]}" VALUES (99)')
    with pytest.raises(ValueError, match="already exists"):
        _saver(table_name=names["t"], db_connection=postgres, index=False).save_data(GOOD)
    # a new table: probing for it must not abort the caller's transaction
    _saver(table_name=names["new"], db_connection=postgres, index=False).save_data(GOOD)
    assert postgres.execute(f'SELECT count(*) FROM "{names["new"]}"').fetchone() == (2,)
    with pytest.raises(Exception):  # noqa: B017 - psycopg's DataError subclass
        _saver(table_name=names["t"], db_connection=postgres, if_exists="append",
               index=False).save_data(pd.DataFrame({"a": ["not a number"]}))
    _saver(table_name=names["t"], db_connection=postgres, if_exists="append",
           index=False).save_data(pd.DataFrame({"a": [3]}))
    assert postgres.execute(f'SELECT x FROM "{names["mine"]}"').fetchall() == [(99,)]
    postgres.rollback()  # nothing of the caller's transaction was committed, nor the append
    assert postgres.execute("SELECT to_regclass(%s)", [names["mine"]]).fetchone() == (None,)
    assert postgres.execute(f'SELECT a FROM "{names["t"]}"').fetchall() == [(1,), (2,)]
