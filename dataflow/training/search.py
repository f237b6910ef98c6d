"""Search strategies for tuning, apart from the objective (Optuna's study / sampler split): each
proposes parameter sets and is told their values; none knows what a trial runs.

* :class:`GridSearch` — every point of the grid (``min``..``max`` by ``step``, or ``choices``);
* :class:`GaussianProcessSearch` — scikit-learn's Gaussian process regressor as the surrogate
  and expected improvement as the acquisition, batches by the constant-liar rule;
* :class:`TPESearch` — Optuna's TPE sampler through its ask / tell interface.

>>> from dataflow.training.config import ParameterSpec
>>> grid = GridSearch({"a": ParameterSpec(min=0, max=1, step=0.5),
...                    "b": ParameterSpec(type="categorical", choices=["x", "y"])})
>>> [p for p in grid.ask(10)][:3]
[{'a': 0.0, 'b': 'x'}, {'a': 0.0, 'b': 'y'}, {'a': 0.5, 'b': 'x'}]
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Mapping
from typing import Any

from dataflow.training.config import ParameterSpec

__all__ = ["GaussianProcessSearch", "GridSearch", "Search", "TPESearch", "search_for"]


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


class Search:
    """``ask(n)`` → up to ``n`` parameter sets (fewer, or none, when the search is done);
    ``tell(params, value)`` with the metric (``None`` for a failed trial)."""

    def __init__(self, space: Mapping[str, ParameterSpec], direction: str = "minimize",
                 seed: int = 0) -> None:
        self.space, self.direction, self.seed = dict(space), direction, seed

    def ask(self, n: int) -> list[dict[str, Any]]:
        raise NotImplementedError

    def tell(self, params: dict[str, Any], value: float | None) -> None:
        """Record a result (the grid needs none)."""


def grid_values(spec: ParameterSpec) -> list[Any]:
    if spec.choices is not None:
        return list(spec.choices)
    assert spec.min is not None and spec.max is not None and spec.step is not None
    count = math.floor((spec.max - spec.min) / spec.step + 1e-9) + 1
    values = [spec.min + i * spec.step for i in range(count)]
    if spec.type == "int":
        return list(dict.fromkeys(round(v) for v in values))
    return [round(v, 12) for v in values]


class GridSearch(Search):
    def __init__(self, space: Mapping[str, ParameterSpec], direction: str = "minimize",
                 seed: int = 0) -> None:
        super().__init__(space, direction, seed)
        names = list(self.space)
        self._points = iter([dict(zip(names, combo)) for combo in itertools.product(
            *(grid_values(self.space[n]) for n in names))])

    def ask(self, n: int) -> list[dict[str, Any]]:
        return list(itertools.islice(self._points, n))


class GaussianProcessSearch(Search):
    """Bayesian optimisation: ``n_initial`` points from a scrambled Sobol sequence, then the
    points of highest expected improvement (among random candidates and candidates near the
    best so far) under a Matérn-5/2 Gaussian process fitted by scikit-learn on the unit cube
    (log-scaled where ``log: true``)."""

    def __init__(self, space: Mapping[str, ParameterSpec], direction: str = "minimize",
                 seed: int = 0, n_initial: int = 4, n_candidates: int = 2000) -> None:
        super().__init__(space, direction, seed)
        import numpy as np
        from scipy.stats import qmc

        self.n_initial, self.n_candidates = n_initial, n_candidates
        self._rng = np.random.default_rng(seed)
        self._sobol = qmc.Sobol(len(self.space), scramble=True, seed=seed)
        self._x: list[Any] = []
        self._y: list[float] = []
        self._asked = 0

    def _to_unit(self, params: dict[str, Any]) -> list[float]:
        out = []
        for name, spec in self.space.items():
            value = params[name]
            if spec.choices is not None:
                out.append((spec.choices.index(value) + 0.5) / len(spec.choices))
                continue
            assert spec.min is not None and spec.max is not None
            lo, hi, v = spec.min, spec.max, float(value)
            if spec.log:
                lo, hi, v = math.log(lo), math.log(hi), math.log(v)
            out.append(0.0 if hi == lo else (v - lo) / (hi - lo))
        return out

    def _from_unit(self, unit: Any) -> dict[str, Any]:
        params: dict[str, Any] = {}
        for u, (name, spec) in zip(unit, self.space.items()):
            u = min(max(float(u), 0.0), 1.0)
            if spec.choices is not None:
                params[name] = spec.choices[min(int(u * len(spec.choices)),
                                                len(spec.choices) - 1)]
                continue
            assert spec.min is not None and spec.max is not None
            lo, hi = spec.min, spec.max
            if spec.log:
                value = math.exp(math.log(lo) + u * (math.log(hi) - math.log(lo)))
            else:
                value = lo + u * (hi - lo)
            params[name] = round(value) if spec.type == "int" else value
        return params

    def _surrogate(self, xs: Any, ys: Any, kernel: Any = None) -> Any:
        """The GP fitted to the points; with ``kernel`` (a fitted one) its hyperparameters are
        kept as they are (the constant-liar refits within a batch)."""
        from sklearn.gaussian_process import GaussianProcessRegressor
        from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel

        fixed = kernel is not None
        if kernel is None:
            kernel = (ConstantKernel(1.0, (1e-3, 1e3))
                      * Matern(length_scale=[0.3] * xs.shape[1],
                               length_scale_bounds=(1e-2, 1e1), nu=2.5)
                      + WhiteKernel(1e-6, (1e-9, 1e-1)))
        with warnings.catch_warnings():  # bounds reached on a few points: expected, harmless
            warnings.simplefilter("ignore")
            return GaussianProcessRegressor(
                kernel=kernel, normalize_y=True, optimizer=None if fixed else "fmin_l_bfgs_b",
                random_state=self.seed).fit(xs, ys)

    def ask(self, n: int) -> list[dict[str, Any]]:
        import numpy as np
        from scipy.stats import norm

        proposals: list[dict[str, Any]] = []
        xs = [list(x) for x in self._x]
        sign = 1.0 if self.direction == "minimize" else -1.0
        ys = [sign * y for y in self._y]
        kernel = None
        while len(proposals) < n:
            if self._asked < self.n_initial or len(ys) < 2:
                unit = self._sobol.random(1)[0]
            else:
                model = self._surrogate(np.array(xs), np.array(ys), kernel)
                kernel = model.kernel_
                best = int(np.argmin(ys))
                local = np.clip(np.array(xs[best]) + self._rng.normal(
                    0, 0.05, (self.n_candidates // 4, len(self.space))), 0, 1)
                candidates = np.vstack([self._rng.random((self.n_candidates, len(self.space))),
                                        local])
                mean, sd = model.predict(candidates, return_std=True)
                sd = np.maximum(sd, 1e-12)
                gain = min(ys) - mean
                improvement = gain * norm.cdf(gain / sd) + sd * norm.pdf(gain / sd)
                unit = candidates[int(np.argmax(improvement))]
            params = self._from_unit(unit)
            proposals.append(params)
            self._asked += 1
            if ys:  # constant liar: pretend the pending point scored the best so far
                xs.append(self._to_unit(params))
                ys.append(min(ys))
        return proposals

    def tell(self, params: dict[str, Any], value: float | None) -> None:
        if value is None or not math.isfinite(value):
            return
        self._x.append(self._to_unit(params))
        self._y.append(float(value))


class TPESearch(Search):
    """Optuna's tree-structured Parzen estimator (``tuning_type: tpe``)."""

    def __init__(self, space: Mapping[str, ParameterSpec], direction: str = "minimize",
                 seed: int = 0, n_initial: int = 4) -> None:
        super().__init__(space, direction, seed)
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        self._study = optuna.create_study(
            direction="maximize" if direction == "maximize" else "minimize",
            sampler=optuna.samplers.TPESampler(seed=seed, n_startup_trials=n_initial))
        self._pending: dict[int, Any] = {}

    def ask(self, n: int) -> list[dict[str, Any]]:
        out = []
        for _ in range(n):
            trial = self._study.ask()
            params: dict[str, Any] = {}
            for name, spec in self.space.items():
                if spec.choices is not None:
                    params[name] = trial.suggest_categorical(name, spec.choices)
                elif spec.type == "int":
                    params[name] = trial.suggest_int(name, int(spec.min or 0), int(spec.max or 0),
                                                     log=spec.log)
                else:
                    params[name] = trial.suggest_float(name, float(spec.min or 0),
                                                       float(spec.max or 0), log=spec.log)
            self._pending[id(params)] = trial
            out.append(params)
        return out

    def tell(self, params: dict[str, Any], value: float | None) -> None:
        import optuna

        trial = self._pending.pop(id(params))
        if value is None:
            self._study.tell(trial, state=optuna.trial.TrialState.FAIL)
        else:
            self._study.tell(trial, value)


def search_for(tuning_type: str, space: Mapping[str, ParameterSpec], direction: str, seed: int,
               n_initial: int) -> Search:
    if tuning_type == "grid":
        return GridSearch(space, direction, seed)
    if tuning_type == "tpe":
        return TPESearch(space, direction, seed, n_initial)
    return GaussianProcessSearch(space, direction, seed, n_initial)
