"""Registries for the envelope tests: a SQLite file in a temporary directory, and a real
PostgreSQL server at 127.0.0.1:5432 (database ``test``, trust auth), one schema per test,
dropped afterwards. PostgreSQL tests skip, saying why, only when no server answers (``make test``
installs and starts one when it can: tests/envelope/ensure_postgres.sh)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("sqlalchemy")
pytest.importorskip("fsspec")
pytest.importorskip("cloudpickle")

from dataflow.envelope import Registry  # noqa: E402

POSTGRES_USERS = ("postgres", "root")
BACKENDS = ("sqlite", "postgresql")


def _postgres_user() -> tuple[str | None, str]:
    """The first user the local server lets in (None and why not, when none does)."""
    psycopg = pytest.importorskip("psycopg")
    reasons = []
    for user in POSTGRES_USERS:
        try:
            psycopg.connect(host="127.0.0.1", port=5432, dbname="test", user=user,
                            connect_timeout=3).close()
            return user, ""
        except psycopg.OperationalError as error:
            reasons.append(f"as {user}: {str(error).strip()}")
    return None, "; ".join(reasons)


@pytest.fixture(scope="session")
def postgres_user() -> str:
    user, why = _postgres_user()
    if user is None:
        pytest.skip(f"no PostgreSQL at 127.0.0.1:5432 database 'test' ({why}); run "
                    "tests/envelope/ensure_postgres.sh as root to install and start one")
    return user


def postgres_schema_url(user: str) -> tuple[str, str]:
    """A new schema in the ``test`` database and a URL whose connections use it."""
    import psycopg

    schema = f"envelope_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(host="127.0.0.1", port=5432, dbname="test", user=user,
                         autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    return schema, (f"postgresql+psycopg://{user}@127.0.0.1:5432/test"
                    f"?options=-csearch_path%3D{schema}")


def drop_postgres_schema(user: str, schema: str) -> None:
    import psycopg

    with psycopg.connect(host="127.0.0.1", port=5432, dbname="test", user=user,
                         autocommit=True) as connection:
        connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture
def registry_location(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[
        tuple[str, str]]:
    """(database URL or directory, artifacts directory) of an empty registry, on the backend
    the test is parametrized with (``backend``: sqlite by default)."""
    backend = getattr(request, "param", "sqlite")
    artifacts = str(tmp_path / "artifacts")
    if backend == "sqlite":
        yield str(tmp_path / "registry"), artifacts
        return
    user = request.getfixturevalue("postgres_user")
    schema, url = postgres_schema_url(user)
    try:
        yield url, artifacts
    finally:
        drop_postgres_schema(user, schema)


@pytest.fixture
def registry(registry_location: tuple[str, str]) -> Iterator[Registry]:
    url, artifacts = registry_location
    registry = Registry(url, artifacts=artifacts)
    try:
        yield registry
    finally:
        registry.close()


both_backends = pytest.mark.parametrize("registry_location", BACKENDS, indirect=True)
"""Run a test that uses ``registry`` (or ``registry_location``) on SQLite and on PostgreSQL."""
