"""The training job: build the driver, request the wide feature frame, fit, evaluate.

    python -m examples.demand_forecasting.train            # 50 stores x 730 days
    python -m examples.demand_forecasting.train --stores 5 --days 200 --lineage out/lineage.svg

The model is ordinary least squares (numpy) on log units; it is scored on the last
``test_days`` days against the seasonal naive forecast "same as a week ago".
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run by path: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np
import pandas as pd

from dataflow import base, driver
from examples.demand_forecasting import (
    calendar_features,
    price_features,
    promo_features,
    raw_data,
    sales_features,
)

MODULES = (raw_data, calendar_features, price_features, promo_features, sales_features)
DEFAULT_CONFIG: dict[str, Any] = {"n_stores": 50, "n_days": 730, "seed": 7, "horizon": 7}

FEATURES = [
    "is_tue", "is_wed", "is_thu", "is_fri", "is_sat", "is_sun",
    "year_sin", "year_cos", "is_holiday",
    "log_price_ratio", "price_change_1d",
    "on_promo", "promo_depth", "promo_days_last_7",
    "log_units_lag_7", "log_units_lag_14", "log_units_lag_28",
    "log_units_mean_7", "log_units_mean_28",
]
"""The model's inputs, in the column order of the design matrix."""
KEYS = ["store_id", "date", "units", "log_units", "history_complete"]
"""Identifiers, target and row filter requested alongside the features."""


def build_driver(config: Mapping[str, Any] | None = None) -> driver.Driver:
    """The feature driver; ``config`` overrides :data:`DEFAULT_CONFIG` key by key."""
    return (
        driver.Builder()
        .with_modules(*MODULES)
        .with_config({**DEFAULT_CONFIG, **(config or {})})
        .with_adapters(base.PandasDataFrameResult())
        .build()
    )


def feature_frame(dr: driver.Driver) -> pd.DataFrame:
    """The wide frame: one row per store and day, identifiers + target + features."""
    return dr.execute(KEYS + FEATURES)


@dataclass(frozen=True)
class Evaluation:
    rows_train: int
    rows_test: int
    model_rmse: float
    naive_rmse: float
    model_mae: float
    naive_mae: float
    coefficients: dict[str, float]


def fit_and_evaluate(frame: pd.DataFrame, test_days: int = 56) -> Evaluation:
    """Least squares on the rows with complete history; the last ``test_days`` days are held
    out. The naive forecast repeats the units of the same store 7 days earlier."""
    usable = frame[frame["history_complete"]]
    cutoff = usable["date"].max() - pd.Timedelta(days=test_days)
    train, test = usable[usable["date"] <= cutoff], usable[usable["date"] > cutoff]
    if train.empty or test.empty:
        raise ValueError(f"not enough days to train and hold out {test_days} days")

    def design(rows: pd.DataFrame) -> np.ndarray:
        return np.column_stack([np.ones(len(rows)), rows[FEATURES].to_numpy(dtype=float)])

    weights, *_ = np.linalg.lstsq(design(train), train["log_units"].to_numpy(), rcond=None)
    residual_var = float(np.var(train["log_units"].to_numpy() - design(train) @ weights))
    predicted = np.expm1(design(test) @ weights + residual_var / 2)
    naive = np.expm1(test["log_units_lag_7"].to_numpy())
    actual = test["units"].to_numpy()
    return Evaluation(
        rows_train=len(train),
        rows_test=len(test),
        model_rmse=float(np.sqrt(np.mean((predicted - actual) ** 2))),
        naive_rmse=float(np.sqrt(np.mean((naive - actual) ** 2))),
        model_mae=float(np.mean(np.abs(predicted - actual))),
        naive_mae=float(np.mean(np.abs(naive - actual))),
        coefficients=dict(zip(["intercept", *FEATURES], map(float, weights))),
    )


def write_lineage(dr: driver.Driver, path: str | Path) -> Path | None:
    """Draw what the training job computes; skipped (None) without the graphviz program."""
    from dataflow.lineage.output import dot_available

    if not dot_available():
        print("lineage picture skipped: the graphviz 'dot' program is not installed "
              "(apt-get install graphviz)")
        return None
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    dr.visualize_execution(KEYS + FEATURES, output_file_path=path)
    return path


def main(argv: Sequence[str] | None = None) -> Evaluation:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=DEFAULT_CONFIG["n_stores"])
    parser.add_argument("--days", type=int, default=DEFAULT_CONFIG["n_days"])
    parser.add_argument("--seed", type=int, default=DEFAULT_CONFIG["seed"])
    parser.add_argument("--lineage", default="out/demand_forecasting_lineage.svg",
                        help="where to draw the lineage picture ('' to skip)")
    args = parser.parse_args(argv)

    dr = build_driver({"n_stores": args.stores, "n_days": args.days, "seed": args.seed})
    frame = feature_frame(dr)
    with pd.option_context("display.width", 160, "display.max_columns", 12):
        print(f"feature frame: {frame.shape[0]:,} rows x {frame.shape[1]} columns")
        print(frame[frame["history_complete"]].head(), end="\n\n")
    result = fit_and_evaluate(frame)
    print(f"held-out rows: {result.rows_test:,} (trained on {result.rows_train:,})")
    print(f"model  RMSE {result.model_rmse:7.3f}   MAE {result.model_mae:7.3f}")
    print(f"naive  RMSE {result.naive_rmse:7.3f}   MAE {result.naive_mae:7.3f}   "
          "(same day last week)")
    print(f"model error / naive error (RMSE): {result.model_rmse / result.naive_rmse:.2f}")
    if args.lineage:
        written = write_lineage(dr, args.lineage)
        if written is not None:
            print(f"lineage picture: {written}")
    return result


if __name__ == "__main__":
    main()
