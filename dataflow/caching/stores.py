"""Where the cache keeps things: metadata in SQLite, results as files named by their content.

:class:`SQLiteMetadataStore` maps a cache key (node, code version, data versions of its inputs)
to the data version of the result and the format it was written in. The database runs in WAL
mode and every write is one transaction, so a process killed in the middle of a write leaves
the previous state; several processes may share it (SQLite locks; writers wait up to
``timeout`` seconds).

:class:`FileResultStore` writes each result once, under its data version, with
:func:`write_atomically`: a temporary file in the same directory, renamed over the final name.
A reader never sees half a file; a killed writer leaves at most a stray temporary file, which is
never read. The result is written before its metadata, so metadata never names a result that is
not there; a result file lost later (deleted by hand) is a miss and the node is recomputed.
Where the machine has a boot id (:func:`boot_id`), files are not fsynced: the row records the
boot, and a result read in a later boot is first checked
(:meth:`FileResultStore.get_checked`), since a power cut may have left it torn; elsewhere each
file is fsynced before its rename.

Results read back from ``pickle`` files run code when loaded, as any pickle does: a cache
directory must only ever hold files this cache wrote (your own directory, never one shared
with people you do not trust).
"""

from __future__ import annotations

import contextlib
import functools
import mmap
import os
import pickle
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Collection, Iterator
from pathlib import Path
from typing import Any, NamedTuple

from dataflow.errors import DataflowError

__all__ = ["FORMATS", "FileResultStore", "ResultChanged", "SQLiteMetadataStore", "StoredResult",
           "boot_id", "write_atomically"]

SCHEMA_VERSION = 2
TEMP_PREFIX = ".tmp-"


def write_atomically(path: Path, write: Callable[[Any], None], *,
                     sync_directory: bool = True, fsync: bool = True) -> None:
    """Create ``path`` with ``write(file)`` so that it appears whole or not at all, to every
    process, even if this one is killed (a temporary file renamed over ``path``).
    ``fsync=True`` also makes its content durable before the rename (a power cut then
    leaves the old file or the whole new one); ``sync_directory=False``: the caller fsyncs the
    directory once for many files."""
    temp = path.with_name(f"{TEMP_PREFIX}{uuid.uuid4().hex}-{path.name}")
    try:
        with open(temp, "wb") as handle:
            write(handle)
            handle.flush()
            if fsync:
                os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    if sync_directory:
        _fsync_directory(path.parent)


_BOOT_ID_FILE = Path("/proc/sys/kernel/random/boot_id")


@functools.cache
def boot_id() -> str | None:
    """This boot of the machine (Linux's random boot id), or ``None`` where there is none.

    A file written and renamed in this boot is whole for every process until the machine
    stops, fsynced or not (the page cache survives a killed process); after a restart only
    what reached the disk is left, so a result written without fsync in another boot is
    checked before it is used (see :class:`FileResultStore`)."""
    try:
        text = _BOOT_ID_FILE.read_text().strip()
    except OSError:
        return None
    return text or None


def _until_unlocked(statement: Callable[[], Any], attempts: int = 50) -> Any:
    """Run ``statement``, again after 50 ms while SQLite says the database is locked (beyond
    the connection's own timeout, or at once where SQLite does not wait), up to ``attempts``
    times."""
    for attempt in range(attempts):
        try:
            return statement()
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or attempt == attempts - 1:
                raise
            time.sleep(0.05)
    return None


