"""What ``dataflow ls`` reads and prints: ``--tag`` words as a ``tag_filter``, node records as
an aligned table, and why a ``--tag`` filter kept no node (a misspelt key or value).

The records are :func:`dataflow.lineage.export.node_record`'s, the same ones ``--json`` prints,
so the table and the JSON never disagree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dataflow.cli.errors import CliError
from dataflow.errors import did_you_mean

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


def no_match_note(tag_filter: Mapping[str, Any], node_tags: Sequence[Mapping[str, Any]]) -> str:
    """Why ``tag_filter`` kept no node: per key, that no node has it (with close keys) or the
    values the nodes do have.

    >>> no_match_note({"modle": None}, [{"module": "f"}])
    "no node has the tag 'modle'. Did you mean 'module'?"
    >>> no_match_note({"team": ["grwth"]}, [{"team": "growth"}, {"team": "ads"}])
    "no node has team='grwth' (its values: 'ads', 'growth'). Did you mean 'growth'?"
    """
    keys = sorted({key for tags in node_tags for key in tags})
    reasons = []
    for key, wanted in tag_filter.items():
        values = sorted({str(tags[key]) for tags in node_tags if key in tags})
        if not values:
            reasons.append(f"no node has the tag {key!r}.{did_you_mean(key, keys)}")
        elif wanted is not None and not set(wanted) & set(values):
            listed = ", ".join(repr(v) for v in values[:10]) + (", ..." if len(values) > 10 else "")
            hints = "".join(did_you_mean(w, values) for w in wanted)
            shown = " or ".join(f"{key}={w!r}" for w in wanted)
            reasons.append(f"no node has {shown} (its values: {listed}).{hints}")
    return " ".join(reasons) or "no node has all of these tags at once."
