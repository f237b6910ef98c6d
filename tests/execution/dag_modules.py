"""Random DAGs as real module source, so worker processes (and engines) can run their nodes."""

from __future__ import annotations

import uuid
from typing import Any

from dataflow import ad_hoc_utils


def module_of(parents: dict[str, list[str]], prefix: str = "random_dag") -> Any:
    """Node functions over ints, each node a weighted sum of its parents, as a module made from
    source under a fresh name ``<prefix>_<hex>``."""
    lines = []
    for name, ps in parents.items():
        params = ", ".join(f"{p}: int" for p in ps)
        terms = " + ".join(f"{p} * {i + 1}" for i, p in enumerate(ps)) or "0"
        lines += [f"def {name}({params}) -> int:",
                  f"    return ({terms} + {len(name)}) % 1_000_003", ""]
    return ad_hoc_utils.module_from_source("\n".join(lines), f"{prefix}_{uuid.uuid4().hex}")
