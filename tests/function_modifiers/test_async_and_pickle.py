"""Every decorator on `async def` and with postponed annotations, and drivers using each
decorator pickled and executed in a fresh `spawn` process (generated callables are top-level
classes, never closures)."""

from __future__ import annotations

import multiprocessing
import pickle

import pandas as pd
import pytest

from dataflow.data_quality import DataValidationError
from tests.function_modifiers import (
    fixtures_core,
    fixtures_core_async,
    fixtures_core_future,
    fixtures_reuse_async,
    fixtures_reuse_checks,
    fixtures_reuse_columns,
    fixtures_reuse_mutate_targets,
    fixtures_reuse_mutators,
    fixtures_reuse_pipes,
    fixtures_reuse_subdag,
)
from tests.function_modifiers.helpers import build

FRAME = pd.DataFrame({"spend": [10.0, 20.0], "signups": [2.0, 4.0]})

ASYNC_EXPECTED = {"a_plus_1": 3, "a_plus_2": 4, "a_times_3": 6, "echo_a": 2, "injected": -2,
                  "col_x": [2], "col_y": [4], "pe_1": [6], "pe_2": [3], "fa": 2, "fb": 3,
                  "ua": 2, "ub": -2, "async_does": 7, "chosen": 200}


def _simplify(outputs: dict) -> dict:
    """Comparable values: a Series as a list, a DataFrame as its last column, a validation
    result as whether it passes."""
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


def test_every_expander_on_async_def():
    dr = build(fixtures_core_async, config={"flavour": "async"})
    out = dr.execute(list(ASYNC_EXPECTED), inputs={"a": 2, "b": 5})
    assert _simplify(out) == ASYNC_EXPECTED
    nodes = dr.graph.nodes
    for name in ("a_plus_1", "a_times_3", "echo_a", "injected", "async_frame",
                 "async_param_frame__0", "async_fields", "async_pair", "async_does", "chosen"):
        assert nodes[name].is_async, name
    for name in ("col_x", "pe_1", "fa", "ua"):
        assert not nodes[name].is_async, name
    assert nodes["chosen"].tags["kind"] == "async"


def test_postponed_annotations_module_types():
    dr = build(fixtures_core_future)
    nodes = dr.graph.nodes
    assert nodes["fut_one"].type is int
    assert [(d.name, d.type) for d in nodes["fut_one"].dependencies] == [("seed", int)]
    assert nodes["fc_1"].type is pd.Series and nodes["ff_a"].type is int
    assert nodes["fu_b"].type is str
    out = dr.execute(["fut_one", "fc_2", "ff_a", "fu_a", "fu_b"], inputs={"seed": 1})
    assert _simplify(out) == {"fut_one": 2, "fc_2": [2], "ff_a": 1, "fu_a": 1, "fu_b": "s"}


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


CORE_NAMES = ["plus_one", "plus_ten", "times_2", "times_3", "from_base", "from_x", "total",
              "c1", "c2", "pa", "qb", "f_int", "f_str", "first", "second", "summed", "variant",
              "tagged", "f2a"]


CASES = [
    ((fixtures_core,), {"mode": "a"}, CORE_NAMES, {"x": 2}, None),
    ((fixtures_core,), {"mode": "b"}, CORE_NAMES, {"x": 2}, None),
    ((fixtures_core_async,), {"flavour": "async"}, list(ASYNC_EXPECTED), {"a": 2, "b": 5},
     ASYNC_EXPECTED),
    ((fixtures_core_future,), {}, ["fut_one", "fc_1", "ff_a", "fu_b"], {"seed": 3}, None),
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


def run_pickled(payload: bytes, names: list[str], inputs: dict) -> dict:
    """Runs in the spawned child: unpickle the driver and execute."""
    return _simplify(pickle.loads(payload).execute(names, inputs=inputs))


@pytest.fixture(scope="module")
def spawn_pool():
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        yield pool


@pytest.mark.parametrize(("modules", "config", "names", "inputs", "expected"), CASES,
                         ids=["core-a", "core-b", "core-async", "future", "pipes", "mutate",
                              "subdag", "with_columns", "check_output", "reuse-async"])
def test_driver_pickles_and_runs_in_a_spawned_process(spawn_pool, modules, config, names,
                                                      inputs, expected):
    dr = build(*modules, config=config)
    here = _simplify(dr.execute(names, inputs=inputs))
    if expected is not None:
        assert here == expected
    assert spawn_pool.apply(run_pickled, (pickle.dumps(dr), names, inputs)) == here


def test_core_values_and_variant_choice():
    out = build(fixtures_core, config={"mode": "b"}).execute(CORE_NAMES, inputs={"x": 2})
    assert out["variant"] == -3 and out["total"] == 105 and out["summed"] == 5
    assert out["qb"].tolist() == [2] and out["plus_ten"] == 13


@pytest.mark.parametrize(("modules", "config"), [
    ((fixtures_core,), {"mode": "a"}),
    ((fixtures_core_async,), {"flavour": "async"}),
    ((fixtures_reuse_pipes, fixtures_reuse_subdag, fixtures_reuse_columns, fixtures_reuse_checks,
      fixtures_reuse_mutate_targets, fixtures_reuse_mutators),
     {"mode": "big", "label": "x", "factor": 1.0}),
], ids=["core", "core-async", "reuse"])
def test_every_generated_callable_pickles_by_value(modules, config):
    for node in build(*modules, config=config).graph.nodes.values():
        if node.fn is not None:
            restored = pickle.loads(pickle.dumps(node.fn))
            assert type(restored) is type(node.fn)


def test_validation_error_crosses_processes(spawn_pool):
    payload = pickle.dumps(build(fixtures_reuse_checks))
    with pytest.raises(DataValidationError) as caught:
        spawn_pool.apply(run_pickled, (payload, ["even"], {"n": 3}))
    assert caught.value.failures[0].validator_node == "even_even_validator"


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
