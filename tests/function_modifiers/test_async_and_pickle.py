"""Part-1 decorators on `async def`, with postponed annotations, and drivers using each of
them pickled and executed in a fresh `spawn` process."""

from __future__ import annotations

import multiprocessing
import pickle

import pandas as pd
import pytest

from dataflow import base, driver
from tests.function_modifiers import fixtures_core, fixtures_core_async, fixtures_core_future


def _build(module, config=None):
    return (driver.Builder().with_modules(module).with_config(config or {})
            .with_adapters(base.DictResult()).build())


ASYNC_EXPECTED = {"a_plus_1": 3, "a_plus_2": 4, "a_times_3": 6, "echo_a": 2, "injected": -2,
                  "col_x": [2], "col_y": [4], "pe_1": [6], "pe_2": [3], "fa": 2, "fb": 3,
                  "ua": 2, "ub": -2, "async_does": 7, "chosen": 200}


def _simplify(outputs: dict) -> dict:
    return {k: v.tolist() if isinstance(v, (pd.Series, pd.DataFrame)) else v
            for k, v in outputs.items()}


def test_every_expander_on_async_def():
    dr = _build(fixtures_core_async, {"flavour": "async"})
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
    dr = _build(fixtures_core_future)
    nodes = dr.graph.nodes
    assert nodes["fut_one"].type is int
    assert [(d.name, d.type) for d in nodes["fut_one"].dependencies] == [("seed", int)]
    assert nodes["fc_1"].type is pd.Series and nodes["ff_a"].type is int
    assert nodes["fu_b"].type is str
    out = dr.execute(["fut_one", "fc_2", "ff_a", "fu_a", "fu_b"], inputs={"seed": 1})
    assert _simplify(out) == {"fut_one": 2, "fc_2": [2], "ff_a": 1, "fu_a": 1, "fu_b": "s"}


CORE_NAMES = ["plus_one", "plus_ten", "times_2", "times_3", "from_base", "from_x", "total",
              "c1", "c2", "pa", "qb", "f_int", "f_str", "first", "second", "summed", "variant",
              "tagged", "f2a"]


def run_pickled(payload: bytes, names: list[str], inputs: dict) -> dict:
    """Runs in the spawned child: unpickle the driver and execute."""
    return _simplify(pickle.loads(payload).execute(names, inputs=inputs))


@pytest.fixture(scope="module")
def spawn_pool():
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        yield pool


@pytest.mark.parametrize(("module", "config", "names", "inputs"), [
    (fixtures_core, {"mode": "a"}, CORE_NAMES, {"x": 2}),
    (fixtures_core, {"mode": "b"}, CORE_NAMES, {"x": 2}),
    (fixtures_core_async, {"flavour": "async"}, list(ASYNC_EXPECTED), {"a": 2, "b": 5}),
    (fixtures_core_future, {}, ["fut_one", "fc_1", "ff_a", "fu_b"], {"seed": 3}),
], ids=["core-a", "core-b", "async", "future"])
def test_driver_pickles_and_runs_in_a_spawned_process(spawn_pool, module, config, names,
                                                      inputs):
    dr = _build(module, config)
    expected = _simplify(dr.execute(names, inputs=inputs))
    payload = pickle.dumps(dr)
    assert spawn_pool.apply(run_pickled, (payload, names, inputs)) == expected


def test_core_values_and_variant_choice():
    out = _build(fixtures_core, {"mode": "b"}).execute(CORE_NAMES, inputs={"x": 2})
    assert out["variant"] == -3 and out["total"] == 105 and out["summed"] == 5
    assert out["qb"].tolist() == [2] and out["plus_ten"] == 13


def test_every_generated_callable_pickles_by_value():
    for module, config in ((fixtures_core, {"mode": "a"}),
                           (fixtures_core_async, {"flavour": "async"})):
        for node in _build(module, config).graph.nodes.values():
            if node.fn is not None:
                restored = pickle.loads(pickle.dumps(node.fn))
                assert type(restored) is type(node.fn)
