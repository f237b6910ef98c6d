"""config.when / when_not / when_in / when_not_in / config(predicate), name__variant,
dataflow_exclude / hamilton_exclude, resolve: success through real drivers and misuse."""

from __future__ import annotations

import pytest

from dataflow import ad_hoc_utils, base, driver
from dataflow.errors import DecoratorError, DuplicateNodeError, MissingInputsError
from dataflow.function_modifiers import (
    ResolveAt,
    config,
    dataflow_exclude,
    extract_columns,
    hamilton_exclude,
    parameterize,
    resolve,
    resolve_from_config,
    value,
)
from tests.function_modifiers.helpers import build, build_error, location


@config.when(region="eu")
def rate__eu() -> float:
    return 0.2


@config.when(region="us")
def rate__us() -> float:
    return 0.07


@config.when_in(region=["apac", "latam"])
def rate__other() -> float:
    return 0.1


def price(rate: float, net: float) -> float:
    return net * (1 + rate)


@pytest.mark.parametrize(("region", "expected"),
                         [("eu", 120.0), ("us", 107.0), ("apac", 110.00000000000001)])
def test_when_and_when_in_choose_one_variant_named_without_suffix(region, expected):
    dr = build(rate__eu, rate__us, rate__other, price, config={"region": region})
    assert dr.execute(["price"], inputs={"net": 100.0}) == {"price": pytest.approx(expected)}
    assert "rate" in dr.graph.nodes
    assert not any(name.startswith("rate__") for name in dr.graph.nodes)
    node = dr.graph.nodes["rate"]
    chosen = {"eu": rate__eu, "us": rate__us, "apac": rate__other}[region]
    assert node.originating_functions == (chosen,)
    assert location(chosen) == node.origin.location


@config.when_not(fast=True)
def model__slow(data: int) -> int:
    return data * 2


@config.when_not_in(fast=[True, "yes"])
@config.when(enabled=True)
def extra(data: int) -> int:
    return data + 1


def test_when_not_and_when_not_in_and_stacking():
    dr = build(model__slow, extra, config={"fast": False, "enabled": True})
    assert dr.execute(["model", "extra"], inputs={"data": 3}) == {"model": 6, "extra": 4}
    dr = build(model__slow, extra, config={"fast": "yes", "enabled": True})
    assert "extra" not in dr.graph.nodes and "model" in dr.graph.nodes
    dr = build(model__slow, extra, config={"fast": False, "enabled": False})
    assert "extra" not in dr.graph.nodes  # stacked filters must all hold


def test_absent_config_key_reads_as_none_like_hamilton():
    dr = build(rate__eu, model__slow, config={})
    assert "rate" not in dr.graph.nodes  # when(region="eu") with no region: inactive
    assert "model" in dr.graph.nodes  # when_not(fast=True) with no fast: active


@config(lambda cfg: (cfg["level"] or 0) > 2, config_used=["level"])
def detail(data: int) -> int:
    return data * 100


@config(lambda cfg: cfg.get("level") is None, target_name="detail")
def detail_default(data: int) -> int:
    return -1


def test_custom_predicate_and_target_name():
    assert build(detail, config={"level": 3}).execute(["detail"], inputs={"data": 1}) == {
        "detail": 100}
    assert "detail" not in build(detail, config={"level": 1}).graph.nodes
    dr = build(detail, detail_default, config={})
    assert dr.execute(["detail"], inputs={"data": 1}) == {"detail": -1}


@config(lambda cfg: cfg["level"] > 2)
def broken_predicate(data: int) -> int:
    return data


def test_predicate_error_is_located():
    message = build_error(DecoratorError, "config", broken_predicate, config={})
    assert "KeyError" in message


@config.when(mode="a")
def dup__one(data: int) -> int:
    return 1


@config.when_in(mode=["a", "b"])
def dup__two(data: int) -> int:
    return 2


