"""What ``dataflow run`` prints for the nodes that save data (``@save_to``, ``@datasaver``):
their value is the saver's metadata, not a column, so it is reported, not put in the frame."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MATERIALIZER_TAG = "dataflow.materializer"


def saver_names(nodes: Mapping[str, Any], names: list[str]) -> list[str]:
    """The names among ``names`` whose node saves data."""
    return [n for n in names if nodes[n].tags.get(MATERIALIZER_TAG) == "saver"]


def saved_line(name: str, metadata: Any) -> str:
    """``saved report_json: report.json (22 bytes)`` or, without file metadata, the
    metadata's keys.

    >>> saved_line("out", {"file_metadata": {"path": "o.csv", "size": 10},
    ...                    "dataframe_metadata": {"rows": 2, "columns": 3}})
    'saved out: o.csv (10 bytes, 2 rows, 3 columns)'
    >>> saved_line("db", {"sql_metadata": {"table_name": "t", "rows": 4}})
    'saved db: table t (4 rows)'
    """
    if not isinstance(metadata, Mapping):
        return f"saved {name}: {metadata!r}"
    details = []
    file = metadata.get("file_metadata") or {}
    sql = metadata.get("sql_metadata") or {}
    frame = metadata.get("dataframe_metadata") or {}
    where = file.get("path") or (f"table {sql['table_name']}" if sql.get("table_name") else "")
    if "size" in file:
        details.append(f"{file['size']} bytes")
    rows = frame.get("rows", sql.get("rows"))
    if rows is not None:
        details.append(f"{rows} rows")
    if "columns" in frame:
        details.append(f"{frame['columns']} columns")
    if not where:
        return f"saved {name}: {dict(metadata)!r}"
    return f"saved {name}: {where}" + (f" ({', '.join(details)})" if details else "")