def _fsync_file(path: Path) -> None:
    """Make what is written to ``path`` (a file, or on POSIX a directory's names) durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_directory(directory: Path) -> None:
    if os.name == "posix":  # a directory opens for fsync only there
        _fsync_file(directory)


# -- formats -----------------------------------------------------------------------------------

class ResultChanged(Exception):
    """The value is no longer the one that was fingerprinted (a later node changed it in place
    before it was written): its file is not kept."""


def _has_pyarrow() -> bool:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True


def _is_frame(value: Any) -> bool:
    cls = type(value)
    return cls.__module__.split(".", 1)[0] == "pandas" and cls.__name__ == "DataFrame"


def _is_array(value: Any) -> bool:
    cls = type(value)
    return cls.__module__ == "numpy" and cls.__name__ == "ndarray"


def _parquet_fits(value: Any) -> bool:
    columns = list(value.columns)
    return (all(isinstance(c, str) for c in columns) and len(set(columns)) == len(columns)
            and _has_pyarrow())


def _write_parquet(value: Any, handle: Any) -> None:
    value.to_parquet(handle)


def _read_parquet(path: Path) -> Any:
    import pandas as pd

    return pd.read_parquet(path)


def _write_npy(value: Any, handle: Any) -> None:
    import numpy as np

    np.save(handle, value, allow_pickle=False)


def _read_npy(path: Path) -> Any:
    import numpy as np

    return np.load(path, allow_pickle=False)


def _write_pickle(value: Any, handle: Any) -> None:
    pickle.dump(value, handle, protocol=5)


def _read_pickle(path: Path) -> Any:
    with open(path, "rb") as handle:
        return pickle.load(handle)


def _is_plain_series(value: Any) -> bool:
    """A pandas Series whose values are one fixed-size numpy array (numbers, booleans,
    naive datetimes): what the ``series`` format holds."""
    cls = type(value)
    if not (cls.__module__.split(".", 1)[0] == "pandas" and cls.__name__ == "Series"):
        return False
    dtype = value.dtype
    return (getattr(dtype, "kind", "O") in "biufcmM"
            and type(dtype).__module__.split(".", 1)[0] == "numpy")


SERIES_MAGIC = b"DFSERIES1"
_ALIGN = 64


_PIECE = 1 << 20
"""Bytes of a column copied, fingerprinted and written at a time by a checked write."""


def _write_series(value: Any, handle: Any, data_version: str | None = None) -> None:
    """``series`` format: magic, header length, a pickled header (name, index, dtype, length),
    padding to 64 bytes, then the values' raw bytes, so a read maps them instead of copying.

    With ``data_version``: the values are copied a piece at a time into a buffer of this
    function's own, fingerprinted there and written from there, so the file holds exactly the
    bytes fingerprinted, whatever changes the Series meanwhile; :class:`ResultChanged` if they
    are not the bytes of ``data_version``."""
    import numpy as np

    from dataflow.caching.fingerprinting import series_digest

    name, index = value.name, value.index
    values = np.ascontiguousarray(value.to_numpy())
    header = pickle.dumps({"name": name, "index": index, "dtype": values.dtype.str,
                           "length": len(values)}, protocol=5)
    start = len(SERIES_MAGIC) + 8 + len(header)
    padding = (-start) % _ALIGN
    handle.write(SERIES_MAGIC + len(header).to_bytes(8, "little") + header + b"\0" * padding)
    raw = values.reshape(-1).view(np.uint8)
    if data_version is None:
        handle.write(raw.data)
        return
    digest = series_digest(type(value), name, index, values.dtype)
    piece = np.empty(min(len(raw), _PIECE), dtype=np.uint8)
    for offset in range(0, len(raw), _PIECE):
        part = piece[:min(_PIECE, len(raw) - offset)]
        np.copyto(part, raw[offset:offset + len(part)])
        digest.update(part.data)
        handle.write(part.data)
    if digest.hexdigest() != data_version:
        raise ResultChanged(f"the Series written is not data version {data_version}")


def _read_series(path: Path) -> Any:
    """The Series over a copy-on-write memory map of the file: nothing is read until used,
    and writing to the Series never changes the file."""
    import numpy as np
    import pandas as pd

    with open(path, "rb") as handle:
        magic = handle.read(len(SERIES_MAGIC))
        if magic != SERIES_MAGIC:
            raise ValueError("not a series file")
        size = int.from_bytes(handle.read(8), "little")
        header = pickle.loads(handle.read(size))
    start = len(SERIES_MAGIC) + 8 + size
    offset = start + (-start) % _ALIGN
    dtype = np.dtype(header["dtype"])
    length = header["length"]
    if path.stat().st_size != offset + dtype.itemsize * length:
        raise ValueError("truncated series file")
    if length == 0:
        values = np.empty(0, dtype=dtype)
    else:
        with open(path, "rb") as handle:
            mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_COPY)
        values = np.frombuffer(mapped, dtype=dtype, count=length, offset=offset)
    return pd.Series(values, index=header["index"], name=header["name"], copy=False)


def _is_json(value: Any) -> bool:
    """Whether ``value`` comes back from JSON as it went in: None, bools, ints, finite floats,
    strings, lists and str-keyed dicts of them (a tuple would come back a list)."""
    stack = [value]
    while stack:
        item = stack.pop()
        cls = type(item)
        if cls is float:
            if item != item or item in (float("inf"), float("-inf")):
                return False
        elif cls is list:
            stack.extend(item)
        elif cls is dict:
            if not all(type(k) is str for k in item):
                return False
            stack.extend(item.values())
        elif cls not in (type(None), bool, int, str):
            return False
    return True


def _write_json(value: Any, handle: Any) -> None:
    import json

    handle.write(json.dumps(value).encode())


def _read_json(path: Path) -> Any:
    import json

    return json.loads(path.read_bytes())


def _parquet_from_bytes(data: bytes) -> Any:
    import io

    import pandas as pd

    return pd.read_parquet(io.BytesIO(data))


_FROM_BYTES: dict[str, Callable[[bytes], Any]] = {
    "parquet": _parquet_from_bytes, "pickle": pickle.loads}
"""The formats checked by checksum, read from bytes already in memory (and checksummed)."""

CHECKED_BY_VERSION = frozenset({"series", "npy", "json"})
"""Formats whose file read back has exactly the data version written (no checksum needed)."""

FORMATS: dict[str, tuple[Callable[[Any], bool], Callable[[Any, Any], None],
                         Callable[[Path], Any]]] = {
    "parquet": (lambda v: _is_frame(v) and _parquet_fits(v), _write_parquet, _read_parquet),
    "series": (_is_plain_series, _write_series, _read_series),
    "npy": (lambda v: _is_array(v) and not v.dtype.hasobject, _write_npy, _read_npy),
    "json": (_is_json, _write_json, _read_json),
    "pickle": (lambda v: True, _write_pickle, _read_pickle),
}
"""Result formats: name → (does it fit the value, write, read)."""


def format_for(value: Any, requested: str | None) -> str:
    """The format a result is written in: ``requested`` (``@cache(format=...)``) when it fits
    the value, else parquet for DataFrames (with pyarrow), ``series`` for Series of numbers
    (memory-mapped when read back), npy for arrays, pickle otherwise."""
    if requested is not None:
        fits, _, _ = FORMATS[requested]
        if not fits(value):
            raise DataflowError(
                f"format {requested!r} cannot hold a {type(value).__module__}."
                f"{type(value).__qualname__} (parquet: a pandas DataFrame with unique string "
                "column names, pyarrow installed; series: a pandas Series of numbers, booleans "
                "or naive datetimes; npy: a numpy array of a fixed-size dtype; json: None, bools, "
                "numbers, strings, lists and str-keyed dicts of them; pickle: anything that "
                "pickles)")
        return requested
    for name in ("parquet", "series", "npy"):
        if FORMATS[name][0](value):
            return name
    return "pickle"


def _write_checked(format: str, value: Any, expected_version: str | None, handle: Any) -> None:
    """Write ``value`` in ``format``; with ``expected_version``, see :meth:`FileResultStore.set`."""
    from dataflow.caching.fingerprinting import data_version, has_custom_fingerprint

    if expected_version is not None and format == "series" and not has_custom_fingerprint(value):
        _write_series(value, handle, expected_version)
        return
    FORMATS[format][1](value, handle)  # every byte is copied out of the value by now
    if expected_version is None:
        return
    try:
        unchanged = data_version(value) == expected_version
    except Exception:  # changed into something that cannot be fingerprinted
        unchanged = False
    if not unchanged:
        raise ResultChanged(f"the value written is no longer data version {expected_version}")


# -- results -----------------------------------------------------------------------------------

class ResultMissing(Exception):
    """A result file is not there (or cannot be read); the node is recomputed."""


class FileResultStore:
    """Result files under ``path``: ``<data version>.<format>``."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)

    def file_of(self, data_version: str, format: str) -> Path:
        return self.path / f"{data_version}.{format}"

    def exists(self, data_version: str, format: str) -> bool:
        return self.file_of(data_version, format).exists()

    def set(self, data_version: str, format: str, value: Any, *,
            sync_directory: bool = True, durable: bool = True,
            replace: bool = False, expected_version: str | None = None) -> str | None:
        """Write the result once (a file of that data version is already that content, unless
        ``replace``: an existing file nobody vouches for is written again). Returns the
        checksum of the file for the formats whose reading back does not give the value's
        exact data version (parquet, pickle), else ``None`` (the data version is the check).

        ``durable=True``: fsynced before it is named; ``sync_directory=False`` leaves the
        directory's fsync to :meth:`sync` (one for a batch of files). ``durable=False``: the
        file is whole for every process as soon as it is named (a killed writer leaves only a
        temporary file), but a power cut may leave it torn: its metadata says so, and a read
        after a restart checks it (:meth:`get_checked`).

        ``expected_version`` (for a value written after other code could have changed it in
        place): the file must hold a value of that data version, else :class:`ResultChanged`
        and no file. A plain Series is fingerprinted from the very bytes written; any other
        value is fingerprinted again once written, so only a change that is undone before the
        write ends could slip through."""
        path = self.file_of(data_version, format)
        if replace or not path.exists():
            write_atomically(path, functools.partial(_write_checked, format, value,
                                                     expected_version),
                             sync_directory=sync_directory and durable, fsync=durable)
        return None if format in CHECKED_BY_VERSION else self.checksum(data_version, format)

    def checksum(self, data_version: str, format: str) -> str:
        """The digest of the result file's bytes (XXH3-128, or SHA-256 without xxhash)."""
        from dataflow.caching.fingerprinting import file_digest

        return file_digest(self.file_of(data_version, format))

    def get_checked(self, data_version: str, format: str,
                    checksum: str | None) -> tuple[Any, str | None]:
        """The result and why its file is not the result it was written as (``None`` when it
        is), for a file written without fsync before a restart: for parquet and pickle, the
        checksum of the very bytes the value is made from (one read: a file another process
        replaces meanwhile cannot vouch for the bytes read before); for the formats that give
        values back exactly (series, npy, json), the data version of the value read. A file
        that passes is fsynced: from then on it is on the disk whatever wrote it last."""
        from dataflow.caching.fingerprinting import Unfingerprintable, bytes_digest
        from dataflow.caching.fingerprinting import data_version as version_of

        path = self.file_of(data_version, format)
        if checksum is None:
            value = self.get(data_version, format)
            try:
                found = version_of(value)
            except Unfingerprintable as why:
                return value, f"{path.name}: {why}"
            if found != data_version:
                return value, f"{path.name} holds data version {found}"
        else:
            try:
                data = path.read_bytes()
            except FileNotFoundError:
                raise ResultMissing(f"no result file {path.name}") from None
            found = bytes_digest(data)
            if found != checksum:
                return None, f"{path.name}: checksum {found} != {checksum}"
            try:
                value = _FROM_BYTES[format](data)
            except Exception as error:  # whole by its checksum, yet not readable here
                raise ResultMissing(f"result file {path.name} cannot be read: "
                                    f"{type(error).__name__}: {error}") from None
        _fsync_file(path)
        return value, None

    def sync(self) -> None:
        """Make the names of the files written so far durable (one directory fsync)."""
        _fsync_directory(self.path)

    def get(self, data_version: str, format: str) -> Any:
        path = self.file_of(data_version, format)
        try:
            return FORMATS[format][2](path)
        except FileNotFoundError:
            raise ResultMissing(f"no result file {path.name}") from None
        except Exception as error:  # a corrupt or foreign file: the reader's own error type
            raise ResultMissing(f"result file {path.name} cannot be read: "
                                f"{type(error).__name__}: {error}") from None

    def delete_all(self) -> None:
        for file in self.path.iterdir():
            if file.is_file():
                file.unlink(missing_ok=True)


