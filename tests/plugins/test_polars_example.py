"""The demand-forecasting example on polars (``examples/demand_forecasting/polars_features``)
gives the pandas pipeline's feature frame and model, number for number."""

from __future__ import annotations

import dataclasses

import pandas as pd
import polars as pl
import pytest

from examples.demand_forecasting import train, train_polars

CONFIG = {"n_stores": 6, "n_days": 240, "seed": 11}


@pytest.fixture(scope="module")
def frames() -> tuple[pd.DataFrame, pl.DataFrame]:
    pandas_frame = train.feature_frame(train.build_driver(CONFIG))
    polars_frame = train_polars.build_polars_driver(CONFIG).execute(train.KEYS + train.FEATURES)
    return pandas_frame, polars_frame


def test_the_polars_pipeline_returns_a_polars_frame_of_the_same_columns(frames) -> None:
    pandas_frame, polars_frame = frames
    assert isinstance(polars_frame, pl.DataFrame)
    assert polars_frame.columns == list(pandas_frame.columns)
    assert polars_frame.height == len(pandas_frame)


@pytest.mark.parametrize("column", train.KEYS + train.FEATURES)
def test_every_column_has_the_pandas_values(frames, column: str) -> None:
    pandas_frame, polars_frame = frames
    pd.testing.assert_series_equal(
        polars_frame[column].to_pandas(), pandas_frame[column].reset_index(drop=True),
        check_dtype=False, check_names=False, rtol=1e-12)


def test_the_model_trained_on_polars_features_has_the_pandas_numbers(frames) -> None:
    pandas_frame, polars_frame = frames
    ours = dataclasses.asdict(train.fit_and_evaluate(polars_frame.to_pandas()))
    theirs = dataclasses.asdict(train.fit_and_evaluate(pandas_frame))
    assert ours["rows_train"] == theirs["rows_train"] and ours["rows_test"] == theirs["rows_test"]
    for key in ("model_rmse", "naive_rmse", "model_mae", "naive_mae"):
        assert ours[key] == pytest.approx(theirs[key], rel=1e-12)
    assert ours["coefficients"] == pytest.approx(theirs["coefficients"], rel=1e-9)
