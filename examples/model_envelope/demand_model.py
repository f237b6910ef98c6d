"""The model the envelope example saves: least squares on the demand-forecasting features.

A plain object with ``predict(frame) -> Series``: what ``save_model`` takes, what the registry
gives back, what the service and batch inference call. It is saved with this module by value
(``code=[demand_model]``), so it loads where this repository is not installed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


class DemandModel:
    """Units sold by a store on a day, from its calendar, price, promotion and sales history."""

    def __init__(self, features: Sequence[str], weights: np.ndarray, residual_var: float) -> None:
        self.features = list(features)
        self.weights = np.asarray(weights, dtype=float)
        self.residual_var = float(residual_var)

    @classmethod
    def fit(cls, frame: pd.DataFrame, features: Sequence[str]) -> DemandModel:
        """Ordinary least squares on log units (the training job's model)."""
        design = cls._design(frame, features)
        target = frame["log_units"].to_numpy(dtype=float)
        weights, *_ = np.linalg.lstsq(design, target, rcond=None)
        return cls(features, weights, float(np.var(target - design @ weights)))

    @staticmethod
    def _design(frame: pd.DataFrame, features: Sequence[str]) -> np.ndarray:
        return np.column_stack([np.ones(len(frame)), frame[list(features)].to_numpy(dtype=float)])

    def predict(self, frame: pd.DataFrame) -> pd.Series:
        log_units = self._design(frame, self.features) @ self.weights + self.residual_var / 2
        return pd.Series(np.expm1(log_units), index=frame.index, name="predicted_units")