# -- metadata ----------------------------------------------------------------------------------

_SCHEMA = [
    """CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS cache_metadata (
        cache_key TEXT PRIMARY KEY,
        node_name TEXT NOT NULL,
        code_version TEXT NOT NULL,
        data_version TEXT NOT NULL,
        format TEXT NOT NULL,
        run_id TEXT NOT NULL,
        created_at REAL NOT NULL,
        written_boot TEXT,
        checksum TEXT)""",
    """CREATE INDEX IF NOT EXISTS cache_metadata_node ON cache_metadata (node_name)""",
    """CREATE INDEX IF NOT EXISTS cache_metadata_data ON cache_metadata (data_version)""",
    """CREATE TABLE IF NOT EXISTS changed_in_place (node_name TEXT PRIMARY KEY)""",
]
"""The current schema. ``written_boot``: the boot (:func:`boot_id`) in which the result file
was written without fsync, ``NULL`` once it is known to be on the disk (fsynced, or checked
after a restart); ``checksum``: the file's digest, ``NULL`` where the data version is the
check (:data:`CHECKED_BY_VERSION`). ``changed_in_place``: nodes whose result a reader changed
in place before it was written (written as soon as produced since; a table added without a new
schema version: older versions of this library never read it)."""
_MIGRATIONS: dict[int, list[str]] = {
    1: ["ALTER TABLE cache_metadata ADD COLUMN written_boot TEXT",  # version 1 fsynced all
        "ALTER TABLE cache_metadata ADD COLUMN checksum TEXT"],
}
"""From version n to n + 1: the statements."""
_COLUMNS = ("cache_key, node_name, code_version, data_version, format, run_id, created_at, "
            "written_boot, checksum")