def test_two_active_variants_name_both_functions_and_lines():
    with pytest.raises(DuplicateNodeError) as info:
        build(dup__one, dup__two, config={"mode": "a"})
    message = str(info.value)
    assert "'dup'" in message
    assert location(dup__one) in message and location(dup__two) in message
    assert "@config.when" in message
    dr = build(dup__one, dup__two, config={"mode": "b"})
    assert dr.execute(["dup"], inputs={"data": 0}) == {"dup": 2}


def uses_rate(rate: float) -> float:
    return rate * 2


def test_no_active_variant_leaves_a_missing_input_named_with_its_consumer():
    dr = build(rate__eu, rate__us, uses_rate, config={"region": "mars"})
    with pytest.raises(MissingInputsError) as info:
        dr.execute(["uses_rate"])
    message = str(info.value)
    assert "rate" in message and "uses_rate" in message


def test_config_misuse_at_decoration():
    with pytest.raises(TypeError, match="at least one key=value"):
        config.when()
    with pytest.raises(TypeError, match="collection of values"):
        config.when_in(region="eu")
    with pytest.raises(TypeError, match="function of the config"):
        config("not callable")  # type: ignore[arg-type]


def helper_in_module(x: int) -> int:
    return x


def test_dataflow_exclude_and_hamilton_exclude():
    source = (
        "from dataflow.function_modifiers import dataflow_exclude, hamilton_exclude\n"
        "@dataflow_exclude\n"
        "def helper(a: int) -> int:\n    return a\n"
        "@hamilton_exclude\n"
        "def other(a: int) -> int:\n    return a\n"
        "def node_fn(a: int) -> int:\n    return helper(a) + other(a)\n"
    )
    module = ad_hoc_utils.module_from_source(source)
    dr = driver.Builder().with_modules(module).with_adapters(base.DictResult()).build()
    assert set(dr.graph.nodes) == {"node_fn", "a"}
    assert dr.execute(["node_fn"], inputs={"a": 2}) == {"node_fn": 4}
    assert hamilton_exclude is dataflow_exclude
    assert dataflow_exclude(helper_in_module)(3) == 3  # still callable as written


@resolve(when=ResolveAt.CONFIG_AVAILABLE,
         decorate_with=lambda columns: extract_columns(*columns))
def wide(n: int) -> __import__("pandas").DataFrame:
    import pandas as pd

    return pd.DataFrame({c: [n] for c in ("a", "b", "c")})


def test_resolve_builds_decorator_from_config_without_touching_the_function():
    dr = build(wide, config={"columns": ["a", "c"]})
    assert {"wide", "a", "c"} <= set(dr.graph.nodes) and "b" not in dr.graph.nodes
    assert dr.execute(["c"], inputs={"n": 5})["c"].tolist() == [5]
    dr = build(wide, config={"columns": ["b"], "hamilton.enable_power_user_mode": True})
    assert "b" in dr.graph.nodes
    from dataflow.resolve import instructions_of

    assert len(instructions_of(wide)) == 1  # only the @resolve instruction; nothing added


@resolve_from_config(decorate_with=lambda scale, offset=0: parameterize(
    **{f"scaled_{scale}": {"factor": value(scale + offset)}}))
def scaled(data: int, factor: int) -> int:
    return data * factor


def test_resolve_optional_keys_and_missing_required_key():
    assert build(scaled, config={"scale": 3}).execute(["scaled_3"], inputs={"data": 2}) == {
        "scaled_3": 6}
    assert build(scaled, config={"scale": 3, "offset": 1}).execute(
        ["scaled_3"], inputs={"data": 2}) == {"scaled_3": 8}
    message = build_error(DecoratorError, "resolve", scaled, config={})
    assert "'scale'" in message and "with_config" in message


@resolve(when=ResolveAt.CONFIG_AVAILABLE, decorate_with=lambda flag: 42)
def not_a_decorator(data: int) -> int:
    return data


def test_resolve_must_return_a_decorator():
    message = build_error(DecoratorError, "resolve", not_a_decorator, config={"flag": 1})
    assert "must return a decorator" in message


