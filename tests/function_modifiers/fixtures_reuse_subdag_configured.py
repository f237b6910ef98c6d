"""A reused module whose nodes are chosen by config (@config.when inside a subdag)."""

from __future__ import annotations

from dataflow.function_modifiers import config


@config.when(region="eu")
def tax__eu(amount: float) -> float:
    return amount * 0.2


@config.when(region="us")
def tax__us(amount: float) -> float:
    return amount * 0.1


def gross(amount: float, tax: float) -> float:
    return amount + tax
