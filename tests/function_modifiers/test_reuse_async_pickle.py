"""Every reuse decorator on `async def`, and drivers using each decorator pickled and executed
in a fresh `spawn` process (generated callables are top-level classes, never closures)."""

from __future__ import annotations

import multiprocessing
import pickle

import pandas as pd
import pytest

from dataflow.data_quality import DataValidationError
from tests.function_modifiers import (
    fixtures_reuse_async,
    fixtures_reuse_checks,
    fixtures_reuse_columns,
    fixtures_reuse_mutate_targets,
    fixtures_reuse_mutators,
    fixtures_reuse_pipes,
    fixtures_reuse_subdag,
)
from tests.function_modifiers.fixtures_reuse_helpers import build

FRAME = pd.DataFrame({"spend": [10.0, 20.0], "signups": [2.0, 4.0]})


def test_async_steps_and_async_decorated_functions():
    dr = build(fixtures_reuse_pipes, config={"mode": "big"})
    assert dr.execute(["async_step_in"], inputs={"x": 1}) == {"async_step_in": 8}
    assert dr.execute(["async_piped_out"], inputs={"x": 1}) == {"async_piped_out": 4}
    assert dr.graph.nodes["async_piped_out.raw"].is_async
    assert dr.graph.nodes["async_step_in.with_async_add"].is_async


def test_async_subdag_with_columns_and_check_output():
    dr = build(fixtures_reuse_async)
    out = dr.execute(["doubled_seed", "async_frame", "checked_async"],
                     inputs={"seed": 3, "raw_df": FRAME})
    assert out["doubled_seed"] == 7
    assert out["async_frame"]["async_ratio"].tolist() == [5.0, 5.0]
    assert out["checked_async"] == 3
    with pytest.raises(DataValidationError):
        dr.execute(["checked_async"], inputs={"seed": 30})


CASES = [
    ((fixtures_reuse_pipes,), {"mode": "big"}, ["piped_in", "piped_out", "async_piped_out"],
     {"x": 1}, {"piped_in": 112, "piped_out": 45, "async_piped_out": 4}),
    ((fixtures_reuse_mutate_targets, fixtures_reuse_mutators), {}, ["spend"], {},
     {"spend": [10.0, 0.0, 30.0]}),
    ((fixtures_reuse_subdag,), {"label": "x", "factor": 1.0}, ["from_a", "nested_result"],
     {"raw_b": pd.Series([1.0])}, {"from_a": 2.0, "nested_result": 10.0}),
    ((fixtures_reuse_columns,), {}, ["enriched"], {"raw_df": FRAME},
     {"enriched": [10.0, 10.0]}),  # the last column is ratio_x2
    ((fixtures_reuse_checks,), {}, ["even", "even_even_validator"], {"n": 4},
     {"even": 4, "even_even_validator": True}),
    ((fixtures_reuse_async,), {}, ["doubled_seed", "async_frame"],
     {"seed": 1, "raw_df": FRAME}, {"doubled_seed": 3, "async_frame": [5.0, 5.0]}),
]


def _simplify(outputs: dict) -> dict:
    simple = {}
    for name, item in outputs.items():
        if isinstance(item, pd.DataFrame):
            item = item.iloc[:, -1].tolist()
        elif isinstance(item, pd.Series):
            item = item.tolist()
        elif hasattr(item, "passes"):
            item = item.passes
        simple[name] = item
    return simple


def run_pickled(payload: bytes, names: list[str], inputs: dict) -> dict:
    """Runs in the spawned child: unpickle the driver and execute."""
    dr = pickle.loads(payload)
    return _simplify(dr.execute(names, inputs=inputs))


@pytest.fixture(scope="module")
def spawn_pool():
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        yield pool


@pytest.mark.parametrize(("modules", "config", "names", "inputs", "expected"), CASES,
                         ids=["pipes", "mutate", "subdag", "with_columns", "check_output",
                              "async"])
def test_driver_pickles_and_runs_in_a_spawned_process(spawn_pool, modules, config, names,
                                                      inputs, expected):
    dr = build(*modules, config=config)
    payload = pickle.dumps(dr)
    assert _simplify(dr.execute(names, inputs=inputs)) == expected
    assert spawn_pool.apply(run_pickled, (payload, names, inputs)) == expected


def test_validation_error_crosses_processes(spawn_pool):
    payload = pickle.dumps(build(fixtures_reuse_checks))
    with pytest.raises(DataValidationError) as caught:
        spawn_pool.apply(run_pickled, (payload, ["even"], {"n": 3}))
    assert caught.value.failures[0].validator_node == "even_even_validator"


def test_generated_node_callables_pickle_by_value():
    dr = build(fixtures_reuse_pipes, fixtures_reuse_subdag, fixtures_reuse_columns,
               fixtures_reuse_checks, fixtures_reuse_mutate_targets, fixtures_reuse_mutators,
               config={"mode": "big", "label": "x", "factor": 1.0})
    for node in dr.graph.nodes.values():
        if node.fn is not None:
            pickle.loads(pickle.dumps(node.fn))


def test_async_decorated_function_with_pipe_input_and_subdag_final():
    import asyncio

    from dataflow.function_modifiers import pipe_input, source, step, subdag

    def _inc(v: int) -> int:
        return v + 1

    @pipe_input(step(_inc))
    async def awaited(x: int) -> int:
        await asyncio.sleep(0)
        return x * 10

    def base(x: int) -> int:
        return x

    @subdag(base, inputs={"x": source("seed")})
    async def awaited_sub(base: int) -> int:
        await asyncio.sleep(0)
        return base - 1

    dr = build(awaited, awaited_sub)
    assert dr.graph.nodes["awaited"].is_async and dr.graph.nodes["awaited_sub"].is_async
    assert dr.execute(["awaited", "awaited_sub"], inputs={"x": 1, "seed": 5}) == {
        "awaited": 20, "awaited_sub": 4}