def test_resolve_rejects_other_when():
    with pytest.raises(TypeError, match="CONFIG_AVAILABLE"):
        resolve(when="later", decorate_with=lambda a: None)  # type: ignore[arg-type]


# -- one config condition for @config.when* and step(...).when* (values from Hamilton 1.90) -----

def _add(v: int, n: int) -> int:
    return v + n


CONDITIONS = [  # (kind, pairs, weight): the decorator's function and the step share each one
    ("when", {"a": None}, 1),
    ("when_not", {"a": None}, 10),
    ("when_in", {"a": [None, 1]}, 100),
    ("when_not_in", {"a": [None, 1]}, 1000),
    ("when_not", {"a": 5}, 10000),
    ("when", {"a": 5}, 100000),
]


def _condition_module():
    from dataflow.function_modifiers import pipe_output, step

    functions = []
    for kind, pairs, weight in CONDITIONS:
        def chosen() -> int:
            return 0

        chosen.__name__ = chosen.__qualname__ = f"chosen_{weight}"
        functions.append(getattr(config, kind)(**pairs)(chosen))
    steps = [getattr(step(_add, n=weight).named(f"s{weight}"), kind)(**pairs)
             for kind, pairs, weight in CONDITIONS]

    def piped() -> int:
        return 0

    return [*functions, pipe_output(*steps)(piped)]


@pytest.mark.parametrize(("configuration", "expected"), [
    ({}, 10101), ({"a": None}, 10101), ({"a": 1}, 10110), ({"a": 5}, 101010)])
def test_config_when_and_step_when_agree_on_absent_keys_as_hamilton_does(configuration,
                                                                          expected):
    dr = build(*_condition_module(), config=configuration)
    assert dr.execute(["piped"]) == {"piped": expected}
    chosen = sum(weight for _, _, weight in CONDITIONS if f"chosen_{weight}" in dr.graph.nodes)
    assert chosen == expected


# -- what config switched off is kept for request errors -------------------------------------


@config.when(scaling="log")
def spend_scaled__log(spend: float) -> float:
    return spend


@config.when(scaling="zscore")
def spend_scaled__zscore(spend: float) -> float:
    return spend


@config(lambda cfg: False, target_name="never")
def custom_off(spend: float) -> float:
    return spend


def test_graph_keeps_the_functions_config_switched_off():
    from dataflow.graph import ExcludedFunction
    from dataflow.node import origin_of

    graph = build(spend_scaled__log, spend_scaled__zscore, custom_off,
                  config={"scaling": "none"}).graph
    assert "spend_scaled" not in graph.nodes
    assert graph.excluded == (
        ExcludedFunction("spend_scaled", "spend_scaled__log", origin_of(spend_scaled__log),
                         "config.when(scaling='log')", ("scaling",)),
        ExcludedFunction("spend_scaled", "spend_scaled__zscore",
                         origin_of(spend_scaled__zscore), "config.when(scaling='zscore')",
                         ("scaling",)),
        ExcludedFunction("never", "custom_off", origin_of(custom_off),
                         "config(<lambda> at test_choose_by_config.py:"
                         f"{custom_off.__code__.co_firstlineno})"),
    )
    chosen = build(spend_scaled__log, spend_scaled__zscore, config={"scaling": "log"}).graph
    assert [e.function for e in chosen.excluded] == ["spend_scaled__zscore"]


def test_nodes_chosen_by_config_carry_hamiltons_config_tag():
    from dataflow.resolve import CONFIG_TAG

    nodes = build(rate__eu, detail, detail_default, config={"region": "eu"}).graph.nodes
    assert nodes["rate"].tags[CONFIG_TAG] == "region"
    assert nodes["detail"].tags[CONFIG_TAG] == "__UNKNOWN__"  # a predicate without config_used
    assert CONFIG_TAG not in build(price, config={}).graph.nodes["price"].tags
