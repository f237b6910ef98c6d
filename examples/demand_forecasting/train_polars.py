"""The training job's feature driver on polars: :mod:`.polars_features` instead of the pandas
modules, the result a ``pl.DataFrame`` with the columns :func:`.train.feature_frame` gives.

>>> from examples.demand_forecasting import train
>>> frame = build_polars_driver({"n_stores": 2, "n_days": 60}).execute(train.KEYS + train.FEATURES)
>>> frame.shape
(120, 24)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dataflow import driver

from . import polars_features
from .train import DEFAULT_CONFIG


def build_polars_driver(config: Mapping[str, Any] | None = None) -> driver.Driver:
    """The feature driver on polars; ``config`` overrides ``train.DEFAULT_CONFIG`` key by key."""
    try:
        from dataflow.plugins import h_polars
    except ImportError:  # a source checkout on the path: the plugins/ directory
        from plugins import h_polars  # type: ignore[no-redef]

    return (
        driver.Builder()
        .with_modules(polars_features)
        .with_config({**DEFAULT_CONFIG, **(config or {})})
        .with_adapters(h_polars.PolarsDataFrameResult())
        .build()
    )
