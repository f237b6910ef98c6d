"""@subdag / @parameterized_subdag: namespacing, inputs, config, nesting, decorators inside."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dataflow.data_quality import DataValidationError
from dataflow.errors import DecoratorError
from dataflow.function_modifiers import parameterized_subdag, source, subdag, value
from dataflow.node import DECORATOR_TAG
from tests.function_modifiers import fixtures_reuse_subdag as fx
from tests.function_modifiers import fixtures_reuse_subdag_features as features
from tests.function_modifiers.helpers import assert_located, build

RAW_B = pd.Series([2.0, 8.0, 10.0])


def _driver(**config):
    return build(fx, config={"label": "a", "factor": 3.0, **config})


def test_subdag_namespaces_nodes_and_feeds_the_function():
    dr = _driver()
    out = dr.execute(["features_a"], inputs={"raw_b": RAW_B})
    assert out["features_a"] == {"mean": 4.0, "max": 10.0, "label": "a"}  # [2, 0, 10]
    nodes = dr.graph.nodes
    assert {"features_a.cleaned", "features_a.scaled", "features_a.mean_value",
            "features_a.raw", "features_a.factor", "features_a.floor"} <= set(nodes)
    assert nodes["features_a.cleaned"].tags[DECORATOR_TAG] == "subdag"
    assert [d.name for d in nodes["features_a.raw"].dependencies] == ["raw_a"]
    # decorators inside the reused module work inside the subdag
    assert {"features_a.scaled_raw", "features_a.scaled_range_validator",
            "features_a.mean_value.raw", "features_a.mean_value.with_rounded"} <= set(nodes)
    assert dr.execute(["features_a.scaled"])["features_a.scaled"].tolist() == [2.0, 0.0, 10.0]


def test_parameterized_subdag_one_subdag_per_name_with_overrides():
    out = _driver().execute(["from_a", "from_b"], inputs={"raw_b": RAW_B})
    assert out == {"from_a": 2.0, "from_b": round((5.0 + 8.0 + 10.0) / 3, 1)}


def test_nested_subdag():
    dr = _driver()
    assert dr.execute(["nested_result"], inputs={"raw_b": RAW_B}) == {
        "nested_result": round(200.0 / 3, 1)}
    assert "outer.inner.scaled" in dr.graph.nodes
    assert [d.name for d in dr.graph.nodes["outer.inner.raw"].dependencies] == ["outer.series"]


def test_driver_config_reaches_the_subdag_and_subdag_config_wins():
    dr = _driver(floor=1000.0)
    # factor is neither an input nor subdag config: the driver's config value (3.0) is used
    assert dr.execute(["driver_factor_mean"]) == {"driver_factor_mean": 6.0}  # [3, 0, 15]
    assert "from_driver.factor" not in dr.graph.nodes
    assert dr.execute(["features_a"], inputs={"raw_b": RAW_B})["features_a"]["mean"] == 4.0


def test_fail_check_inside_a_subdag_names_the_namespaced_node():
    dr = _driver()
    with pytest.raises(DataValidationError) as caught:
        dr.execute(["from_b"], inputs={"raw_b": pd.Series([2000.0])})
    assert "from_b.scaled" in str(caught.value)
    assert caught.value.failures[0].node_name == "from_b.scaled"


def test_decorated_function_is_unchanged():
    assert fx.per_source(1.5) == 1.5


def test_subdag_of_loose_functions():
    def doubled(x: int) -> int:
        return 2 * x

    @subdag(doubled, inputs={"x": value(21)})
    def answer(doubled: int) -> int:
        return doubled

    assert build(answer).execute(["answer"]) == {"answer": 42}


# -- misuse -------------------------------------------------------------------------------------


def test_parameter_not_in_subdag():
    @subdag(features, inputs={"raw": source("raw_a")})
    def bad(mean_valu: float) -> float:
        return mean_valu

    with pytest.raises(DecoratorError) as caught:
        build(bad, fx.raw_a, config={"floor": 0.0, "factor": 1.0})
    message = str(caught.value)
    assert_located(message, "subdag", bad)
    assert "Did you mean 'mean_value'" in message and "external_inputs" in message


def test_inputs_must_be_source_or_value():
    with pytest.raises(DecoratorError) as caught:
        @subdag(features, inputs={"raw": "raw_a"})
        def bad(mean_value: float) -> float:
            return mean_value
    message = str(caught.value)
    assert "@subdag" in message and "bad" in message and "test_subdag.py" in message
    assert "source('node')" in message


def test_inputs_and_config_overlap():
    with pytest.raises(DecoratorError, match="both in inputs and in config"):
        @subdag(features, inputs={"floor": value(1.0)}, config={"floor": 0.0})
        def bad(mean_value: float) -> float:
            return mean_value


def test_constructor_misuse():
    with pytest.raises(TypeError, match="modules or functions"):
        subdag()
    with pytest.raises(TypeError, match="modules or functions"):
        subdag(42)
    with pytest.raises(TypeError, match="list of names"):
        subdag(features, external_inputs="x")
    with pytest.raises(TypeError, match="namespace"):
        subdag(features, namespace="")
    with pytest.raises(TypeError, match="at least one"):
        parameterized_subdag(features)
    with pytest.raises(TypeError, match="inputs, config, external_inputs"):
        parameterized_subdag(features, a={"input": {}})


def test_configuration_input_and_mutate_inside_the_loaded_module():
    from dataflow import ad_hoc_utils
    from dataflow.function_modifiers import configuration

    inner = ad_hoc_utils.module_from_source('''
from dataflow.function_modifiers import mutate

def base(x: int) -> int:
    return x

@mutate(base)
def _plus_ten(v: int) -> int:
    return v + 10
''')

    @subdag(inner, inputs={"x": configuration("start")})
    def wrapped(base: int) -> int:
        return base

    dr = build(wrapped, config={"start": 5})
    assert dr.execute(["wrapped"]) == {"wrapped": 15}
    assert "wrapped.base.with_plus_ten" in dr.graph.nodes


@given(st.lists(st.integers(-3, 3), min_size=1, max_size=5), st.integers(-50, 50))
def test_subdag_equals_running_the_module_directly(offsets, x):
    from dataflow import ad_hoc_utils

    lines = ["def n0(x: int) -> int:\n    return x\n"]
    for i, offset in enumerate(offsets, start=1):
        lines.append(f"def n{i}(n{i - 1}: int) -> int:\n    return n{i - 1} * 2 + {offset}\n")
    module = ad_hoc_utils.module_from_source("\n".join(lines))
    last = f"n{len(offsets)}"
    direct = build(module).execute([last], inputs={"x": x})[last]

    namespace = {"__name__": "subdag_property", "subdag": subdag, "source": source,
                 "module": module}
    exec(f"@subdag(module, inputs={{'x': source('outer_x')}}, namespace='ns')\n"
         f"def final({last}: int) -> int:\n    return {last}\n", namespace)
    assert build(namespace["final"]).execute(["final"], inputs={"outer_x": x}) == {
        "final": direct}


def test_config_when_inside_subdags_uses_the_merged_config():
    from tests.function_modifiers import fixtures_reuse_subdag_configured as taxes

    @parameterized_subdag(taxes, inputs={"amount": source("net")},
                          gross_eu={"config": {"region": "eu"}},
                          gross_default={})
    def gross_total(gross: float) -> float:
        return gross

    dr = build(gross_total, config={"region": "us"})  # the driver's config reaches subdags
    assert dr.execute(["gross_eu", "gross_default"], inputs={"net": 100.0}) == {
        "gross_eu": 120.0, "gross_default": 110.0}
    assert dr.graph.nodes["gross_eu.tax"].origin.function.endswith("tax__eu")


def test_subdag_nodes_carry_the_tags_hamilton_gives_them():
    """Compared with Hamilton 1.90 on the same module: inner nodes keep their own tags and gain
    ``hamilton.non_final_node``; the nodes made for inputs and config carry only that."""
    nodes = _driver().graph.nodes
    inner = {k: v for k, v in nodes["features_a.cleaned"].tags.items() if k != DECORATOR_TAG}
    assert inner == {"module": features.__name__, "hamilton.non_final_node": True}
    for made in ("features_a.raw", "features_a.factor", "features_a.floor"):
        assert {k: v for k, v in nodes[made].tags.items() if k != DECORATOR_TAG} == {
            "hamilton.non_final_node": True}, made
    assert dict(nodes["features_a"].tags) == {"module": fx.__name__}


def test_inputs_and_config_keys_nothing_in_the_subdag_uses_are_refused():
    def typo_in_inputs(mean_value: float) -> float:
        return mean_value

    def typo_in_config(mean_value: float) -> float:
        return mean_value

    for fn, where, key, meant in (
            (subdag(features, inputs={"raw": source("raw_a"), "factr": value(2.0)},
                    config={"floor": 0.0})(typo_in_inputs), "inputs", "factr", "factor"),
            (subdag(features, inputs={"raw": source("raw_a"), "factor": value(2.0)},
                    config={"flor": 0.0})(typo_in_config), "config", "flor", "floor")):
        with pytest.raises(DecoratorError) as caught:
            build(fn, fx.raw_a, config={"label": "a"})
        message = assert_located(caught.value, "subdag", fn)
        assert f"{where} key {key!r} is used by nothing in the subdag" in message
        assert f"Did you mean {meant!r}" in message


def test_config_keys_read_only_by_the_subdags_decorators_are_used():
    import types

    from dataflow.function_modifiers import config

    @config.when(mode="fast")
    def speed__fast() -> int:
        return 10

    @config.when_not(mode="fast")
    def speed__slow() -> int:
        return 1

    reused = types.ModuleType("reused_speed")
    reused.speed__fast, reused.speed__slow = speed__fast, speed__slow
    speed__fast.__module__ = speed__slow.__module__ = "reused_speed"

    @subdag(reused, config={"mode": "fast", "hamilton.enable_power_user_mode": True})
    def fast(speed: int) -> int:
        return speed

    assert build(fast).execute(["fast"]) == {"fast": 10}
