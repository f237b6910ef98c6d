"""polars formats: ``csv``, ``parquet``, ``feather`` (also ``ipc``), ``json``, ``ndjson``,
``avro``, ``spreadsheet`` and ``database`` for ``polars.DataFrame`` nodes, and ``scan_*`` loaders
(``csv``, ``parquet``, ``feather``/``ipc``, ``ndjson``) for ``polars.LazyFrame`` nodes.

They share the format names of the pandas formats: the type of the node picks the adapter, so
``from_.parquet(target="sales", path=...)`` reads a ``pl.DataFrame`` when ``sales`` is annotated
``-> pl.DataFrame`` and a ``pd.DataFrame`` when it is annotated ``-> pd.DataFrame``. polars is
imported only when one of them loads or saves (as in Hamilton's
``hamilton.plugins.polars_extensions``, nothing has to be imported to register them).

The file is named by ``path=`` (as for pandas) or by Hamilton's own name for it (``file=``,
``source=``, ``workbook=``). Other parameters are polars' own (current names); one left ``None``
uses polars' default. Savers write through :func:`dataflow.io.utils.atomic_path`; a ``LazyFrame``
is collected, then written. ``spreadsheet`` writing needs xlsxwriter; ``database`` takes a DB-API
connection (sqlite3, DuckDB, psycopg) and writes as ``to.sql`` does, in one transaction.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from typing import Any

from dataflow.io.data_adapters import DataLoader, DataSaver
from dataflow.io.utils import (
    DATAFRAME_METADATA,
    METADATA_VERSION,
    atomic_path,
    get_dataframe_metadata,
    get_file_metadata,
    loaded_class,
)
from dataflow.io.utils import get_sql_metadata as _sql_metadata

_LOCATIONS = ("path", "file", "source", "workbook")
_NOT_OPTIONS = (*_LOCATIONS, "query", "connection", "table_name", "if_table_exists")


class _PolarsAdapter:
    """Shared by the polars adapters: the types, the file location, the options that were set."""

    _types: tuple[str, ...] = ("DataFrame",)
    _call = ""
    """The ``polars`` function (loaders) or ``DataFrame`` method (savers) that does the work."""
    _format = ""
    """The format's name: ``from_.<name>`` / ``to.<name>``."""

    @classmethod
    def name(cls) -> str:
        return cls._format

    @classmethod
    def applicable_types(cls) -> Sequence[type]:
        return [t for name in cls._types for t in loaded_class("polars", name)]

    @classmethod
    def applicable_type_names(cls) -> list[str]:
        return [f"polars.{name}" for name in cls._types]

    @classmethod
    def required_one_of(cls) -> tuple[str, ...]:
        """The names the file may be given under; one of them is required (checked when the
        materializer is made, as required parameters are)."""
        fields = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        return tuple(name for name in _LOCATIONS if name in fields)

    def _location(self) -> Any:
        given = [(f, getattr(self, f)) for f in _LOCATIONS
                 if hasattr(self, f) and getattr(self, f) is not None]
        names = [f for f in _LOCATIONS if hasattr(self, f)]
        if len(given) != 1:
            what = "none" if not given else " and ".join(f"{f}=" for f, _ in given)
            raise TypeError(
                f"{type(self).__qualname__}: give the file as exactly one of "
                f"{', '.join(f'{n}=' for n in names)} (got {what}).")
        return given[0][1]

    def _options(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)  # type: ignore
                if f.name not in _NOT_OPTIONS and getattr(self, f.name) is not None}


def _frame_metadata(frame: Any) -> dict[str, Any]:
    """:func:`get_dataframe_metadata` of a DataFrame; of a LazyFrame, its schema only (rows:
    ``None``, nothing is computed)."""
    if type(frame).__name__ != "LazyFrame":
        return get_dataframe_metadata(frame)
    schema = frame.collect_schema()
    return {DATAFRAME_METADATA: {
        "__version__": METADATA_VERSION, "rows": None, "columns": len(schema),
        "column_names": list(schema.names()), "datatypes": [str(t) for t in schema.dtypes()]}}


class _PolarsReader(_PolarsAdapter, DataLoader):
    def load_data(self, type_: type) -> tuple[Any, dict[str, Any]]:
        import polars as pl

        path = self._location()
        frame = getattr(pl, self._call)(path, **self._options())
        return frame, {**get_file_metadata(path), **_frame_metadata(frame)}


