"""Reuse decorators on `async def` functions (module level, so drivers pickle)."""

from __future__ import annotations

import asyncio

import pandas as pd

from dataflow.function_modifiers import check_output, source, subdag, with_columns


async def async_doubled(x: int) -> int:
    await asyncio.sleep(0)
    return 2 * x


@subdag(async_doubled, inputs={"x": source("seed")})
def doubled_seed(async_doubled: int) -> int:
    return async_doubled + 1


async def async_ratio(spend: pd.Series, signups: pd.Series) -> pd.Series:
    await asyncio.sleep(0)
    return spend / signups


@with_columns(async_ratio, columns_to_pass=["spend", "signups"])
async def async_frame(raw_df: pd.DataFrame) -> pd.DataFrame:
    await asyncio.sleep(0)
    return raw_df


@check_output(range=(0, 10), importance="fail")
async def checked_async(seed: int) -> int:
    await asyncio.sleep(0)
    return seed
