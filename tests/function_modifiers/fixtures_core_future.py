"""Part-1 decorators in a module with postponed annotations (types are strings until resolved)."""

from __future__ import annotations

import pandas as pd

from dataflow.function_modifiers import (
    extract_columns,
    extract_fields,
    parameterize,
    source,
    unpack_fields,
    value,
)


@parameterize(fut_one={"n": source("seed"), "k": value(1)})
def fut(n: int, k: int) -> int:
    return n + k


@extract_columns("fc_1", "fc_2")
def fut_frame(seed: int) -> pd.DataFrame:
    return pd.DataFrame({"fc_1": [seed], "fc_2": [seed + 1]})


@extract_fields({"ff_a": int})
def fut_fields(seed: int) -> dict[str, int]:
    return {"ff_a": seed}


@unpack_fields("fu_a", "fu_b")
def fut_pair(seed: int) -> tuple[int, str]:
    return seed, "s"
