"""The trainer interface: what a data scientist writes (besides extracts) for a pipeline.

A trainer is built from the model config's ``constructor_args``; ``train`` gets the datasets
named by the config's ``dependencies`` as keyword arguments and returns a :class:`TrainedObject`;
``evaluate`` gets the trained model and the held-out datasets (same names) and returns metrics.

>>> import pandas as pd
>>> frame = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0], "y": [1.0, 3.0, 5.0, 7.0]})
>>> trainer = SKLearnTrainer(estimator="sklearn.linear_model.LinearRegression", target="y")
>>> trained = trainer.train(data=frame)
>>> round(trainer.evaluate(trained.model, data=frame)["rmse"], 6)
0.0
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from typing import Any

__all__ = ["AbstractTrainer", "SKLearnTrainer", "TrainedObject"]


@dataclass(frozen=True)
class TrainedObject:
    """A trained model, a few rows of what it takes (``sample_input_data``: the envelope's
    ``api_input``) and anything else the trainer wants kept (``metadata``)."""

    model: Any
    sample_input_data: Any = None
    metadata: dict[str, Any] = field(default_factory=dict)


class AbstractTrainer(abc.ABC):
    """Subclass and implement :meth:`train` and :meth:`evaluate`; ``__init__`` takes the
    config's ``constructor_args`` as keyword arguments."""

    @abc.abstractmethod
    def train(self, **dependencies: Any) -> TrainedObject:
        """Fit a model on the datasets (keyword arguments named as in ``dependencies``)."""

    @abc.abstractmethod
    def evaluate(self, model: Any, **dependencies: Any) -> dict[str, Any]:
        """Metrics of ``model`` on held-out datasets: name → float (or any structured value)."""


class SKLearnTrainer(AbstractTrainer):
    """Any scikit-learn estimator on one frame: ``estimator`` is its dotted path, ``target`` the
    column to predict, ``features`` the input columns (by default all others), ``data`` the
    dependency holding the frame (needed only when there are several), ``query`` a
    ``DataFrame.query`` filter applied before fitting and scoring; every other keyword is an
    argument of the estimator (``alpha``, ``fit_intercept``, ...). Regressors are scored by
    ``rmse``, ``mae`` and ``r2``, classifiers by ``accuracy``."""

    def __init__(self, estimator: str, target: str, features: list[str] | None = None,
                 data: str | None = None, query: str | None = None, sample_rows: int = 5,
                 **estimator_args: Any) -> None:
        from dataflow.training.config import import_dotted

        self.estimator_class = import_dotted(estimator)
        self.estimator_args = estimator_args
        self.target, self.features, self.data, self.query = target, features, data, query
        self.sample_rows = sample_rows
        self.estimator_class(**estimator_args)  # a wrong argument fails here, before any data

    def _frame(self, dependencies: dict[str, Any]) -> Any:
        if self.data is not None:
            return dependencies[self.data]
        if len(dependencies) != 1:
            raise TypeError(f"SKLearnTrainer got datasets {sorted(dependencies)}: say which one "
                            "to fit with the constructor argument 'data'.")
        return next(iter(dependencies.values()))

    def _xy(self, frame: Any) -> tuple[Any, Any]:
        if self.query:
            frame = frame.query(self.query)
        features = self.features or [c for c in frame.columns if c != self.target]
        return frame[features], frame[self.target]

    def train(self, **dependencies: Any) -> TrainedObject:
        x, y = self._xy(self._frame(dependencies))
        model = self.estimator_class(**self.estimator_args).fit(x, y)
        return TrainedObject(model, sample_input_data=x.head(self.sample_rows),
                             metadata={"rows": len(x), "features": list(x.columns)})

    def evaluate(self, model: Any, **dependencies: Any) -> dict[str, Any]:
        import numpy as np
        from sklearn.base import is_classifier

        x, y = self._xy(self._frame(dependencies))
        predicted = model.predict(x)
        if is_classifier(model):
            return {"accuracy": float(np.mean(predicted == y.to_numpy())), "rows": len(x)}
        actual = y.to_numpy(dtype=float)
        error = predicted - actual
        total = float(np.sum((actual - actual.mean()) ** 2))
        return {
            "rmse": float(np.sqrt(np.mean(error ** 2))),
            "mae": float(np.mean(np.abs(error))),
            "r2": 1.0 - float(np.sum(error ** 2)) / total if total else float("nan"),
            "rows": len(x),
        }