_INSERT = f"INSERT OR REPLACE INTO cache_metadata ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"


class StoredResult(NamedTuple):
    """What the metadata store says of a result."""

    data_version: str
    format: str
    written_boot: str | None = None
    """The boot it was written in without fsync; ``None``: on the disk."""
    checksum: str | None = None


class SQLiteMetadataStore:
    """Cache key → (data version, format), in ``path/metadata.db``. One connection per thread
    and process; safe to share between processes."""

    def __init__(self, path: str | os.PathLike[str], timeout: float = 60.0) -> None:
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        self.db_file = self.path / "metadata.db"
        self.timeout = timeout
        self._local = threading.local()
        with self._transaction() as connection:
            for statement in _SCHEMA:
                connection.execute(statement)
            row = connection.execute("SELECT version FROM schema_version").fetchone()
            if row is None:
                connection.execute("INSERT INTO schema_version VALUES (?)", (SCHEMA_VERSION,))
            elif row[0] > SCHEMA_VERSION:
                raise DataflowError(
                    f"The cache at {self.path} was written by a newer dataflow (schema "
                    f"{row[0]}, this one knows {SCHEMA_VERSION}): upgrade, or use another path.")
            else:
                for version in range(row[0], SCHEMA_VERSION):
                    for statement in _MIGRATIONS.get(version, []):
                        connection.execute(statement)
                connection.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION,))

    def __getstate__(self) -> dict[str, Any]:
        return {"path": self.path, "db_file": self.db_file, "timeout": self.timeout}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._local = threading.local()

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None or getattr(self._local, "pid", None) != os.getpid():
            connection = sqlite3.connect(self.db_file, timeout=self.timeout,
                                         isolation_level=None, check_same_thread=False)
            # switching to WAL can answer "locked" at once, without waiting for the timeout,
            # while another process creates the database or switches it (processes starting
            # together on one cache directory)
            _until_unlocked(lambda: connection.execute("PRAGMA journal_mode=WAL"))
            connection.execute("PRAGMA synchronous=NORMAL")
            self._local.connection = connection
            self._local.pid = os.getpid()
        return connection

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        connection = self._connection()
        _until_unlocked(lambda: connection.execute("BEGIN IMMEDIATE"))
        try:
            yield connection
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")

    def get(self, cache_key: str) -> StoredResult | None:
        """What is stored under ``cache_key``, or ``None``."""
        row = self._connection().execute(
            "SELECT data_version, format, written_boot, checksum FROM cache_metadata "
            "WHERE cache_key = ?", (cache_key,)).fetchone()
        return None if row is None else StoredResult(*row)

    def set(self, *, cache_key: str, node_name: str, code_version: str, data_version: str,
            format: str, run_id: str, written_boot: str | None = None,
            checksum: str | None = None) -> None:
        """Record one result, in one transaction."""
        self.set_many([{"cache_key": cache_key, "node_name": node_name,
                        "code_version": code_version, "data_version": data_version,
                        "format": format, "run_id": run_id, "written_boot": written_boot,
                        "checksum": checksum}])

    def set_many(self, rows: list[dict[str, Any]]) -> None:
        """Record several results (each a dict of :meth:`set`'s arguments) in one transaction:
        all or none of them."""
        now = time.time()
        with self._transaction() as connection:
            connection.executemany(_INSERT, [
                (row["cache_key"], row["node_name"], row["code_version"], row["data_version"],
                 row["format"], row["run_id"], now, row.get("written_boot"),
                 row.get("checksum")) for row in rows])

    def get_for_nodes(self, node_names: Collection[str]) -> dict[str, StoredResult]:
        """Cache key → what is stored, for every result of ``node_names``: one query at the
        start of a run instead of one per node."""
        return {key: StoredResult(*stored) for key, *stored in self._rows_of_nodes(
            "SELECT cache_key, data_version, format, written_boot, checksum "
            "FROM cache_metadata WHERE node_name IN ({})", node_names)}

    def _rows_of_nodes(self, query: str, node_names: Collection[str]) -> Iterator[Any]:
        """The rows of ``query`` (its ``IN ({})`` filled with ``node_names``), asked in chunks
        within SQLite's bound-parameter limit."""
        names = list(node_names)
        connection = self._connection()
        for start in range(0, len(names), 500):
            chunk = names[start:start + 500]
            yield from connection.execute(query.format(", ".join("?" * len(chunk))), chunk)

    def vouched(self, data_version: str, format: str, boot: str | None) -> bool:
        """Whether a row names this result file as whole: on the disk, or written in
        ``boot`` (this one), so that it need not be written again."""
        row = self._connection().execute(
            "SELECT 1 FROM cache_metadata WHERE data_version = ? AND format = ? AND "
            "(written_boot IS NULL OR written_boot = ?) LIMIT 1",
            (data_version, format, boot)).fetchone()
        return row is not None

    def mark_on_disk(self, data_version: str, format: str) -> None:
        """The result file was read back whole after a restart: it is on the disk."""
        with self._transaction() as connection:
            connection.execute(
                "UPDATE cache_metadata SET written_boot = NULL "
                "WHERE data_version = ? AND format = ?", (data_version, format))

    def note_changed_in_place(self, node_name: str) -> None:
        """A node's result was changed in place by a reader before it could be written."""
        with self._transaction() as connection:
            connection.execute("INSERT OR IGNORE INTO changed_in_place VALUES (?)",
                               (node_name,))

    def changed_in_place(self, node_names: Collection[str]) -> frozenset[str]:
        """Those of ``node_names`` noted by :meth:`note_changed_in_place`."""
        return frozenset(name for (name,) in self._rows_of_nodes(
            "SELECT node_name FROM changed_in_place WHERE node_name IN ({})", node_names))

    def delete(self, cache_key: str) -> None:
        with self._transaction() as connection:
            connection.execute("DELETE FROM cache_metadata WHERE cache_key = ?", (cache_key,))

    def delete_all(self) -> None:
        with self._transaction() as connection:
            connection.execute("DELETE FROM cache_metadata")
            connection.execute("DELETE FROM changed_in_place")

    def size(self) -> int:
        row = self._connection().execute("SELECT COUNT(*) FROM cache_metadata").fetchone()
        return int(row[0])
