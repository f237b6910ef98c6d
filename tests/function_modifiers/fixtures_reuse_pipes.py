"""pipe_input / pipe_output functions at module level (so drivers built on them pickle)."""

from __future__ import annotations

import asyncio

import pandas as pd

from dataflow.function_modifiers import pipe_input, pipe_output, source, step, value


def _add(v: int, amount: int = 1) -> int:
    return v + amount


def _times(v: int, factor: int) -> int:
    return v * factor


async def _async_add(v: int, amount: int) -> int:
    await asyncio.sleep(0)
    return v + amount


def _clip(series: pd.Series, low: float, high: float) -> pd.Series:
    return series.clip(low, high)


def multiplier() -> int:
    return 3


@pipe_input(
    step(_add),
    step(_times, factor=2),
    step(_times, factor=source("multiplier")).named("scaled"),
    step(_add, amount=value(100)).when(mode="big"),
    step(_add, amount=1000).when_not(mode="big"),
)
def piped_in(x: int) -> int:
    return x


@pipe_input(step(_add, 10), on_input="b", namespace=None)
def second_param(a: int, b: int) -> int:
    return a * 100 + b


@pipe_output(step(_add, amount=5), step(_times, source("multiplier")))
def piped_out(x: int) -> int:
    return x * 10


@pipe_output(step(_async_add, amount=2))
async def async_piped_out(x: int) -> int:
    await asyncio.sleep(0)
    return x + 1


@pipe_input(step(_async_add, amount=3))
def async_step_in(x: int) -> int:
    return x * 2


@pipe_output(step(_clip, low=0.0, high=1.0))
def clipped(raw_values: pd.Series) -> pd.Series:
    return raw_values * 2