class _PolarsWriter(_PolarsAdapter, DataSaver):
    _types = ("DataFrame", "LazyFrame")

    def save_data(self, data: Any) -> dict[str, Any]:
        path = self._location()
        frame = data.collect() if type(data).__name__ == "LazyFrame" else data
        with atomic_path(path) as temporary:
            self._write(frame, temporary)
        return {**get_file_metadata(path), **get_dataframe_metadata(frame)}

    def _write(self, frame: Any, temporary: str) -> None:
        getattr(frame, self._call)(temporary, **self._options())


class _PolarsScanner(_PolarsReader):
    """A ``LazyFrame`` loader: the file is scanned, not read (the metadata has its schema)."""

    _types = ("LazyFrame",)


_Path = str | os.PathLike[str] | None


# -- parameter blocks: where the file is, and the options polars' functions for a format share --
# The file may be given by position; every option is keyword-only, since the shared blocks put the
# options in an order of their own (neither polars' nor Hamilton's).

@dataclasses.dataclass
class _PathOrFile:
    path: _Path = None
    file: _Path = None


@dataclasses.dataclass
class _PathOrSource:
    path: _Path = None
    source: _Path = None


@dataclasses.dataclass(kw_only=True)
class _Uncompressed(_PathOrFile):
    compression: Any = "uncompressed"


@dataclasses.dataclass(kw_only=True)
class _CSVOptions(_PathOrFile):
    """What ``polars.read_csv`` and ``polars.scan_csv`` both take."""

    has_header: Any = None
    new_columns: Any = None
    separator: Any = None
    comment_prefix: Any = None
    quote_char: Any = None
    skip_rows: Any = None
    schema: Any = None
    schema_overrides: Any = None
    null_values: Any = None
    missing_utf8_is_empty_string: Any = None
    ignore_errors: Any = None
    try_parse_dates: Any = None
    infer_schema_length: Any = None
    n_rows: Any = None
    encoding: Any = None
    low_memory: Any = None
    rechunk: Any = None
    skip_rows_after_header: Any = None
    row_index_name: Any = None
    row_index_offset: Any = None
    eol_char: Any = None
    raise_if_empty: Any = None


@dataclasses.dataclass(kw_only=True)
class _ParquetOptions(_PathOrFile):
    """What ``polars.read_parquet`` and ``polars.scan_parquet`` both take."""

    n_rows: Any = None
    row_index_name: Any = None
    row_index_offset: Any = None
    parallel: Any = None
    use_statistics: Any = None
    rechunk: Any = None
    low_memory: Any = None
    storage_options: Any = None


@dataclasses.dataclass(kw_only=True)
class _IPCOptions(_PathOrSource):
    """What ``polars.read_ipc`` and ``polars.scan_ipc`` both take."""

    n_rows: Any = None
    rechunk: Any = None
    row_index_name: Any = None
    row_index_offset: Any = None
    storage_options: Any = None


@dataclasses.dataclass(kw_only=True)
class _JSONOptions(_PathOrSource):
    """What ``polars.read_json``, ``read_ndjson`` and ``scan_ndjson`` all take."""

    schema: Any = None
    schema_overrides: Any = None


@dataclasses.dataclass(kw_only=True)
class PolarsCSVReader(_PolarsReader, _CSVOptions):
    """``from_.csv(path=...)`` into a ``pl.DataFrame`` (``polars.read_csv``)."""

    columns: Any = None
    n_threads: Any = None
    batch_size: Any = None
    use_pyarrow: Any = None
    storage_options: Any = None
    sample_size: Any = None
    _call, _format = "read_csv", "csv"


@dataclasses.dataclass(kw_only=True)
class PolarsCSVWriter(_PolarsWriter, _PathOrFile):
    """``to.csv(path=...)`` of a ``pl.DataFrame`` / ``pl.LazyFrame`` (``write_csv``)."""

    include_header: Any = None
    separator: Any = None
    line_terminator: Any = None
    quote_char: Any = None
    batch_size: Any = None
    datetime_format: Any = None
    date_format: Any = None
    time_format: Any = None
    float_precision: Any = None
    null_value: Any = None
    quote_style: Any = None
    _call, _format = "write_csv", "csv"


@dataclasses.dataclass(kw_only=True)
class PolarsParquetReader(_PolarsReader, _ParquetOptions):
    """``from_.parquet(path=...)`` into a ``pl.DataFrame`` (``polars.read_parquet``)."""

    columns: Any = None
    use_pyarrow: Any = None
    memory_map: Any = None
    pyarrow_options: Any = None
    _call, _format = "read_parquet", "parquet"


