"""Module-level functions using every part-1 decorator (picklable; used by several tests)."""

import pandas as pd

from dataflow.function_modifiers import (
    ParameterizedExtract,
    cache,
    config,
    does,
    extract_columns,
    extract_fields,
    group,
    inject,
    parameterize,
    parameterize_extract_columns,
    parameterize_sources,
    parameterize_values,
    schema,
    source,
    tag,
    tag_outputs,
    unpack_fields,
    value,
)


def base(x: int) -> int:
    return x + 1


@parameterize(
    plus_one={"a": source("base"), "b": value(1)},
    plus_ten=({"a": source("base"), "b": value(10)}, "base plus ten"),
)
def add(a: int, b: int) -> int:
    """Adds {b} to {a}."""
    return a + b


@parameterize_values(parameter="k", assigned_output={("times_2", "Double"): 2,
                                                      ("times_3", "Triple"): 3})
def times(base: int, k: int) -> int:
    return base * k


@parameterize_sources(from_base={"v": "base"}, from_x={"v": "x"})
def squared(v: int) -> int:
    return v * v


@inject(nums=group(source("base"), value(100), source("x")))
def total(nums: list[int]) -> int:
    return sum(nums)


@schema.output(("c1", "int"), ("c2", "float"), target_="frame")
@extract_columns("c1", ("c2", "the second column"))
def frame(base: int) -> pd.DataFrame:
    return pd.DataFrame({"c1": [base, base], "c2": [1.5, 2.5]})


@parameterize_extract_columns(
    ParameterizedExtract(("pa", "pb"), {"m": value(1)}),
    ParameterizedExtract(("qa", "qb"), {"m": value(2)}),
)
def scaled(base: int, m: int) -> pd.DataFrame:
    return pd.DataFrame({"u": [base * m], "w": [m]})


@extract_fields({"f_int": int, "f_str": str})
def fields(base: int) -> dict:
    return {"f_int": base, "f_str": str(base)}


@unpack_fields("first", "second")
def pair(base: int) -> tuple[int, str]:
    return base, "two"


def _sum_all(**values: int) -> int:
    return sum(values.values())


@does(_sum_all)
def summed(base: int, x: int) -> int:
    """base + x."""


@config.when(mode="a")
def variant__a(base: int) -> int:
    return base * 1000


@config.when_not(mode="a")
def variant__other(base: int) -> int:
    return -base


@tag(owner="me", labels=["x", "y"])
@cache(behavior="recompute", format="json")
def tagged(base: int) -> int:
    return base


@tag_outputs(f2a={"kind": "a"}, f2b={"kind": "b"})
@extract_fields({"f2a": int, "f2b": int})
def fields2(base: int) -> dict:
    return {"f2a": base, "f2b": -base}
