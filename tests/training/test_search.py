"""The search strategies on their own (ask / tell, no trials run): the Gaussian-process search
is the ``bayesian-optimization`` library's, over int, log-scaled and categorical parameters."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

from dataflow.training.config import ParameterSpec
from dataflow.training.search import GaussianProcessSearch, GridSearch

pytest.importorskip("bayes_opt")

MIXED = {
    "rate": ParameterSpec(min=1e-4, max=1.0, log=True),
    "depth": ParameterSpec(type="int", min=1, max=12),
    "leaves": ParameterSpec(type="int", min=2, max=512, log=True),
    "kind": ParameterSpec(type="categorical", choices=["linear", "tree", "knn"]),
    "fixed": ParameterSpec(type="categorical", choices=["only"]),
}


SMALL = {name: MIXED[name] for name in ("rate", "depth", "kind", "fixed")}


def small_loss(params: dict) -> float:
    """Known minimum 1.0 at rate=0.01, depth=5, kind='tree'."""
    return (1.0 + (math.log10(params["rate"]) + 2) ** 2 + 0.1 * (params["depth"] - 5) ** 2
            + (0.0 if params["kind"] == "tree" else 3.0))


def mixed_loss(params: dict) -> float:
    """Known minimum 1.0 at rate=0.01, depth=5, leaves=32, kind='tree'."""
    return (1.0 + (math.log10(params["rate"]) + 2) ** 2 + 0.1 * (params["depth"] - 5) ** 2
            + (math.log2(params["leaves"]) - 5) ** 2 + (0.0 if params["kind"] == "tree" else 3.0))


def run(search: GaussianProcessSearch, rounds: int, batch: int,
        fail: frozenset[int] | set[int] = frozenset(), loss: Callable[[dict], float] = mixed_loss
        ) -> list[tuple[dict, float | None]]:
    told = []
    for _ in range(rounds):
        asked = search.ask(batch)
        assert len(asked) == batch
        for params in asked:
            value = None if len(told) in fail else loss(params)
            search.tell(params, value)
            told.append((params, value))
    return told


def test_proposals_respect_types_bounds_and_choices() -> None:
    told = run(GaussianProcessSearch(MIXED, seed=1, n_initial=3), rounds=2, batch=3)
    for params, _ in told:  # 3 random points, then 3 from the Gaussian process
        assert 1e-4 <= params["rate"] <= 1.0 and isinstance(params["rate"], float)
        assert type(params["depth"]) is int and 1 <= params["depth"] <= 12
        assert type(params["leaves"]) is int and 2 <= params["leaves"] <= 512
        assert params["kind"] in {"linear", "tree", "knn"}
        assert params["fixed"] == "only"


def test_a_seed_gives_the_same_search_and_another_seed_another() -> None:
    first = run(GaussianProcessSearch(SMALL, seed=3, n_initial=2), rounds=2, batch=2,
                loss=small_loss)
    again = run(GaussianProcessSearch(SMALL, seed=3, n_initial=2), rounds=2, batch=2,
                loss=small_loss)
    other = run(GaussianProcessSearch(SMALL, seed=4, n_initial=2), rounds=2, batch=2,
                loss=small_loss)
    assert first == again
    assert [p for p, _ in first] != [p for p, _ in other]


def test_the_points_of_a_batch_differ_and_failures_leave_no_pending_point() -> None:
    """n workers ask n points at once: the constant liar keeps them apart; a failed trial
    (told ``None``) teaches nothing and is no longer pending."""
    search = GaussianProcessSearch(SMALL, seed=0, n_initial=4)
    told = run(search, rounds=1, batch=4, fail={1}, loss=small_loss)
    assert [v is None for _, v in told] == [False, True, False, False]
    for _ in range(2):
        batch = search.ask(3)
        assert len({tuple(sorted(p.items())) for p in batch}) == 3, batch
        for params in batch:
            search.tell(params, None if params["kind"] == "knn" else small_loss(params))
    assert search._liar.dummies == []  # nothing pending once every point is told


def test_on_mixed_parameters_the_gp_nears_the_optimum_in_fewer_trials_than_a_grid() -> None:
    """A log-scaled float, an int and a categorical; known minimum 1.0."""
    grid = GridSearch({"rate": ParameterSpec(choices=[1e-4, 1e-3, 1e-2, 1e-1, 1.0]),
                       "depth": ParameterSpec(type="int", min=1, max=12, step=1),
                       "kind": MIXED["kind"], "fixed": MIXED["fixed"]}).ask(10**6)
    grid_count = next(i for i, p in enumerate(grid, 1) if small_loss(p) <= 1.1)
    assert grid_count == 83
    search = GaussianProcessSearch(SMALL, seed=0, n_initial=4)
    values = []
    for _ in range(10):  # 20 trials, 2 workers
        for params in search.ask(2):
            values.append(small_loss(params))
            search.tell(params, values[-1])
    gp_count = next((i for i, v in enumerate(values, 1) if v <= 1.1), None)
    assert gp_count is not None and gp_count < grid_count, values
