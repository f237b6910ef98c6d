"""Where a registry lives, and the one SQLAlchemy engine per database per process.

A location is a directory (a SQLite file ``registry.db`` and an ``artifacts`` directory in it)
or a database URL with an artifact store URL beside it. SQLite engines run in WAL mode and take
the write lock at the start of a write transaction (``BEGIN IMMEDIATE``), so processes writing
to one registry at once queue (up to a minute) instead of failing on a lock upgrade.

A SQLite registry this process may not write (a read-only mount, a file or directory without
write permission: what a serving process often has) is opened read-only: each connection is
``mode=ro``, or ``immutable=1`` when SQLite cannot open the WAL index beside the file (no writer
has it open and the directory is read-only), and is opened afresh for every transaction so a
writer's later changes are seen.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.pool import NullPool

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
    if artifacts is not None and "://" not in os.fspath(artifacts):
        artifacts = os.path.abspath(os.path.expanduser(os.fspath(artifacts)))
    if location.startswith("sqlite:///") and not location.startswith("sqlite:////") \
            and location != "sqlite:///:memory:":
        # a relative file, made absolute now: engines are kept per URL, and a relative URL's
        # pooled connections would go on using the file of the directory it was first used in
        path, mark, query = location[len("sqlite:///"):].partition("?")
        uri = "file:" if path.startswith("file:") else ""  # sqlite:///file:PATH?mode=ro&uri=true
        location = f"sqlite:///{uri}{os.path.abspath(path[len(uri):])}{mark}{query}"
    if "://" in location:
        if artifacts is None:
            artifacts = os.environ.get("DATAFLOW_REGISTRY_ARTIFACTS") or None
        if artifacts is None:
            file = sqlite_file(location)
            if file is not None:
                artifacts = str(Path(file).parent / "artifacts")
            else:
                raise DataflowError(
                    f"Registry({location!r}): a database URL needs artifacts=... too (a "
                    "directory or an fsspec URL where model files go), e.g. "
                    "Registry(url, artifacts='/shared/models'), or set "
                    "DATAFLOW_REGISTRY_ARTIFACTS.")
        return location, os.fspath(artifacts)
    directory = Path(location).expanduser().absolute()  # see above: engines are per URL
    if not directory.is_dir():  # (a registry on a read-only mount exists: nothing to create)
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise DataflowError(f"Registry({location!r}): there is no registry at {directory} "
                                f"and it cannot be created there: {error}.") from error
    return (f"sqlite:///{directory / 'registry.db'}",
            os.fspath(artifacts) if artifacts is not None else str(directory / "artifacts"))


def sqlite_file(url: str) -> str | None:
    """The file of a SQLite URL (``None`` for another database or an in-memory one)."""
    if not url.startswith("sqlite:///") or url.startswith("sqlite:///:memory:"):
        return None
    path = url[len("sqlite:///"):].partition("?")[0]
    return path[len("file:"):] if path.startswith("file:") else path


def sqlite_read_only(url: str) -> bool:
    """Whether this process cannot write the SQLite registry at ``url`` (its file, or the
    directory where SQLite keeps the file's journal, is not writable to it: a read-only
    mount, or permissions), or the URL asks for read-only itself (``mode=ro``,
    ``immutable=1``)."""
    path = sqlite_file(url)
    if path is None:
        return False
    query = url.partition("?")[2]
    if "mode=ro" in query or "immutable=1" in query:
        return True
    if os.path.exists(path):
        return not (os.access(path, os.W_OK) and os.access(os.path.dirname(path), os.W_OK))
    return not os.access(os.path.dirname(path), os.W_OK)


def _read_only_connection(path: str) -> sqlite3.Connection:
    """A read-only connection to ``path``: ``mode=ro``, else ``immutable=1`` when SQLite
    cannot open the WAL index (no ``-shm`` file beside a WAL database, and no right to create
    one)."""
    uri = Path(path).absolute().as_uri()
    connection = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=60,
                                 check_same_thread=False)
    try:
        connection.execute("PRAGMA schema_version").fetchone()  # opens the WAL index if any
        return connection
    except sqlite3.OperationalError:
        connection.close()
    if not os.path.exists(path):
        raise sqlite3.OperationalError(f"unable to open database file {path}")
    return sqlite3.connect(f"{uri}?immutable=1", uri=True, check_same_thread=False)


ENGINES: dict[str, Engine] = {}
"""The engine of each database URL this process has opened (engines hold connection pools);
a read-only one under the URL followed by :data:`READ_ONLY`."""
READ_ONLY = " (read-only)"


def engine_for(url: str, read_only: bool = False) -> Engine:
    """One engine per URL (and mode) per process (engines hold connection pools)."""
    key = url + READ_ONLY if read_only else url
    if key in ENGINES:
        return ENGINES[key]
    path = sqlite_file(url)
    if read_only and path is not None:
        engine = create_engine(url, creator=lambda: _read_only_connection(path),
                               poolclass=NullPool)

        @event.listens_for(engine, "connect")
        def _sqlite_connect_read_only(connection: Any, record: Any) -> None:
            connection.isolation_level = None  # we issue BEGIN ourselves

        @event.listens_for(engine, "begin")
        def _sqlite_begin_read_only(connection: Connection) -> None:
            connection.exec_driver_sql("BEGIN")
    elif url.startswith("sqlite"):
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
    ENGINES[key] = engine
    return engine
