"""Where a registry lives, and the one SQLAlchemy engine per database per process.

A location is a directory (a SQLite file ``registry.db`` and an ``artifacts`` directory in it)
or a database URL with an artifact store URL beside it. SQLite engines run in WAL mode and take
the write lock at the start of a write transaction (``BEGIN IMMEDIATE``), so processes writing
to one registry at once queue (up to a minute) instead of failing on a lock upgrade.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event

from dataflow.errors import DataflowError


def default_location() -> str:
    """``DATAFLOW_REGISTRY`` when set, else a per-user directory."""
    named = os.environ.get("DATAFLOW_REGISTRY")
    if named:
        return named
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return str(base / "dataflow" / "registry")


def resolve_location(url: str | os.PathLike[str] | None,
                     artifacts: str | os.PathLike[str] | None) -> tuple[str, str]:
    """(SQLAlchemy URL, artifact store URL). A directory stands for a SQLite file
    ``registry.db`` and an ``artifacts`` directory inside it."""
    location = os.fspath(url) if url is not None else default_location()
    if "://" in location:
        if artifacts is None:
            artifacts = os.environ.get("DATAFLOW_REGISTRY_ARTIFACTS") or None
        if artifacts is None:
            if location.startswith("sqlite:///") and location != "sqlite:///:memory:":
                artifacts = str(Path(location[len("sqlite:///"):]).parent / "artifacts")
            else:
                raise DataflowError(
                    f"Registry({location!r}): a database URL needs artifacts=... too (a "
                    "directory or an fsspec URL where model files go), e.g. "
                    "Registry(url, artifacts='/shared/models'), or set "
                    "DATAFLOW_REGISTRY_ARTIFACTS.")
        return location, os.fspath(artifacts)
    directory = Path(location).expanduser().resolve()  # one engine per file, whatever the cwd
    directory.mkdir(parents=True, exist_ok=True)
    return (f"sqlite:///{directory / 'registry.db'}",
            os.fspath(artifacts) if artifacts is not None else str(directory / "artifacts"))


ENGINES: dict[str, Engine] = {}
"""The engine of each database URL this process has opened (engines hold connection pools)."""


def engine_for(url: str) -> Engine:
    """One engine per URL per process (engines hold connection pools)."""
    if url in ENGINES:
        return ENGINES[url]
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 60})

        @event.listens_for(engine, "connect")
        def _sqlite_connect(connection: Any, record: Any) -> None:
            connection.isolation_level = None  # we issue BEGIN ourselves
            cursor = connection.cursor()
            cursor.execute("PRAGMA busy_timeout = 60000")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection: Connection) -> None:
            write = connection.get_execution_options().get("envelope_write")
            connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
    else:
        engine = create_engine(url, pool_pre_ping=True)
    ENGINES[url] = engine
    return engine
