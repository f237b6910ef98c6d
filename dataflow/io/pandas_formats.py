"""pandas formats: ``csv``, ``parquet``, ``feather``, ``json``, ``pickle``, ``excel`` (with
openpyxl) and ``sql`` (any DB-API connection). pandas is imported only when one of them loads
or saves: ``import dataflow.io`` does not import it.

Parameters keep Hamilton's names and defaults (readers return pandas' nullable dtypes,
``dtype_backend="numpy_nullable"``, as Hamilton's do); an option set to ``None`` uses pandas' own
default.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import Sequence
from typing import Any

from dataflow.io.data_adapters import DataLoader, DataSaver
from dataflow.io.utils import atomic_path, get_dataframe_metadata, get_file_metadata, loaded_class
from dataflow.io.utils import get_sql_metadata as _sql_metadata

_NOT_PANDAS_OPTIONS = ("path", "filepath_or_buffer", "db_connection", "query_or_table",
                       "table_name", "sheet_name", "extra_kwargs")


class _PandasFrameAdapter:
    """Shared by the pandas adapters: the type, and the pandas options that were set."""

    @classmethod
    def applicable_types(cls) -> Sequence[type]:
        return loaded_class("pandas", "DataFrame")

    @classmethod
    def applicable_type_names(cls) -> list[str]:
        return ["pandas.DataFrame"]

    def _options(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)  # type: ignore
                if f.name not in _NOT_PANDAS_OPTIONS and getattr(self, f.name) is not None}


def _load_file(reader: Any, path: Any, options: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    frame = reader(path, **options)
    return frame, {**get_file_metadata(path), **get_dataframe_metadata(frame)}


def _save_file(frame: Any, path: Any, write: Any) -> dict[str, Any]:
    with atomic_path(path) as temporary:
        write(temporary)
    return {**get_file_metadata(path), **get_dataframe_metadata(frame)}


@dataclasses.dataclass
class PandasCSVReader(_PandasFrameAdapter, DataLoader):
    path: str | os.PathLike[str]
    dtype_backend: Any = "numpy_nullable"
    sep: Any = None
    delimiter: Any = None
    header: Any = None
    names: Any = None
    index_col: Any = None
    usecols: Any = None
    dtype: Any = None
    engine: Any = None
    converters: Any = None
    true_values: Any = None
    false_values: Any = None
    skipinitialspace: Any = None
    skiprows: Any = None
    skipfooter: Any = None
    nrows: Any = None
    na_values: Any = None
    keep_default_na: Any = None
    na_filter: Any = None
    skip_blank_lines: Any = None
    parse_dates: Any = None
    date_format: Any = None
    dayfirst: Any = None
    cache_dates: Any = None
    compression: Any = None
    thousands: Any = None
    decimal: Any = None
    lineterminator: Any = None
    quotechar: Any = None
    quoting: Any = None
    doublequote: Any = None
    escapechar: Any = None
    comment: Any = None
    encoding: Any = None
    encoding_errors: Any = None
    dialect: Any = None
    on_bad_lines: Any = None
    low_memory: Any = None
    memory_map: Any = None
    float_precision: Any = None

    @classmethod
    def name(cls) -> str:
        return "csv"

    def load_data(self, type_: type) -> tuple[Any, dict[str, Any]]:
        import pandas as pd

        return _load_file(pd.read_csv, self.path, self._options())


@dataclasses.dataclass
class PandasCSVWriter(_PandasFrameAdapter, DataSaver):
    path: str | os.PathLike[str]
    index: Any = False
    sep: Any = None
    na_rep: Any = None
    float_format: Any = None
    columns: Any = None
    header: Any = None
    index_label: Any = None
    encoding: Any = None
    compression: Any = None
    quoting: Any = None
    quotechar: Any = None
    lineterminator: Any = None
    chunksize: Any = None
    date_format: Any = None
    doublequote: Any = None
    escapechar: Any = None
    decimal: Any = None
    errors: Any = None

    @classmethod
    def name(cls) -> str:
        return "csv"

    def save_data(self, data: Any) -> dict[str, Any]:
        return _save_file(data, self.path, lambda tmp: data.to_csv(tmp, **self._options()))


@dataclasses.dataclass
class PandasParquetReader(_PandasFrameAdapter, DataLoader):
    path: str | os.PathLike[str]
    dtype_backend: Any = "numpy_nullable"
    engine: Any = None
    columns: Any = None
    filters: Any = None

    @classmethod
    def name(cls) -> str:
        return "parquet"

    def load_data(self, type_: type) -> tuple[Any, dict[str, Any]]:
        import pandas as pd

        return _load_file(pd.read_parquet, self.path, self._options())


@dataclasses.dataclass
class PandasParquetWriter(_PandasFrameAdapter, DataSaver):
    path: str | os.PathLike[str]
    extra_kwargs: Any = None
    engine: Any = None
    compression: Any = None
    index: Any = None

    @classmethod
    def name(cls) -> str:
        return "parquet"

    def save_data(self, data: Any) -> dict[str, Any]:
        options = {**self._options(), **(self.extra_kwargs or {})}
        return _save_file(data, self.path, lambda tmp: data.to_parquet(tmp, **options))


@dataclasses.dataclass
class PandasFeatherReader(_PandasFrameAdapter, DataLoader):
    path: str | os.PathLike[str]
    dtype_backend: Any = "numpy_nullable"
    columns: Any = None
    use_threads: Any = None

    @classmethod
    def name(cls) -> str:
        return "feather"

    def load_data(self, type_: type) -> tuple[Any, dict[str, Any]]:
        import pandas as pd

        return _load_file(pd.read_feather, self.path, self._options())


@dataclasses.dataclass
class PandasFeatherWriter(_PandasFrameAdapter, DataSaver):
    path: str | os.PathLike[str]
    compression: Any = None
    compression_level: Any = None
    chunksize: Any = None
    version: Any = None

    @classmethod
    def name(cls) -> str:
        return "feather"

    def save_data(self, data: Any) -> dict[str, Any]:
        return _save_file(data, self.path, lambda tmp: data.to_feather(tmp, **self._options()))


@dataclasses.dataclass
class PandasJsonReader(_PandasFrameAdapter, DataLoader):
    filepath_or_buffer: str | os.PathLike[str]
    compression: Any = None
    convert_axes: Any = None
    convert_dates: Any = None
    date_unit: Any = None
    dtype: Any = None
    dtype_backend: Any = None
    encoding: Any = None
    encoding_errors: Any = None
    engine: Any = None
    keep_default_dates: Any = None
    lines: Any = None
    nrows: Any = None
    orient: Any = None
    precise_float: Any = None
    typ: Any = None

    @classmethod
    def name(cls) -> str:
        return "json"

    def load_data(self, type_: type) -> tuple[Any, dict[str, Any]]:
        import pandas as pd

        return _load_file(pd.read_json, self.filepath_or_buffer, self._options())


@dataclasses.dataclass
class PandasJsonWriter(_PandasFrameAdapter, DataSaver):
    filepath_or_buffer: str | os.PathLike[str]
    indent: Any = 0
    compression: Any = None
    date_format: Any = None
    date_unit: Any = None
    default_handler: Any = None
    double_precision: Any = None
    force_ascii: Any = None
    index: Any = None
    lines: Any = None
    orient: Any = None

    @classmethod
    def name(cls) -> str:
        return "json"

    def save_data(self, data: Any) -> dict[str, Any]:
        return _save_file(data, self.filepath_or_buffer,
                          lambda tmp: data.to_json(tmp, **self._options()))


@dataclasses.dataclass
class PandasPickleReader(_PandasFrameAdapter, DataLoader):
    """Unpickling runs code from the file: load only files your own pipeline wrote."""

    path: str | os.PathLike[str]
    compression: Any = None

    @classmethod
    def name(cls) -> str:
        return "pickle"

    def load_data(self, type_: type) -> tuple[Any, dict[str, Any]]:
        import pandas as pd

        return _load_file(pd.read_pickle, self.path, self._options())


@dataclasses.dataclass
class PandasPickleWriter(_PandasFrameAdapter, DataSaver):
    path: str | os.PathLike[str]
    compression: Any = None
    protocol: Any = None

    @classmethod
    def name(cls) -> str:
        return "pickle"

    def save_data(self, data: Any) -> dict[str, Any]:
        return _save_file(data, self.path, lambda tmp: data.to_pickle(tmp, **self._options()))


@dataclasses.dataclass
class PandasExcelReader(_PandasFrameAdapter, DataLoader):
    """Needs openpyxl (``pip install dataflow[excel]``)."""

    path: str | os.PathLike[str]
    sheet_name: Any = 0
    dtype_backend: Any = "numpy_nullable"
    header: Any = None
    names: Any = None
    index_col: Any = None
    usecols: Any = None
    dtype: Any = None
    engine: Any = None
    converters: Any = None
    true_values: Any = None
    false_values: Any = None
    skiprows: Any = None
    nrows: Any = None
    keep_default_na: Any = None
    na_filter: Any = None
    parse_dates: Any = None
    date_format: Any = None
    thousands: Any = None
    decimal: Any = None
    comment: Any = None
    skipfooter: Any = None
    engine_kwargs: Any = None

    @classmethod
    def name(cls) -> str:
        return "excel"

    def load_data(self, type_: type) -> tuple[Any, dict[str, Any]]:
        import pandas as pd

        return _load_file(pd.read_excel, self.path,
                          {"sheet_name": self.sheet_name, **self._options()})


@dataclasses.dataclass
class PandasExcelWriter(_PandasFrameAdapter, DataSaver):
    """Needs openpyxl (``pip install dataflow[excel]``)."""

    path: str | os.PathLike[str]
    sheet_name: Any = "Sheet1"
    index: Any = True
    na_rep: Any = None
    float_format: Any = None
    columns: Any = None
    header: Any = None
    index_label: Any = None
    startrow: Any = None
    startcol: Any = None
    engine: Any = None
    merge_cells: Any = None
    inf_rep: Any = None
    freeze_panes: Any = None
    engine_kwargs: Any = None
    datetime_format: Any = None
    date_format: Any = None

    @classmethod
    def name(cls) -> str:
        return "excel"

    def save_data(self, data: Any) -> dict[str, Any]:
        return _save_file(data, self.path, lambda tmp: data.to_excel(
            tmp, sheet_name=self.sheet_name, **self._options()))


@dataclasses.dataclass
class PandasSqlReader(_PandasFrameAdapter, DataLoader):
    """``from_.sql(query_or_table=..., db_connection=conn)``: a query's rows (or a whole
    table's) as a DataFrame, through any DB-API 2 connection (sqlite3, DuckDB, psycopg...).
    ``params`` are passed to ``cursor.execute``."""

    query_or_table: str
    db_connection: Any
    params: Any = None

    @classmethod
    def name(cls) -> str:
        return "sql"

    def load_data(self, type_: type) -> tuple[Any, dict[str, Any]]:
        import pandas as pd

        _check_connection(self.db_connection, "from_.sql")
        text = self.query_or_table.strip()
        query = text if " " in text else f"SELECT * FROM {_quoted(text)}"
        cursor = self.db_connection.cursor()
        try:
            if self.params is None:
                cursor.execute(query)
            else:
                cursor.execute(query, self.params)
            rows = cursor.fetchall()
            columns = [d[0] for d in cursor.description]
        finally:
            cursor.close()
        frame = pd.DataFrame.from_records(rows, columns=columns)
        return frame, {**_sql_metadata(text, len(frame)), **get_dataframe_metadata(frame)}


@dataclasses.dataclass
class PandasSqlWriter(_PandasFrameAdapter, DataSaver):
    """``to.sql(table_name=..., db_connection=conn, if_exists="fail")``: a DataFrame into a
    table through any DB-API 2 connection, in one transaction (committed at the end, rolled
    back on error, so a failed write leaves the table as it was). ``if_exists``: ``"fail"``,
    ``"replace"`` or ``"append"``."""

    table_name: str
    db_connection: Any
    if_exists: str = "fail"
    index: bool = True

    @classmethod
    def name(cls) -> str:
        return "sql"

    def save_data(self, data: Any) -> dict[str, Any]:
        if self.if_exists not in ("fail", "replace", "append"):
            raise ValueError(f"to.sql: if_exists={self.if_exists!r}; use 'fail', 'replace' or "
                             "'append'.")
        _check_connection(self.db_connection, "to.sql")
        frame = data.reset_index() if self.index else data
        table = _quoted(self.table_name)
        connection = self.db_connection
        cursor = connection.cursor()
        try:
            exists = _table_exists(cursor, self.table_name)
            began = _begin(connection, cursor)  # DDL included: a failed replace keeps the table
            if exists and self.if_exists == "fail":
                raise ValueError(f"to.sql: table {self.table_name!r} already exists; pass "
                                 "if_exists='replace' or 'append'.")
            if exists and self.if_exists == "replace":
                cursor.execute(f"DROP TABLE {table}")
            if not exists or self.if_exists == "replace":
                columns = ", ".join(f"{_quoted(str(c))} {_sql_type(t)}"
                                    for c, t in zip(frame.columns, frame.dtypes))
                cursor.execute(f"CREATE TABLE {table} ({columns})")
            marks = ", ".join("?" for _ in frame.columns)
            rows = [tuple(_python_value(v) for v in row)
                    for row in frame.itertuples(index=False, name=None)]
            if rows:
                cursor.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
            if began:  # on the cursor: a DuckDB cursor has its own transaction
                cursor.execute("COMMIT")
            else:
                connection.commit()
        except BaseException:
            with contextlib.suppress(Exception):
                if began:
                    cursor.execute("ROLLBACK")
                else:
                    connection.rollback()
            raise
        finally:
            cursor.close()
        return {**_sql_metadata(self.table_name, len(frame)), **get_dataframe_metadata(frame)}


def _check_connection(connection: Any, where: str) -> None:
    if isinstance(connection, str) or not callable(getattr(connection, "cursor", None)):
        raise TypeError(
            f"{where}: db_connection must be a DB-API connection (sqlite3.connect(...), "
            f"duckdb.connect(...), psycopg.connect(...)); got {connection!r}. dataflow does not "
            "use SQLAlchemy, so a URL string is not accepted.")


def _begin(connection: Any, cursor: Any) -> bool:
    """Open a transaction explicitly: sqlite3 would otherwise commit ``DROP``/``CREATE`` at
    once and DuckDB autocommits every statement. Drivers already inside a transaction
    (psycopg) refuse or ignore it, which is what we want."""
    if getattr(connection, "in_transaction", False):
        return False
    try:
        cursor.execute("BEGIN TRANSACTION")
    except Exception:  # already in one: commit through the connection
        return False
    return True


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _table_exists(cursor: Any, table: str) -> bool:
    for probe in (f"SELECT * FROM {_quoted(table)} WHERE 1 = 0",):
        try:
            cursor.execute(probe)
            cursor.fetchall()
            return True
        except Exception:
            return False
    return False


def _sql_type(dtype: Any) -> str:
    kind = getattr(dtype, "kind", "O")
    return {"i": "BIGINT", "u": "BIGINT", "f": "DOUBLE PRECISION", "b": "BOOLEAN",
            "M": "TIMESTAMP"}.get(kind, "TEXT")


def _python_value(item: Any) -> Any:
    """numpy scalars → Python ones (DB-API drivers take only the latter); NaN/NaT → NULL."""
    if item is None:
        return None
    try:
        if item != item:  # NaN, NaT
            return None
    except (TypeError, ValueError):
        pass
    if hasattr(item, "to_pydatetime"):
        return item.to_pydatetime()
    if hasattr(item, "item"):
        return item.item()
    return item


ADAPTERS: tuple[type[Any], ...] = (
    PandasCSVReader, PandasCSVWriter, PandasParquetReader, PandasParquetWriter,
    PandasFeatherReader, PandasFeatherWriter, PandasJsonReader, PandasJsonWriter,
    PandasPickleReader, PandasPickleWriter, PandasExcelReader, PandasExcelWriter,
    PandasSqlReader, PandasSqlWriter,
)