@dataclasses.dataclass(kw_only=True)
class PolarsParquetWriter(_PolarsWriter, _PathOrFile):
    """``to.parquet(path=...)`` (``write_parquet``; zstd-compressed, as polars' default)."""

    compression: Any = None
    compression_level: Any = None
    statistics: Any = None
    row_group_size: Any = None
    use_pyarrow: Any = None
    pyarrow_options: Any = None
    _call, _format = "write_parquet", "parquet"


@dataclasses.dataclass(kw_only=True)
class PolarsFeatherReader(_PolarsReader, _IPCOptions):
    """``from_.feather(path=...)`` (Arrow IPC; ``polars.read_ipc``)."""

    columns: Any = None
    use_pyarrow: Any = None
    memory_map: Any = None
    _call, _format = "read_ipc", "feather"


@dataclasses.dataclass(kw_only=True)
class PolarsFeatherWriter(_PolarsWriter, _Uncompressed):
    """``to.feather(path=...)`` (Arrow IPC; ``write_ipc``)."""

    _call, _format = "write_ipc", "feather"


@dataclasses.dataclass(kw_only=True)
class PolarsIPCReader(PolarsFeatherReader):
    """``from_.ipc(path=...)``: :class:`PolarsFeatherReader` under polars' name."""
    _format = "ipc"


@dataclasses.dataclass(kw_only=True)
class PolarsIPCWriter(PolarsFeatherWriter):
    """``to.ipc(path=...)``: :class:`PolarsFeatherWriter` under polars' name."""
    _format = "ipc"


@dataclasses.dataclass(kw_only=True)
class PolarsJSONReader(_PolarsReader, _JSONOptions):
    """``from_.json(path=...)``: a JSON array of row objects (``polars.read_json``)."""

    _call, _format = "read_json", "json"


@dataclasses.dataclass(kw_only=True)
class PolarsJSONWriter(_PolarsWriter, _PathOrFile):
    """``to.json(path=...)``: a JSON array of row objects (``write_json``)."""

    _call, _format = "write_json", "json"


@dataclasses.dataclass(kw_only=True)
class PolarsNDJSONReader(_PolarsReader, _JSONOptions):
    """``from_.ndjson(path=...)``: one JSON object per line (``polars.read_ndjson``)."""

    _call, _format = "read_ndjson", "ndjson"


@dataclasses.dataclass(kw_only=True)
class PolarsNDJSONWriter(_PolarsWriter, _PathOrFile):
    """``to.ndjson(path=...)``: one JSON object per line (``write_ndjson``)."""

    _call, _format = "write_ndjson", "ndjson"


@dataclasses.dataclass(kw_only=True)
class PolarsAvroReader(_PolarsReader, _PathOrFile):
    """``from_.avro(path=...)`` (``polars.read_avro``)."""

    columns: Any = None
    n_rows: Any = None
    _call, _format = "read_avro", "avro"


@dataclasses.dataclass(kw_only=True)
class PolarsAvroWriter(_PolarsWriter, _Uncompressed):
    """``to.avro(path=...)`` (``write_avro``)."""

    _call, _format = "write_avro", "avro"


@dataclasses.dataclass(kw_only=True)
class PolarsSpreadsheetReader(_PolarsReader, _PathOrSource):
    """``from_.spreadsheet(path=..., sheet_name=...)`` (``polars.read_excel``). The default
    engine is openpyxl (the ``excel`` extra); polars' own default needs fastexcel."""

    sheet_id: Any = None
    sheet_name: Any = None
    engine: Any = "openpyxl"
    engine_options: Any = None
    read_options: Any = None
    schema_overrides: Any = None
    raise_if_empty: Any = None
    _call, _format = "read_excel", "spreadsheet"


@dataclasses.dataclass(kw_only=True)
class PolarsSpreadsheetWriter(_PolarsWriter):
    """``to.spreadsheet(path=..., worksheet=...)`` (``write_excel``; needs xlsxwriter)."""

    path: _Path = None
    workbook: _Path = None
    worksheet: Any = None
    position: Any = None
    table_style: Any = None
    table_name: Any = None
    column_formats: Any = None
    dtype_formats: Any = None
    conditional_formats: Any = None
    header_format: Any = None
    column_totals: Any = None
    column_widths: Any = None
    row_totals: Any = None
    row_heights: Any = None
    sparklines: Any = None
    formulas: Any = None
    float_precision: Any = None
    include_header: Any = None
    autofilter: Any = None
    autofit: Any = None
    hidden_columns: Any = None
    hide_gridlines: Any = None
    sheet_zoom: Any = None
    freeze_panes: Any = None
    _call, _format = "write_excel", "spreadsheet"


