"""Metadata of loaded and saved data, and atomic file writes.

Metadata has Hamilton's shape and keys (``hamilton.io.utils``): ``{"file_metadata": {...},
"dataframe_metadata": {...}}``, plus keys Hamilton lacks: the content hash (``sha256``) of
files, and ``array_metadata`` for numpy arrays.

Every file a saver writes goes through :func:`atomic_path`: the data is written to a temporary
file in the target's directory, flushed to disk (``fsync``), then renamed over the target, so a
failed or killed write leaves the previous file (or none), never half a file.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

FILE_METADATA = "file_metadata"
DATAFRAME_METADATA = "dataframe_metadata"
SQL_METADATA = "sql_metadata"
ARRAY_METADATA = "array_metadata"
METADATA_VERSION = "1.0.0"


def file_sha256(path: str | os.PathLike[str]) -> str:
    """The SHA-256 of a file's bytes, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def get_file_metadata(path: str | os.PathLike[str], notes: str = "") -> dict[str, Any]:
    """``{"file_metadata": {path, size, last_modified, timestamp, scheme, notes, sha256}}``.

    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = os.path.join(d, "x.txt"); _ = open(p, "w").write("hi")
    ...     sorted(get_file_metadata(p)["file_metadata"])
    ['__version__', 'last_modified', 'notes', 'path', 'scheme', 'sha256', 'size', 'timestamp']
    """
    text = os.fspath(path)
    scheme = urlparse(text).scheme
    if len(scheme) == 1:  # a Windows drive letter, not a URL scheme
        scheme = ""
    stat = os.stat(text)
    return {FILE_METADATA: {
        "__version__": METADATA_VERSION,
        "path": text,
        "size": stat.st_size,
        "last_modified": stat.st_mtime,
        "timestamp": time.time(),
        "scheme": scheme,
        "notes": notes,
        "sha256": file_sha256(text),
    }}


def get_dataframe_metadata(frame: Any) -> dict[str, Any]:
    """``{"dataframe_metadata": {rows, columns, column_names, datatypes}}`` of a pandas (or
    any frame-like) object; empty when ``frame`` has no columns."""
    columns = getattr(frame, "columns", None)
    if columns is None:
        return {}
    dtypes = getattr(frame, "dtypes", None)
    return {DATAFRAME_METADATA: {
        "__version__": METADATA_VERSION,
        "rows": len(frame),
        "columns": len(columns),
        "column_names": [str(c) for c in columns],
        "datatypes": [str(t) for t in dtypes] if dtypes is not None else [],
    }}


def get_file_and_dataframe_metadata(path: str | os.PathLike[str], frame: Any) -> dict[str, Any]:
    """Both of the above (Hamilton's name)."""
    return {**get_file_metadata(path), **get_dataframe_metadata(frame)}


def get_array_metadata(array: Any) -> dict[str, Any]:
    """``{"array_metadata": {shape, dtype}}`` of a numpy array."""
    return {ARRAY_METADATA: {"__version__": METADATA_VERSION,
                             "shape": list(array.shape), "dtype": str(array.dtype)}}


def get_sql_metadata(table_or_query: str, rows: int | None) -> dict[str, Any]:
    """``{"sql_metadata": {rows, query, table_name, timestamp}}`` (Hamilton's keys)."""
    is_query = " " in table_or_query.strip()
    return {SQL_METADATA: {
        "__version__": METADATA_VERSION,
        "rows": rows,
        "query": table_or_query if is_query else None,
        "table_name": None if is_query else table_or_query,
        "timestamp": time.time(),
    }}


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[str]:
    """A temporary path next to ``path`` to write to; on success it is fsynced and renamed
    over ``path`` (atomic on POSIX and Windows), on failure removed. The temporary name keeps
    the suffix, so writers that choose an engine by extension (Excel) still work.

    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as d:
    ...     target = os.path.join(d, "out.txt")
    ...     with atomic_path(target) as tmp:
    ...         _ = open(tmp, "w").write("done")
    ...     open(target).read(), os.listdir(d)
    ('done', ['out.txt'])
    """
    target = Path(os.fspath(path))
    directory = target.parent
    if not directory.is_dir():
        raise FileNotFoundError(f"cannot write {os.fspath(path)!r}: the directory "
                                f"{os.fspath(directory)!r} does not exist.")
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=f".tmp{target.suffix}",
                                         dir=directory)
    os.close(handle)
    try:
        yield temporary
        _fsync_file(temporary)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _fsync_directory(directory)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_path`)."""
    with atomic_path(path) as temporary, open(temporary, "wb") as handle:
        handle.write(data)


def atomic_write_text(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> None:
    """Write ``text`` to ``path`` atomically (see :func:`atomic_path`)."""
    atomic_write_bytes(path, text.encode(encoding))


def _fsync_file(path: str) -> None:
    with open(path, "rb+") as handle:
        os.fsync(handle.fileno())


def _fsync_directory(directory: Path) -> None:
    if sys.platform == "win32":  # directories cannot be opened for fsync there
        return
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def loaded_class(module: str, name: str) -> list[type]:
    """``[module.name]`` when ``module`` is already imported, else ``[]``: an adapter for
    pandas frames lists its type without importing pandas (no value can be a DataFrame before
    pandas is imported)."""
    imported = sys.modules.get(module)
    found = getattr(imported, name, None) if imported is not None else None
    return [found] if isinstance(found, type) else []
