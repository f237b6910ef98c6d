"""The model registry: metadata in a database through SQLAlchemy, model files in an artifact store.

``Registry()`` with no arguments is the per-user registry (or the one ``DATAFLOW_REGISTRY``
names): a SQLite file and a directory of artifacts, nothing to set up. ``Registry("postgresql+
psycopg://...", artifacts="s3://bucket/models")`` is a shared one.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Connection,
    Engine,
    and_,
    delete,
    exists,
    func,
    insert,
    select,
)
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.sql.elements import ColumnElement

from dataflow.envelope import tables as t
from dataflow.envelope.artifacts import ArtifactStore
from dataflow.envelope.database import (
    ENGINES,
    READ_ONLY,
    default_location,
    engine_for,
    resolve_location,
    sqlite_file,
    sqlite_read_only,
)
from dataflow.envelope.query import KEY, Clause, Query, TagValues, a_type, check_key, query_from
from dataflow.errors import DataflowError, close_names

if TYPE_CHECKING:
    import pandas as pd

    from dataflow.envelope.model import Envelope, LoadedModel

RESERVED_TAGS = frozenset({"id", "description", "created_at", "artifact", "user", "host",
                           "query", "latest", "as_of"})
"""Tag keys a model cannot have: they name record fields or parameters of ``find``."""
MAX_KEY, MAX_VALUE = 200, 1000
"""The longest tag key and value (the database columns' sizes)."""
RESERVED_PREFIX = "dataflow."
"""Tag keys under this prefix are kept for dataflow's own use."""
REMOVED = "\x1f"
"""The value a tag event records when the tag was removed (no tag value may be it)."""


class ModelNotFoundError(DataflowError, LookupError):
    """No model in the registry has this id."""


class RegistryVersionError(DataflowError):
    """The registry's database was written by a newer dataflow."""


class RegistryReadOnlyError(DataflowError, PermissionError):
    """A write (save, tag, metric, rule) to a registry this process can only read."""


@dataclass(frozen=True)
class ModelRecord:
    """A model as ``find`` lists it: what it is called and tagged, not its details."""

    id: int
    description: str
    tags: dict[str, str]
    created_at: dt.datetime
    user: str
    host: str
    artifact: str


def check_tags(tags: Mapping[str, Any], where: str) -> dict[str, str]:
    """Tags as given, refused with a clear error when a key is reserved or not a name, or a
    value is not a string."""
    if not isinstance(tags, Mapping):
        raise DataflowError(f"{where}: tags are a dict of strings, not a "
                            f"{type(tags).__name__}.")
    for key, value in tags.items():
        check_key(key, where)
        if key in RESERVED_TAGS or key.startswith(RESERVED_PREFIX):
            raise DataflowError(
                f"{where}: the tag {key!r} is reserved (reserved: "
                f"{', '.join(sorted(RESERVED_TAGS))}, and every name starting with "
                f"{RESERVED_PREFIX!r}); choose another name, e.g. 'model_{key}'.")
        if len(key) > MAX_KEY or (isinstance(value, str) and len(value) > MAX_VALUE):
            raise DataflowError(
                f"{where}: the tag {key[:40]!r}... is too long: keys hold up to {MAX_KEY} "
                f"characters and values up to {MAX_VALUE}; store long text in the description "
                "or as a metric.")
        if not isinstance(value, str):
            suggestion = str(value).lower() if isinstance(value, bool) else str(value)
            raise DataflowError(
                f"{where}: the tag {key}={value!r} is {a_type(value)}; tags are "
                f"strings: write {key}={suggestion!r}.")
        if value == REMOVED:
            raise DataflowError(f"{where}: the tag {key}={value!r}: that value marks a removed "
                                "tag in the history; to remove a tag, use remove_tags.")
    return dict(tags)


def _now() -> dt.datetime:
    """The current UTC time, naive (as stored)."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.timezone.utc)


def _stored(moment: dt.datetime) -> dt.datetime:
    """An aware or naive (local) time as stored: naive UTC."""
    return moment.astimezone(dt.timezone.utc).replace(tzinfo=None)


def _structured_json(value: Any) -> str:
    return json.dumps(value, default=_jsonable, allow_nan=False)


def _jsonable(value: Any) -> Any:
    if hasattr(value, "to_dict") and hasattr(value, "columns"):  # a DataFrame
        return value.to_dict(orient="list")
    if hasattr(value, "tolist"):  # numpy arrays and scalars, pandas Series
        return value.tolist()
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"{a_type(value)} cannot be stored as JSON")


class Registry:
    """Saved models, their tags (with history) and metrics.

    >>> import tempfile
    >>> registry = Registry(tempfile.mkdtemp())
    >>> registry.find(canonical_name="client_ltv")
    []

    ``read_only=True`` opens it for reading only (find, load, metrics, serving, batch scoring);
    the default, ``None``, does so when this process cannot write a SQLite registry (a
    read-only mount, or no write permission on its file or directory). Writing to a read-only
    registry raises :class:`RegistryReadOnlyError`, naming it.
    """

    def __init__(self, url: str | os.PathLike[str] | None = None,
                 artifacts: str | os.PathLike[str] | None = None,
                 read_only: bool | None = None) -> None:
        self.url, artifacts_url = resolve_location(url, artifacts)
        self.read_only = sqlite_read_only(self.url) if read_only is None else bool(read_only)
        self.artifacts = ArtifactStore(artifacts_url, create=not self.read_only)
        self._ensure_schema()

    def __repr__(self) -> str:
        return f"Registry({self.engine.url.render_as_string(hide_password=True)!r}, " \
               f"artifacts={self.artifacts.url!r}" + \
               (", read_only=True)" if self.read_only else ")")

    @property
    def location(self) -> str:
        """The registry's database: its SQLite file, else its URL (without the password)."""
        return sqlite_file(self.url) or self.engine.url.render_as_string(hide_password=True)

    def close(self) -> None:
        """Close the registry's database connections (a later call opens them again)."""
        engine = ENGINES.pop(self.url + READ_ONLY if self.read_only else self.url, None)
        if engine is not None:
            engine.dispose()

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine (one per database URL and mode per process)."""
        return engine_for(self.url, read_only=self.read_only)

    # --- connections -------------------------------------------------------------------------

    def _read_only_error(self, what: str, cause: str) -> RegistryReadOnlyError:
        return RegistryReadOnlyError(
            f"cannot {what}: the registry at {self.location} is read-only to this process "
            f"({cause}); write through a registry opened where it is writable.")

    def _check_writable(self, what: str) -> None:
        """Refuse a write before it starts (before an artifact is written, say)."""
        if self.read_only:
            raise self._read_only_error(what, "opened with read_only=True, or its file or "
                                              "directory is not writable")

    @contextmanager
    def _write(self, what: str = "write to the registry") -> Iterator[Connection]:
        """One write transaction (SQLite: ``BEGIN IMMEDIATE``, so writers queue rather than
        fail on a lock upgrade). ``what`` names the write in a read-only registry's error."""
        self._check_writable(what)
        try:
            with self.engine.connect() as connection:
                connection.execution_options(envelope_write=True)
                with connection.begin():
                    yield connection
        except (OperationalError, ProgrammingError) as error:
            # the file or mount became read-only after the registry was opened, or a database
            # user that may only read
            text = str(error.orig).lower()
            if "readonly" in text or "read-only" in text or "read only" in text \
                    or getattr(error.orig, "sqlstate", None) == "25006":
                raise self._read_only_error(what, str(error.orig).strip()) from error
            raise

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self.engine.connect() as connection, connection.begin():
            yield connection

    def _ensure_schema(self) -> None:
        if self.read_only:
            self._check_schema()
            return
        for attempt in range(10):
            try:
                with self._write() as connection:
                    t.metadata.create_all(connection)
                    version = connection.execute(select(func.max(t.schema_version.c.version)))
                    found = version.scalar()
                    if found is None:
                        connection.execute(insert(t.schema_version).values(
                            version=t.SCHEMA_VERSION))
                    elif found > t.SCHEMA_VERSION:
                        raise RegistryVersionError(
                            f"the registry at {self.url!r} has schema version {found}; this "
                            f"dataflow knows version {t.SCHEMA_VERSION} at most: upgrade "
                            "dataflow to use it.")
                return
            except (IntegrityError, ProgrammingError, OperationalError):
                # another process created the tables at the same moment: look again
                if attempt == 9:
                    raise
                time.sleep(0.05 * (attempt + 1))

    def _check_schema(self) -> None:
        """A read-only registry is read as it is: it must hold a schema this dataflow knows."""
        try:
            with self._read() as connection:
                found = connection.execute(select(func.max(t.schema_version.c.version)))
                version = found.scalar()
        except (OperationalError, ProgrammingError) as error:
            raise RegistryReadOnlyError(
                f"the registry at {self.location} is read-only to this process and cannot be "
                f"read as a registry ({str(error.orig).strip()}): open it once where it is "
                "writable to create it.") from error
        if version is not None and version > t.SCHEMA_VERSION:
            raise RegistryVersionError(
                f"the registry at {self.url!r} has schema version {version}; this dataflow "
                f"knows version {t.SCHEMA_VERSION} at most: upgrade dataflow to use it.")

    # --- saving and reading models -----------------------------------------------------------

    def _insert_model(self, *, description: str, tags: Mapping[str, str], artifact: str,
                      user: str, host: str, details: Mapping[str, Any]) -> tuple[int,
                                                                                   dt.datetime]:
        now = _now()
        with self._write("save a model") as connection:
            result = connection.execute(insert(t.models).values(
                description=description, created_at=now, artifact=artifact, user=user,
                host=host, details=json.dumps(details, allow_nan=False)))
            model_id = int(result.inserted_primary_key[0])  # type: ignore[index]
            self._set_tags(connection, model_id, tags, now)
        return model_id, _aware(now)

    @staticmethod
    def _set_tags(connection: Connection, model_id: int, tags: Mapping[str, str],
                  now: dt.datetime) -> None:
        if not tags:
            return
        connection.execute(delete(t.tags).where(t.tags.c.model_id == model_id,
                                                t.tags.c.key.in_(list(tags))))
        rows = [{"model_id": model_id, "key": k, "value": v, "set_at": now}
                for k, v in tags.items()]
        connection.execute(insert(t.tags), rows)
        connection.execute(insert(t.tag_events), rows)

    def _id_of(self, model: int | ModelRecord | Envelope) -> int:
        model_id = getattr(model, "id", model)
        if isinstance(model_id, bool) or not isinstance(model_id, int):
            raise TypeError(f"a model is named by its id (an int), a record or an envelope, "
                            f"not {model!r}.")
        return model_id

    def _row(self, connection: Connection, model_id: int) -> Any:
        row = connection.execute(select(t.models).where(t.models.c.id == model_id)).first()
        if row is None:
            newest = connection.execute(select(func.max(t.models.c.id))).scalar()
            raise ModelNotFoundError(
                f"no model {model_id} in {self!r}"
                + (f" (ids run from 1 to {newest})." if newest else " (it holds no models)."))
        return row

    def get(self, model: int | ModelRecord | Envelope) -> Envelope:
        """Everything stored about a model: schemas, environment, statistics, code, provenance,
        current tags."""
        from dataflow.envelope.model import Envelope

        model_id = self._id_of(model)
        with self._read() as connection:
            row = self._row(connection, model_id)
            tags = dict(connection.execute(
                select(t.tags.c.key, t.tags.c.value).where(t.tags.c.model_id == model_id)
                .order_by(t.tags.c.key)).all())
        details = json.loads(row.details)
        return Envelope(id=row.id, description=row.description, tags=tags,
                        created_at=_aware(row.created_at), artifact=row.artifact,
                        registry=self, **details)

    def load(self, model: int | ModelRecord | Envelope) -> LoadedModel:
        """A callable that behaves as the saved model and checks its input against the stored
        schema."""
        from dataflow.envelope.model import LoadedModel

        envelope = self.get(model)
        return LoadedModel.from_bytes(envelope, self.artifacts.read(envelope.artifact))

    # --- tags --------------------------------------------------------------------------------

    def add_tags(self, model: int | ModelRecord | Envelope, /, **tags: str) -> None:
        """Set tags on a saved model (a new value replaces the old; the history keeps both).

        >>> registry.add_tags(7, passes_tests="true")  # doctest: +SKIP
        """
        model_id = self._id_of(model)
        check_tags(tags, f"add_tags({model_id}, ...)")
        with self._write(f"tag model {model_id}") as connection:
            self._row(connection, model_id)
            self._set_tags(connection, model_id, tags, _now())

    def remove_tags(self, model: int | ModelRecord | Envelope, /, *keys: str) -> None:
        """Remove tags from a saved model, all in one transaction: a key the model does not have
        is refused, naming the keys it has, and then none is removed. The history keeps the
        removal (``tag_history`` shows it with the value ``None``), so ``find(...,
        as_of=moment)`` still answers with the tags a model had then.

        >>> registry.remove_tags(7, "passes_tests")  # doctest: +SKIP
        """
        model_id = self._id_of(model)
        where = f"remove_tags({model_id}, ...)"
        if not keys:
            raise DataflowError(f"{where}: name the tags to remove, e.g. "
                                f"remove_tags({model_id}, 'passes_tests').")
        for key in keys:
            check_key(key, where)
        wanted = list(dict.fromkeys(keys))
        with self._write(f"remove tags of model {model_id}") as connection:
            self._row(connection, model_id)
            held = set(connection.execute(select(t.tags.c.key).where(
                t.tags.c.model_id == model_id)).scalars())
            missing = [key for key in wanted if key not in held]
            if missing:
                hints = {key: close_names(key, sorted(held)) for key in missing}
                shown = "; ".join(f"{key!r}" + (f" (did you mean {' or '.join(map(repr, hint))}?)"
                                               if hint else "") for key, hint in hints.items())
                raise DataflowError(
                    f"{where}: model {model_id} has no tag {shown}; its tags are "
                    f"{', '.join(sorted(held)) or 'none'}. Nothing was removed.")
            now = _now()
            connection.execute(delete(t.tags).where(t.tags.c.model_id == model_id,
                                                    t.tags.c.key.in_(wanted)))
            connection.execute(insert(t.tag_events), [
                {"model_id": model_id, "key": key, "value": REMOVED, "set_at": now}
                for key in wanted])

    def tag_history(self, model: int | ModelRecord | Envelope) -> list[tuple[str, str | None,
                                                                          dt.datetime]]:
        """Every tag ever set on a model, oldest first: ``(key, value, set_at)``; a removal is
        ``(key, None, removed_at)``."""
        model_id = self._id_of(model)
        with self._read() as connection:
            self._row(connection, model_id)
            rows = connection.execute(
                select(t.tag_events.c.key, t.tag_events.c.value, t.tag_events.c.set_at)
                .where(t.tag_events.c.model_id == model_id).order_by(t.tag_events.c.id)).all()
        return [(key, None if value == REMOVED else value, _aware(moment))
                for key, value, moment in rows]

    # --- queries -----------------------------------------------------------------------------

    @staticmethod
    def _most_selective_first(connection: Connection, clauses: tuple[Clause, ...],
                              table: Any) -> list[Clause]:
        """The clauses, the one that matches the fewest tag rows first (one round trip of
        index-only counts): the query is driven by it and checks the others per model."""
        if len(clauses) <= 1:
            return list(clauses)
        counts = [select(func.count()).select_from(table).where(
            table.c.key == clause.key, table.c.value.in_(clause.values)).scalar_subquery()
            for clause in clauses]
        matched = connection.execute(select(*counts)).one()
        return [clauses[i] for i in sorted(range(len(clauses)), key=lambda i: matched[i])]

    def _selected_ids(self, connection: Connection, query: Query,
                      as_of: dt.datetime | None) -> Any:
        """A SELECT of the ids of the models ``query`` selects (at ``as_of``).

        On SQLite, one clause drives through the ``(key, value, model_id)`` index and the others
        are checked per model through the primary key, so a query costs what its most selective
        clause matches, whatever order the clauses were written in; other databases' planners
        choose from their statistics."""
        conditions: list[ColumnElement[bool]] = []
        if as_of is None and query.clauses and connection.dialect.name != "sqlite":
            # a planner with statistics (PostgreSQL's) picks the order itself: no counting
            for clause in query.clauses:
                conditions.append(t.models.c.id.in_(
                    select(t.tags.c.model_id).where(t.tags.c.key == clause.key,
                                                    t.tags.c.value.in_(clause.values))))
        elif as_of is None and query.clauses:
            driver, *others = self._most_selective_first(connection, query.clauses, t.tags)
            conditions.append(t.models.c.id.in_(
                select(t.tags.c.model_id).where(t.tags.c.key == driver.key,
                                                t.tags.c.value.in_(driver.values))))
            for clause in others:
                conditions.append(exists().where(
                    t.tags.c.model_id == t.models.c.id, t.tags.c.key == clause.key,
                    t.tags.c.value.in_(clause.values)))
        elif as_of is not None:
            moment = _stored(as_of)
            conditions.append(t.models.c.created_at <= moment)
            ordered = self._most_selective_first(connection, query.clauses, t.tag_events)
            for position, clause in enumerate(ordered):
                event, later = t.tag_events.alias("event"), t.tag_events.alias("later")
                newer = exists().where(later.c.model_id == event.c.model_id,
                                       later.c.key == event.c.key, later.c.set_at <= moment,
                                       later.c.id > event.c.id)
                held_then = and_(event.c.key == clause.key, event.c.value.in_(clause.values),
                                 event.c.value != REMOVED, event.c.set_at <= moment, ~newer)
                if position == 0:
                    conditions.append(t.models.c.id.in_(
                        select(event.c.model_id).where(held_then)))
                else:
                    conditions.append(exists().where(event.c.model_id == t.models.c.id,
                                                     held_then))
        return select(t.models.c.id).where(and_(True, *conditions))

    def find(self, query: str | Query | Mapping[str, TagValues] | None = None,
             latest: bool = False, as_of: dt.datetime | None = None,
             **tags: TagValues) -> list[ModelRecord]:
        """The models whose tags match, newest first.

        ``registry.find(canonical_name="client_ltv", region=["US", "CA"])``: AND across tags,
        OR inside a list; ``query`` is the same as a string (``"canonical_name=client_ltv
        region in (US,CA)"``) or a mapping. ``latest=True``: only the newest match (a list of
        at most one). ``as_of=datetime``: what the query selected at that moment, with the tags
        models had then (a naive datetime is local time).
        """
        if as_of is not None and not isinstance(as_of, dt.datetime):
            raise TypeError(
                f"find(as_of={as_of!r}): as_of is a datetime (a naive one is local time), not "
                f"{a_type(as_of)}; for a day, say which moment: e.g. the end of it, "
                "datetime(2026, 1, 31, 23, 59, 59).")
        selected = query_from(query, **tags)
        record_columns = (t.models.c.id, t.models.c.description, t.models.c.created_at,
                          t.models.c.user, t.models.c.host, t.models.c.artifact)
        with self._read() as connection:
            ids = self._selected_ids(connection, selected, as_of)
            statement = select(*record_columns).where(t.models.c.id.in_(ids)).order_by(
                t.models.c.id.desc())
            rows = list(connection.execute(statement.limit(1) if latest else statement))
            if not rows:
                return []
            # the tags of the ids themselves when few (an index lookup each), else of the
            # selection again (not the records joined with tags: that would parse each
            # record's columns once per tag)
            wanted = [row[0] for row in rows] if len(rows) <= 500 else ids
            tags_of = self._tags_of(connection, wanted, as_of)
        return [ModelRecord(id=model_id, description=description,
                            tags=tags_of.get(model_id, {}), created_at=_aware(created_at),
                            user=user, host=host, artifact=artifact)
                for model_id, description, created_at, user, host, artifact, *_ in rows]

    @staticmethod
    def _tags_of(connection: Connection, ids: Any,
                 as_of: dt.datetime | None) -> dict[int, dict[str, str]]:
        found: dict[int, dict[str, str]] = {}
        if as_of is None:
            rows = connection.execute(select(t.tags.c.model_id, t.tags.c.key, t.tags.c.value)
                                      .where(t.tags.c.model_id.in_(ids))).all()
        else:
            moment = _stored(as_of)
            rows = connection.execute(
                select(t.tag_events.c.model_id, t.tag_events.c.key, t.tag_events.c.value)
                .where(t.tag_events.c.model_id.in_(ids), t.tag_events.c.set_at <= moment)
                .order_by(t.tag_events.c.id)).all()
        for model_id, key, value in rows:
            if value == REMOVED:
                found.setdefault(model_id, {}).pop(key, None)
            else:
                found.setdefault(model_id, {})[key] = value
        return {k: dict(sorted(v.items())) for k, v in found.items()}

    def revision(self) -> int:
        """A number that grows whenever a model is saved, tagged or untagged: a service that
        serves "the latest model matching a query" polls this one cheap query and runs ``find``
        again only when it has changed."""
        # counts, not the largest ids: a transaction that took a smaller id may commit later
        statement = select(select(func.count()).select_from(t.models).scalar_subquery(),
                           select(func.count()).select_from(t.tag_events).scalar_subquery())
        with self._read() as connection:
            models, events = connection.execute(statement).one()
        return int(models) + int(events)

    # --- metrics -----------------------------------------------------------------------------

    def log_metrics(self, model: int | ModelRecord | Envelope, /, **metrics: Any) -> None:
        """Record metrics of a model, timestamped: numbers as values, anything else JSON
        (curves, confusion matrices: dicts, lists, arrays, DataFrames)."""
        model_id = self._id_of(model)
        now = _now()
        rows = []
        for name, value in metrics.items():
            if not KEY.fullmatch(name):
                raise DataflowError(f"log_metrics: {name!r} cannot be a metric name.")
            if isinstance(value, (int, float)) or (hasattr(value, "item")
                                                   and getattr(value, "ndim", 1) == 0):
                number = float(value)
                rows.append({"model_id": model_id, "name": name,
                             "value": number if math.isfinite(number) else None,
                             "structured": None if math.isfinite(number)
                             else json.dumps(str(number)), "logged_at": now})
            else:
                try:
                    text = _structured_json(value)
                except (TypeError, ValueError) as error:
                    raise DataflowError(
                        f"log_metrics({model_id}, {name}=...): {a_type(value)} is "
                        f"neither a number nor JSON ({error}); log numbers, or dicts/lists/"
                        "arrays/DataFrames of numbers and strings.") from error
                rows.append({"model_id": model_id, "name": name, "value": None,
                             "structured": text, "logged_at": now})
        if not rows:
            return
        with self._write(f"log metrics of model {model_id}") as connection:
            self._row(connection, model_id)
            connection.execute(insert(t.metrics), rows)

    def metrics(self, query: str | Query | Mapping[str, TagValues] | None = None,
                names: Iterable[str] | None = None, **tags: TagValues) -> pd.DataFrame:
        """Metrics of the models a query selects, one row per logged value (tidy): columns
        ``model_id``, ``name``, ``value`` (numbers), ``structured`` (the JSON values, parsed),
        ``logged_at``, then ``tag.<key>`` for every tag of those models."""
        import pandas as pd

        selected = query_from(query, **tags)
        with self._read() as connection:
            ids = self._selected_ids(connection, selected, None)
            statement = (select(t.metrics.c.model_id, t.metrics.c.name, t.metrics.c.value,
                                t.metrics.c.structured, t.metrics.c.logged_at)
                         .where(t.metrics.c.model_id.in_(ids))
                         .order_by(t.metrics.c.model_id, t.metrics.c.id))
            if names is not None:
                wanted = [names] if isinstance(names, str) else list(names)
                statement = statement.where(t.metrics.c.name.in_(wanted))
            rows = connection.execute(statement).all()
            tags_of = self._tags_of(connection, ids, None) if rows else {}
        frame = pd.DataFrame({
            "model_id": pd.Series([r.model_id for r in rows], dtype="int64"),
            "name": pd.Series([r.name for r in rows], dtype=object),
            "value": pd.Series([r.value for r in rows], dtype="float64"),
            "structured": pd.Series([None if r.structured is None else json.loads(r.structured)
                                     for r in rows], dtype=object),
            "logged_at": pd.to_datetime(pd.Series([r.logged_at for r in rows],
                                                  dtype="datetime64[us]")).dt.tz_localize("UTC"),
        })
        keys = sorted({key for model_tags in tags_of.values() for key in model_tags})
        for key in keys:
            frame[f"tag.{key}"] = pd.Series([tags_of.get(r.model_id, {}).get(key) for r in rows],
                                            dtype=object)
        return frame


__all__ = ["ModelNotFoundError", "ModelRecord", "Registry", "RegistryReadOnlyError",
           "RegistryVersionError",
           "check_tags", "default_location", "resolve_location"]