@dataclasses.dataclass(kw_only=True)
class PolarsDatabaseReader(_PolarsAdapter, DataLoader):
    """``from_.database(query=..., connection=conn)``: a query's rows through a DB-API
    connection (sqlite3, DuckDB, psycopg; ``polars.read_database``)."""

    query: str
    connection: Any
    iter_batches: Any = None
    batch_size: Any = None
    schema_overrides: Any = None
    infer_schema_length: Any = None
    execute_options: Any = None
    _format = "database"

    def load_data(self, type_: type) -> tuple[Any, dict[str, Any]]:
        import polars as pl

        from dataflow.io.pandas_formats import _check_connection

        _check_connection(self.connection, "from_.database")
        frame = pl.read_database(self.query, self.connection, **self._options())
        return frame, {**_sql_metadata(self.query, frame.height), **_frame_metadata(frame)}


@dataclasses.dataclass(kw_only=True)
class PolarsDatabaseWriter(_PolarsAdapter, DataSaver):
    """``to.database(table_name=..., connection=conn, if_table_exists="fail")``: a frame into
    a table through a DB-API connection, in one transaction (a savepoint inside the caller's),
    exactly as :class:`~dataflow.io.pandas_formats.PandasSqlWriter` (``to.sql``) writes it.
    ``if_table_exists``: ``"fail"``, ``"replace"`` or ``"append"``."""

    table_name: str
    connection: Any
    if_table_exists: str = "fail"
    _types = ("DataFrame", "LazyFrame")
    _format = "database"

    def save_data(self, data: Any) -> dict[str, Any]:
        from dataflow.io.pandas_formats import PandasSqlWriter

        frame = data.collect() if type(data).__name__ == "LazyFrame" else data
        PandasSqlWriter(self.table_name, self.connection, if_exists=self.if_table_exists,
                        index=False).save_data(frame.to_pandas())
        return {**_sql_metadata(self.table_name, frame.height), **get_dataframe_metadata(frame)}


@dataclasses.dataclass(kw_only=True)
class PolarsScanCSVReader(_PolarsScanner, _CSVOptions):
    """``from_.csv(path=...)`` into a ``pl.LazyFrame`` (``polars.scan_csv``)."""

    cache: Any = None
    with_column_names: Any = None
    _call, _format = "scan_csv", "csv"


@dataclasses.dataclass(kw_only=True)
class PolarsScanParquetReader(_PolarsScanner, _ParquetOptions):
    """``from_.parquet(path=...)`` into a ``pl.LazyFrame`` (``polars.scan_parquet``)."""

    hive_partitioning: Any = None
    cache: Any = None
    _call, _format = "scan_parquet", "parquet"


@dataclasses.dataclass(kw_only=True)
class PolarsScanFeatherReader(_PolarsScanner, _IPCOptions):
    """``from_.feather(path=...)`` into a ``pl.LazyFrame`` (``polars.scan_ipc``)."""

    cache: Any = None
    _call, _format = "scan_ipc", "feather"


@dataclasses.dataclass(kw_only=True)
class PolarsScanIPCReader(PolarsScanFeatherReader):
    """``from_.ipc(path=...)`` into a ``pl.LazyFrame``."""
    _format = "ipc"


@dataclasses.dataclass(kw_only=True)
class PolarsScanNDJSONReader(_PolarsScanner, _JSONOptions):
    """``from_.ndjson(path=...)`` into a ``pl.LazyFrame`` (``polars.scan_ndjson``)."""

    infer_schema_length: Any = None
    batch_size: Any = None
    n_rows: Any = None
    low_memory: Any = None
    rechunk: Any = None
    row_index_name: Any = None
    row_index_offset: Any = None
    ignore_errors: Any = None
    _call, _format = "scan_ndjson", "ndjson"


ADAPTERS: tuple[type[Any], ...] = (
    PolarsCSVReader, PolarsCSVWriter, PolarsParquetReader, PolarsParquetWriter,
    PolarsFeatherReader, PolarsFeatherWriter, PolarsIPCReader, PolarsIPCWriter,
    PolarsJSONReader, PolarsJSONWriter, PolarsNDJSONReader, PolarsNDJSONWriter,
    PolarsAvroReader, PolarsAvroWriter, PolarsSpreadsheetReader, PolarsSpreadsheetWriter,
    PolarsDatabaseReader, PolarsDatabaseWriter, PolarsScanCSVReader, PolarsScanParquetReader,
    PolarsScanFeatherReader, PolarsScanIPCReader, PolarsScanNDJSONReader,
)
