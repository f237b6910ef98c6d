"""Batch inference: the latest model a tag query selects, over a file, a table or a frame, in
chunks, written atomically, and recorded on the model so the run can be audited.

Memory stays flat in the input's size: one chunk is read, checked against the model's stored
schema, predicted and written before the next is read (``benchmarks/batch_inference.py``
measures it). The output appears whole or not at all: a file is written to a temporary name
beside it and renamed over it when complete; a DuckDB table is filled under a temporary name
and renamed in one transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import pandas as pd

from dataflow.envelope import describe
from dataflow.envelope.model import InputSchemaError, LoadedModel
from dataflow.envelope.query import Query, TagValues, a_type, format_query, query_from
from dataflow.errors import DataflowError, close_names
from dataflow.io.utils import atomic_path

if TYPE_CHECKING:
    from dataflow.envelope.registry import Registry

DEFAULT_CHUNK_ROWS = 100_000
log = logging.getLogger(__name__)

BATCH_METRIC = "batch_run"
"""The structured metric each batch run is recorded under, on the model that ran."""
FILE_FORMATS = (".parquet", ".csv")


class BatchInputError(DataflowError):
    """``batch_predict`` cannot read its input or write its output."""


@dataclass(frozen=True)
class Table:
    """A table of an embedded DuckDB database, as batch input or output.

    ``database`` is the path of a DuckDB file (or an open ``duckdb`` connection); ``name`` the
    table (``schema.table`` allowed).
    """

    database: Any
    name: str

    def __str__(self) -> str:
        where = self.database if isinstance(self.database, (str, os.PathLike)) else "duckdb"
        return f"duckdb:{os.fspath(where) if isinstance(where, os.PathLike) else where}" \
               f"::{self.name}"


Input = str | os.PathLike[str] | Table | pd.DataFrame
Output = str | os.PathLike[str] | Table | None


@dataclass(frozen=True)
class BatchRun:
    """What a batch run did: which model, how many rows, from where to where, how long."""

    model_id: int
    query: str
    input: str
    output: str
    rows: int
    chunks: int
    started_at: dt.datetime
    finished_at: dt.datetime
    seconds: float
    predictions: pd.DataFrame | None = field(default=None, compare=False, repr=False)
    """The predictions, when ``output=None`` (else they are in the output)."""

    def record(self) -> dict[str, Any]:
        """The run as JSON-ready values (what is logged on the model as ``batch_run``)."""
        fields = asdict(self)
        fields.pop("predictions")
        fields["started_at"] = self.started_at.isoformat()
        fields["finished_at"] = self.finished_at.isoformat()
        return fields


# --- reading ------------------------------------------------------------------------------------

class _Reader(Protocol):
    total: int | None
    present: list[str]
    """Every column the input has (what a missing column's did-you-mean looks in)."""

    def chunks(self) -> Iterator[pd.DataFrame]: ...


@dataclass
class _FrameReader:
    frame: pd.DataFrame
    chunk_rows: int
    total: int | None = None

    def __post_init__(self) -> None:
        self.total = len(self.frame)
        self.present = [str(c) for c in self.frame.columns]

    def chunks(self) -> Iterator[pd.DataFrame]:
        for start in range(0, len(self.frame), self.chunk_rows):
            yield self.frame.iloc[start:start + self.chunk_rows]


def _to_pandas(batch: Any, schema: Mapping[str, str]) -> pd.DataFrame:
    """An Arrow record batch as pandas; decimal columns the model takes as floats become floats
    (pandas would make them objects holding ``Decimal``, which the schema check refuses)."""
    import pyarrow as pa

    table = pa.Table.from_batches([batch])
    for position, column in enumerate(table.schema):
        if (pa.types.is_decimal(column.type)
                and schema.get(column.name, "").lower().startswith("float")):
            table = table.set_column(position, column.name,
                                     table.column(position).cast(pa.float64()))
    return table.to_pandas()


@dataclass
class _ParquetReader:
    path: str
    columns: list[str]
    chunk_rows: int
    schema: Mapping[str, str] = field(default_factory=dict)
    total: int | None = None

    def __post_init__(self) -> None:
        import pyarrow.parquet as pq

        # no pre-buffering: a row group is decoded a batch at a time, not read whole
        self._file = pq.ParquetFile(self.path, pre_buffer=False, buffer_size=1 << 20)
        self.total = self._file.metadata.num_rows
        self.present = list(self._file.schema_arrow.names)
        self._read = [c for c in self.columns if c in self.present]

    def chunks(self) -> Iterator[pd.DataFrame]:
        try:
            for batch in self._file.iter_batches(batch_size=self.chunk_rows, columns=self._read):
                yield _to_pandas(batch, self.schema)
        finally:
            self._file.close()


@dataclass
class _CsvReader:
    path: str
    columns: list[str]
    chunk_rows: int
    schema: Mapping[str, str] = field(default_factory=dict)
    total: int | None = None

    def __post_init__(self) -> None:
        self.present = [str(c) for c in pd.read_csv(self.path, nrows=0).columns]

    def chunks(self) -> Iterator[pd.DataFrame]:
        wanted = set(self.columns)
        # CSV types are guessed chunk by chunk: the model's float and text columns are read as
        # such, so a chunk of whole numbers or of digit-only codes is read as the whole file is
        dtypes = {column: dtype for column, dtype in self.schema.items()
                  if dtype.lower().startswith(("float", "string")) or dtype in ("object", "str")}
        numbers = [c for c, dtype in dtypes.items() if dtype.lower().startswith("float")]
        rows = 0
        with pd.read_csv(self.path, chunksize=self.chunk_rows, dtype=dtypes or None,
                         usecols=lambda column: column in wanted) as reader:
            while True:
                try:
                    chunk = next(reader)
                except StopIteration:
                    return
                except ValueError as error:
                    if not numbers:
                        raise
                    raise InputSchemaError(
                        f"batch_predict: {self.path}, after row {rows}: a value of the "
                        f"column(s) {numbers}, which the model takes as numbers, is not a "
                        f"number: {error}") from error
                rows += len(chunk)
                yield chunk


class _DuckDBConnections:
    """One DuckDB connection per database file for the run (DuckDB refuses a second
    connection to a file with other settings in one process), read-write where the run writes;
    reader and writer each get their own cursor, so reading and writing interleave."""

    def __init__(self, stack: ExitStack, written: Any) -> None:
        self.stack = stack
        self.written = _database_key(written) if written is not None else None
        self.files: dict[str, Any] = {}

    def cursor(self, database: Any) -> Any:
        if isinstance(database, (str, os.PathLike)):
            key = _database_key(database)
            if key not in self.files:
                import duckdb

                read_only = key != self.written
                if read_only and not os.path.exists(key):
                    raise BatchInputError(
                        f"batch_predict: the DuckDB file {os.fspath(database)!r} does not exist.")
                self.files[key] = duckdb.connect(key, read_only=read_only)
                self.stack.callback(self.files[key].close)
            database = self.files[key]
        cursor = database.cursor()
        self.stack.callback(cursor.close)
        return cursor


def _database_key(database: Any) -> Any:
    if isinstance(database, (str, os.PathLike)):
        return os.path.realpath(os.fspath(database))
    return database


def _quoted(name: str) -> str:
    return ".".join('"' + part.replace('"', '""') + '"' for part in name.split("."))


class _TableReader:
    def __init__(self, table: Table, columns: list[str], chunk_rows: int,
                 connections: _DuckDBConnections, schema: Mapping[str, str]) -> None:
        import duckdb

        self.table, self.chunk_rows, self.schema = table, chunk_rows, schema
        self.connection = connections.cursor(table.database)
        self.source = _quoted(table.name)
        try:
            probe = self.connection.execute(f"SELECT * FROM {self.source} LIMIT 0")
            self.present = [d[0] for d in probe.description]
            probe.fetchall()  # DuckDB 2 wants every result finished before the next
        except duckdb.CatalogException as error:
            raise BatchInputError(f"batch_predict: no table {table.name!r} in {table}: "
                                  f"{error}") from error
        self.total: int | None = self.connection.execute(
            f"SELECT count(*) FROM {self.source}").fetchall()[0][0]
        self.selected = ", ".join(_quoted(c) for c in columns if c in self.present) or "*"

    def chunks(self) -> Iterator[pd.DataFrame]:
        relation = self.connection.sql(f"SELECT {self.selected} FROM {self.source}")
        # DuckDB 2 names it to_arrow_reader, 1.x record_batch
        stream = getattr(relation, "to_arrow_reader", None) or relation.record_batch
        for batch in stream(self.chunk_rows):
            yield _to_pandas(batch, self.schema)


def _reader(source: Input, columns: list[str], chunk_rows: int,
            connections: _DuckDBConnections, schema: Mapping[str, str]) -> _Reader:
    if isinstance(source, pd.DataFrame):
        return _FrameReader(source, chunk_rows)
    if isinstance(source, Table):
        return _TableReader(source, columns, chunk_rows, connections, schema)
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        suffix = Path(path).suffix.lower()
        if suffix not in FILE_FORMATS:
            raise BatchInputError(f"batch_predict: cannot read {path!r}: input files are "
                                  f"{' or '.join(FILE_FORMATS)} (or give a Table or a DataFrame).")
        if not os.path.exists(path):
            raise BatchInputError(f"batch_predict: the input file {path!r} does not exist.")
        if suffix == ".parquet":
            reader = _ParquetReader(path, columns, chunk_rows, schema)
            connections.stack.callback(reader._file.close)  # also when the run fails first
            return reader
        return _CsvReader(path, columns, chunk_rows, schema)
    raise BatchInputError(f"batch_predict: input= is a .parquet or .csv path, a Table or a "
                          f"DataFrame, not {a_type(source)}.")


# --- writing ------------------------------------------------------------------------------------

class _Writer(Protocol):
    def write(self, frame: pd.DataFrame) -> None: ...

    def commit(self) -> None: ...


class _FrameWriter:
    def __init__(self) -> None:
        self.parts: list[pd.DataFrame] = []
        self.result: pd.DataFrame | None = None

    def write(self, frame: pd.DataFrame) -> None:
        self.parts.append(frame)

    def commit(self) -> None:
        self.result = pd.concat(self.parts, ignore_index=True) if self.parts else None


def _as_first_chunk(table: Any, schema: Any) -> Any:
    """A later chunk's predictions in the first chunk's types (ints with a null become floats),
    or a clear error when they cannot hold them (a fraction in an int column is never rounded)."""
    import pyarrow as pa

    if table.schema.equals(schema):
        return table
    try:
        return table.cast(schema)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as error:
        raise BatchInputError(
            f"batch_predict: a chunk's predictions have types {table.schema} that do "
            f"not fit the first chunk's {schema}: {error}") from error


class _ParquetWriter:
    def __init__(self, temporary: str) -> None:
        self.temporary = temporary
        self._writer: Any = None

    def write(self, frame: pd.DataFrame) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(frame, preserve_index=False)
        if self._writer is None:
            self._writer = pq.ParquetWriter(self.temporary, table.schema)
        else:
            table = _as_first_chunk(table, self._writer.schema)
        self._writer.write_table(table)

    def commit(self) -> None:
        if self._writer is not None:
            self._writer.close()


class _CsvWriter:
    def __init__(self, temporary: str) -> None:
        self.temporary = temporary
        self._first = True

    def write(self, frame: pd.DataFrame) -> None:
        frame.to_csv(self.temporary, mode="w" if self._first else "a", header=self._first,
                     index=False)
        self._first = False

    def commit(self) -> None:
        if self._first:  # never written (batch_predict writes the header of no rows itself)
            Path(self.temporary).write_text("")


class _TableWriter:
    """Fills a table under a temporary name; ``commit`` renames it over the target in one
    transaction, so readers see the old table or the whole new one."""

    def __init__(self, table: Table, stack: ExitStack, connections: _DuckDBConnections) -> None:
        self.table = table
        self.connection = connections.cursor(table.database)
        schema, _, name = table.name.rpartition(".")
        self.final_name = name
        self.temporary = (f"{schema}." if schema else "") + f"_dataflow_batch_{uuid.uuid4().hex}"
        self._created = False
        self._schema: Any = None
        stack.callback(self._drop_temporary)

    def write(self, frame: pd.DataFrame) -> None:
        import pyarrow as pa

        # DuckDB would cast a later chunk into the first chunk's column types itself, rounding
        # fractions into an int column: the chunk is fitted (or refused) as for parquet first
        chunk = pa.Table.from_pandas(frame, preserve_index=False)
        if self._schema is None:
            self._schema = chunk.schema
        else:
            chunk = _as_first_chunk(chunk, self._schema)
        self.connection.register("_dataflow_chunk", chunk)
        try:
            if self._created:
                self.connection.execute(
                    f"INSERT INTO {_quoted(self.temporary)} SELECT * FROM _dataflow_chunk")
            else:
                self.connection.execute(
                    f"CREATE TABLE {_quoted(self.temporary)} AS SELECT * FROM _dataflow_chunk")
                self._created = True
        finally:
            self.connection.unregister("_dataflow_chunk")

    def commit(self) -> None:
        if not self._created:
            raise BatchInputError(f"batch_predict: the input has no rows; {self.table} was "
                                  "left as it was.")
        target = _quoted(self.table.name)
        self.connection.execute("BEGIN TRANSACTION")
        try:
            self.connection.execute(f"DROP TABLE IF EXISTS {target}")
            self.connection.execute(f"ALTER TABLE {_quoted(self.temporary)} RENAME TO "
                                    f"{_quoted(self.final_name)}")
            self.connection.execute("COMMIT")
        except BaseException:
            self.connection.execute("ROLLBACK")
            raise
        self._created = False

    def _drop_temporary(self) -> None:
        if self._created:
            self.connection.execute(f"DROP TABLE IF EXISTS {_quoted(self.temporary)}")


def _writer(target: Output, stack: ExitStack, connections: _DuckDBConnections) -> _Writer:
    if target is None:
        return _FrameWriter()
    if isinstance(target, Table):
        return _TableWriter(target, stack, connections)
    if isinstance(target, (str, os.PathLike)):
        path = os.fspath(target)
        suffix = Path(path).suffix.lower()
        if suffix not in FILE_FORMATS:
            raise BatchInputError(f"batch_predict: cannot write {path!r}: output files are "
                                  f"{' or '.join(FILE_FORMATS)} (or give a Table, or None for "
                                  "a DataFrame).")
        temporary = stack.enter_context(atomic_path(path))
        return _ParquetWriter(temporary) if suffix == ".parquet" else _CsvWriter(temporary)
    raise BatchInputError(f"batch_predict: output= is a .parquet or .csv path, a Table or None, "
                          f"not {a_type(target)}.")


# --- the run ------------------------------------------------------------------------------------

def _progress(total: int | None, show: bool | None) -> Any:
    """A tqdm bar over rows that appears only after two seconds (long runs), or nothing."""
    if show is False:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm(total=total, unit="rows", unit_scale=True, desc="batch_predict",
                delay=0 if show else 2.0)


def _predictions(model: LoadedModel, chunk: pd.DataFrame, keep: Sequence[str]) -> pd.DataFrame:
    """The model's output for ``chunk`` as columns, after the ``keep`` columns of the input."""
    kind, output = describe.output_frame(model(chunk))
    if kind == "scalar" or len(output) != len(chunk):
        raise DataflowError(
            f"batch_predict: model {model.envelope.id} returned {len(output)} row(s) for a chunk "
            f"of {len(chunk)}; a batch model returns one prediction per input row.")
    output = output.reset_index(drop=True)
    if not keep:
        return output
    clash = [c for c in keep if c in output.columns]
    if clash:
        raise DataflowError(f"batch_predict: keep_columns {clash} clash with the model's "
                            f"output columns {list(output.columns)}.")
    kept = chunk[list(keep)].reset_index(drop=True)
    return pd.concat([kept, output], axis=1)


def _no_predictions(model: LoadedModel, keep: Sequence[str]) -> pd.DataFrame:
    """The frame of predictions of no rows: the ``keep`` columns, then the model's output
    columns, typed as saved."""
    schema = model.envelope.input_schema
    columns = {name: pd.Series(dtype=schema.get(name, "object")) for name in keep}
    columns.update((name, pd.Series(dtype=dtype))
                   for name, dtype in model.envelope.output_schema.items())
    return pd.DataFrame(columns)


def batch_predict(query: str | Query | Mapping[str, TagValues] | None = None, *,
                  input: Input, output: Output = None, chunk_rows: int = DEFAULT_CHUNK_ROWS,
                  keep_columns: Sequence[str] = (), registry: Registry | None = None,
                  model: int | None = None, progress: bool | None = None,
                  **tags: TagValues) -> BatchRun:
    """Score ``input`` with the latest model the tag query selects and write ``output``.

    ``input``: a ``.parquet`` or ``.csv`` path, a :class:`Table` of a DuckDB file, or a
    DataFrame. ``output``: the same kinds of target (written atomically), or ``None`` to get the
    predictions back in :attr:`BatchRun.predictions`. ``keep_columns``: input columns copied
    beside the predictions (ids, dates). ``model=id`` pins a model instead of a query.

    Each chunk of ``chunk_rows`` rows is checked against the model's stored input schema (a
    missing or mistyped column is named), predicted and written before the next is read. The
    run is returned and logged on the model as the structured metric ``batch_run``, so
    ``registry.metrics(names=["batch_run"])`` lists what ran, on what, when.
    """
    from dataflow.envelope.model import registry_of

    if not isinstance(chunk_rows, int) or isinstance(chunk_rows, bool) or chunk_rows < 1:
        raise DataflowError(f"batch_predict: chunk_rows must be a positive int, not "
                            f"{chunk_rows!r}.")
    if isinstance(keep_columns, str):
        raise DataflowError(f"batch_predict: keep_columns is a list of column names; write "
                            f"keep_columns=[{keep_columns!r}].")
    registry = registry_of(None, registry)
    selected = query_from(query, **tags)
    if model is None:
        if not selected.clauses:
            raise DataflowError("batch_predict: give a tag query (query= or tags) or model=id; "
                                "scoring with whatever model is newest is never what you want.")
        found = registry.find(selected, latest=True)
        if not found:
            raise DataflowError(f"batch_predict: no model matches {format_query(selected)!r} "
                                f"in {registry!r}{_why_nothing_matches(registry, selected)}.")
        model = found[0].id
    loaded = registry.load(model)
    if selected.clauses and not selected.matches(loaded.envelope.tags):
        # the run is logged with its query: a pinned model the query does not select would be
        # recorded as selected by it
        raise DataflowError(
            f"batch_predict: model {loaded.envelope.id} does not match the query "
            f"{format_query(selected)!r} (its tags: {loaded.envelope.tags}); give model=id "
            "or a query, or a query the model matches.")
    columns = list(dict.fromkeys([*loaded.envelope.input_schema, *keep_columns]))
    started, clock = dt.datetime.now(dt.timezone.utc), time.perf_counter()
    rows = chunks = 0
    with ExitStack() as stack:
        connections = _DuckDBConnections(
            stack, output.database if isinstance(output, Table) else None)
        writer = _writer(output, stack, connections)
        reader = _reader(input, columns, chunk_rows, connections, loaded.envelope.input_schema)
        _check_columns(loaded, reader.present, keep_columns, input)
        bar = _progress(reader.total, progress)
        if bar is not None:
            stack.callback(bar.close)
        for chunk in reader.chunks():
            if chunk.empty:  # an empty file's one chunk has no types to check
                continue
            writer.write(_predictions(loaded, chunk, keep_columns))
            rows += len(chunk)
            chunks += 1
            if bar is not None:
                bar.update(len(chunk))
        if not chunks and isinstance(writer, (_ParquetWriter, _CsvWriter, _FrameWriter)):
            # no rows: a parquet file (a CSV header, a frame) with the columns a run writes,
            # typed from the schemas the envelope records, not an empty (corrupt) file or None
            writer.write(_no_predictions(loaded, keep_columns))
        writer.commit()
    run = BatchRun(model_id=loaded.envelope.id, query=format_query(selected),
                   input=_describe(input), output=_describe(output), rows=rows, chunks=chunks,
                   started_at=started, finished_at=dt.datetime.now(dt.timezone.utc),
                   seconds=round(time.perf_counter() - clock, 6),
                   predictions=writer.result if isinstance(writer, _FrameWriter) else None)
    if registry.read_only:  # a scoring job may only read the registry: the output is what counts
        log.warning("batch_predict: the run of model %s is not logged: the registry at %s is "
                    "read-only to this process", run.model_id, registry.location)
    else:
        registry.log_metrics(run.model_id, **{BATCH_METRIC: run.record()})
    return run


def _why_nothing_matches(registry: Registry, query: Query) -> str:
    """The clauses no model matches on their own, with a did-you-mean among the tag keys or
    values the registry holds."""
    from sqlalchemy import select

    from dataflow.envelope import tables

    reasons = []
    with registry._read() as connection:
        keys = list(connection.execute(select(tables.tags.c.key).distinct()).scalars())
        for clause in query.clauses:
            if clause.key not in keys:
                hint = close_names(clause.key, keys)
                reasons.append(f"no model has a tag {clause.key!r}"
                               + (f" (did you mean {' or '.join(map(repr, hint))}?)"
                                  if hint else ""))
                continue
            known = sorted(connection.execute(select(tables.tags.c.value).distinct().where(
                tables.tags.c.key == clause.key)).scalars())
            if any(value in known for value in clause.values):
                continue
            hints = dict.fromkeys(h for value in clause.values for h in close_names(value, known))
            reasons.append(f"no model has {clause.key}={' or '.join(clause.values)}"
                           + (f" (did you mean {' or '.join(map(repr, hints))}?)" if hints
                              else f" (its values: {', '.join(known[:10])}"
                              + (", ..." if len(known) > 10 else "") + ")"))
    return ": " + "; ".join(reasons) if reasons else ""


def _check_columns(model: LoadedModel, present: list[str], keep_columns: Sequence[str],
                   source: Input) -> None:
    """Before anything is read: every column the model and ``keep_columns`` need is in the
    input (a did-you-mean among the input's columns for each missing one)."""
    problems = []
    for column in [*model.envelope.input_schema, *keep_columns]:
        if column not in present:
            hint = close_names(column, present)
            role = "the model's input" if column in model.envelope.input_schema else "keep_columns"
            problems.append(f"{column!r} ({role})"
                            + (f" — did you mean {' or '.join(map(repr, hint))}?" if hint else ""))
    if problems:
        raise InputSchemaError(
            f"batch_predict with model {model.envelope.id} ({model.envelope.description!r}): "
            f"the input {_describe(source)} lacks column(s) " + "; ".join(problems)
            + f". Its columns: {present}.")


def _describe(target: Input | Output) -> str:
    if target is None:
        return "DataFrame (returned)"
    if isinstance(target, pd.DataFrame):
        return f"DataFrame ({len(target)} rows)"
    if isinstance(target, (str, os.PathLike)):
        return os.path.abspath(os.fspath(target))
    return str(target)


__all__ = ["BATCH_METRIC", "BatchInputError", "BatchRun", "Table", "batch_predict"]
