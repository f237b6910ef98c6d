"""A deterministic synthetic sales dataset (not a node module: the loader calls it).

Units sold per store and day follow a store level, a weekly and a yearly season, the price
relative to the store's base price (elasticity about -1.8), promotions and public holidays,
with Poisson noise. The same ``seed`` always gives the same frame.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

START = "2023-01-01"


def sales_frame(n_stores: int, n_days: int, seed: int) -> pd.DataFrame:
    """One row per (store, day), sorted by store then date, with a RangeIndex."""
    if n_stores < 1 or n_days < 60:
        raise ValueError(f"need at least 1 store and 60 days, got {n_stores} x {n_days}")
    rng = np.random.default_rng(seed)
    dates = pd.date_range(START, periods=n_days, freq="D")
    day = np.arange(n_days)
    store_level = rng.lognormal(mean=3.0, sigma=0.4, size=n_stores)
    base_price = rng.uniform(2.0, 8.0, size=n_stores).round(2)
    weekly = np.array([0.9, 0.85, 0.9, 0.95, 1.1, 1.35, 1.2])[dates.day_of_week]
    yearly = 1.0 + 0.2 * np.sin(2 * np.pi * day / 365.25)
    holiday = np.isin(dates.day_of_year, [1, 45, 120, 185, 245, 330, 359]).astype(np.int8)

    promo = (rng.random((n_stores, n_days)) < 0.08).astype(np.int8)
    discount = np.where(promo == 1, rng.uniform(0.1, 0.35, (n_stores, n_days)), 0.0)
    drift = 1.0 + rng.normal(0.0, 0.03, (n_stores, n_days)).cumsum(axis=1) * 0.1
    price = (base_price[:, None] * drift * (1.0 - discount)).round(2)
    expected = (
        store_level[:, None] * weekly * yearly
        * (price / base_price[:, None]) ** -1.8
        * np.where(promo == 1, 1.3, 1.0)
        * np.where(holiday == 1, 1.6, 1.0)
    )
    units = rng.poisson(expected)

    return pd.DataFrame({
        "store_id": np.repeat(np.arange(n_stores), n_days),
        "date": np.tile(dates.values, n_stores),
        "units": units.ravel().astype(float),
        "price": price.ravel(),
        "base_price": np.repeat(base_price, n_days),
        "promo": promo.ravel(),
        "holiday": np.tile(holiday, n_stores),
    })
