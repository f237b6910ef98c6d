"""Every part-1 expander on `async def` functions (module-level, so drivers pickle)."""

import asyncio

import pandas as pd

from dataflow.function_modifiers import (
    ParameterizedExtract,
    config,
    does,
    extract_columns,
    extract_fields,
    inject,
    parameterize,
    parameterize_extract_columns,
    parameterize_sources,
    parameterize_values,
    source,
    tag,
    unpack_fields,
    value,
)


@parameterize(a_plus_1={"n": source("a"), "k": value(1)}, a_plus_2={"n": source("a"),
                                                                    "k": value(2)})
async def plus(n: int, k: int) -> int:
    await asyncio.sleep(0)
    return n + k


@parameterize_values(parameter="k", assigned_output={("a_times_3", "Triple a"): 3})
async def times(a: int, k: int) -> int:
    await asyncio.sleep(0)
    return a * k


@parameterize_sources(echo_a={"v": "a"})
async def echo(v: int) -> int:
    await asyncio.sleep(0)
    return v


@inject(n=source("a"))
async def injected(n: int) -> int:
    await asyncio.sleep(0)
    return -n


@extract_columns("col_x", "col_y")
async def async_frame(a: int) -> pd.DataFrame:
    await asyncio.sleep(0)
    return pd.DataFrame({"col_x": [a], "col_y": [a * 2]})


@parameterize_extract_columns(ParameterizedExtract(("pe_1", "pe_2"), {"m": value(3)}))
async def async_param_frame(a: int, m: int) -> pd.DataFrame:
    await asyncio.sleep(0)
    return pd.DataFrame({"u": [a * m], "w": [m]})


@extract_fields({"fa": int, "fb": int})
async def async_fields(a: int) -> dict:
    await asyncio.sleep(0)
    return {"fa": a, "fb": a + 1}


@unpack_fields("ua", "ub")
async def async_pair(a: int) -> tuple[int, int]:
    await asyncio.sleep(0)
    return a, -a


async def _async_sum(**values: int) -> int:
    await asyncio.sleep(0)
    return sum(values.values())


@does(_async_sum)
async def async_does(a: int, b: int) -> int:
    """a + b, awaited."""


@tag(kind="async")
@config.when(flavour="async")
async def chosen__async(a: int) -> int:
    await asyncio.sleep(0)
    return a * 100
