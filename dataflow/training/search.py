"""Search strategies for tuning, apart from the objective (Optuna's study / sampler split): each
proposes parameter sets and is told their values; none knows what a trial runs.

* :class:`GridSearch` — every point of the grid (``min``..``max`` by ``step``, or ``choices``);
* :class:`GaussianProcessSearch` — Bayesian optimisation by the ``bayesian-optimization``
  library (a scikit-learn Gaussian process, expected improvement, constant-liar batches);
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
    """Bayesian optimisation by the ``bayesian-optimization`` library (``bayes_opt``): its
    Gaussian process (scikit-learn's, Matérn 5/2, here with one length scale per parameter),
    its expected improvement and its maximisation of it; the points of a batch by its
    constant-liar acquisition (each pending point counts as scoring the best so far until its
    result comes in). The first ``n_initial`` points are the library's random samples.

    ``int`` parameters are its integer parameters, and so are ``choices`` (the index of the
    choice); a ``log: true`` parameter is searched over the logarithm of its range, and a
    parameter with one possible value is left out of the search. Deterministic for a seed."""

    def __init__(self, space: Mapping[str, ParameterSpec], direction: str = "minimize",
                 seed: int = 0, n_initial: int = 4) -> None:
        super().__init__(space, direction, seed)
        import numpy as np
        from bayes_opt import BayesianOptimization, acquisition
        from bayes_opt.parameter import wrap_kernel
        from sklearn.gaussian_process.kernels import Matern

        self.n_initial = n_initial
        self._liar = acquisition.ConstantLiar(acquisition.ExpectedImprovement(xi=0.01),
                                              strategy="max")
        # a parameter with one possible value is no dimension of the search (the library
        # takes at least two choices, and a range with some width)
        self._fixed = {name: _single_value(spec) for name, spec in self.space.items()
                       if _single_value(spec) is not _NONE}
        bounds = {name: _bounds(spec) for name, spec in self.space.items()
                  if name not in self._fixed}
        if not bounds:
            bounds = {"_": (0.0, 1.0)}  # nothing to search: one dummy dimension
        with warnings.catch_warnings():  # integer parameters: "experimental", and they work
            warnings.simplefilter("ignore", UserWarning)
            self._optimizer = BayesianOptimization(
                f=None, pbounds=bounds, acquisition_function=self._liar, random_state=seed,
                verbose=0, allow_duplicate_points=True)
        space_of = self._optimizer.space
        self._optimizer.set_gp_params(kernel=wrap_kernel(
            Matern(length_scale=np.ones(space_of.dim), nu=2.5), space_of.kernel_transform))
        self._asked = 0
        self._pending: dict[int, tuple[dict[str, Any], Any]] = {}

    def ask(self, n: int) -> list[dict[str, Any]]:
        proposals = []
        for _ in range(n):
            dummy = None
            if self._asked < self.n_initial or len(self._optimizer.space) == 0:
                raw = self._optimizer.random_sample(1)[0]
            else:
                with warnings.catch_warnings():  # length scales at their bounds: harmless
                    warnings.simplefilter("ignore")
                    raw = self._optimizer.suggest()
                dummy = self._liar.dummies[-1]
            params = {name: self._fixed[name] if name in self._fixed else _value(spec, raw[name])
                      for name, spec in self.space.items()}
            self._pending[id(params)] = (raw, dummy)
            self._asked += 1
            proposals.append(params)
        return proposals

    def tell(self, params: dict[str, Any], value: float | None) -> None:
        raw, dummy = self._pending.pop(id(params))
        self._liar.dummies = [d for d in self._liar.dummies if d is not dummy]
        if value is None or not math.isfinite(value):
            return  # a failed trial: nothing to learn, and its point is no longer pending
        self._optimizer.register(raw, -value if self.direction == "minimize" else value)


_NONE = object()


def _single_value(spec: ParameterSpec) -> Any:
    """The only value ``spec`` allows (one choice, or ``min == max``), else ``_NONE``."""
    if spec.choices is not None:
        return spec.choices[0] if len(spec.choices) == 1 else _NONE
    if spec.min == spec.max:
        return round(spec.min) if spec.type == "int" else spec.min  # type: ignore[arg-type]
    if spec.type == "int" and spec.min is not None and spec.max is not None \
            and math.ceil(spec.min) == math.floor(spec.max):
        return math.ceil(spec.min)
    return _NONE


def _bounds(spec: ParameterSpec) -> Any:
    """A parameter as ``bayes_opt`` takes it: ``(lo, hi)`` or ``(lo, hi, int)``. Choices are
    the integer index of one (bayes_opt 3.4's constant liar loses categorical parameters: it
    rebuilds the space from the bounds of the one-hot columns)."""
    if spec.choices is not None:
        return (0, len(spec.choices) - 1, int)
    assert spec.min is not None and spec.max is not None
    if spec.log:
        return (math.log(spec.min), math.log(spec.max))
    if spec.type == "int":
        return (math.ceil(spec.min), math.floor(spec.max), int)
    return (float(spec.min), float(spec.max))


def _value(spec: ParameterSpec, raw: Any) -> Any:
    """The parameter's value for ``bayes_opt``'s ``raw`` one (see :func:`_bounds`)."""
    if spec.choices is not None:
        return spec.choices[int(raw)]
    value = math.exp(float(raw)) if spec.log else _plain(raw)
    if spec.type == "int":
        assert spec.min is not None and spec.max is not None
        return min(max(round(value), math.ceil(spec.min)), math.floor(spec.max))
    return float(value)


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
