"""What ``dataflow ls`` reads and prints: ``--tag`` words as a ``tag_filter``, node records as
an aligned table.

The records are :func:`dataflow.lineage.export.node_record`'s, the same ones ``--json`` prints,
so the table and the JSON never disagree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dataflow.cli.errors import CliError

TABLE_HEADER = ("name", "type", "role", "where", "tags")


def tag_filter_from(items: Sequence[str]) -> dict[str, Any]:
    """``--tag KEY=VALUE`` / ``--tag KEY`` words → a ``list_available_variables`` tag filter:
    repeated keys allow several values, a bare KEY allows any value.

    >>> tag_filter_from(["team=growth", "team=ads", "owner"])
    {'team': ['growth', 'ads'], 'owner': None}
    """
    tag_filter: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not key:
            raise CliError(f"--tag {item!r}: write KEY=VALUE or KEY.")
        tag_filter.setdefault(key, [])
        if sep and tag_filter[key] is not None:
            tag_filter[key].append(value)
        else:
            tag_filter[key] = None
    return tag_filter


def node_table(records: Sequence[Mapping[str, Any]]) -> list[str]:
    """One line per node record (name, short type, role, ``module:line``, tags other than
    ``module``) under a header, in aligned columns."""
    rows = [(r["name"], r["type"], r["role"],
             f"{r['module']}:{r['line']}" if r["line"] else "-",
             ", ".join(f"{k}={v}" for k, v in r["tags"].items() if k != "module"))
            for r in records]
    widths = [max([len(h), *(len(row[i]) for row in rows)])
              for i, h in enumerate(TABLE_HEADER)]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip()
            for row in [TABLE_HEADER, *rows]]
