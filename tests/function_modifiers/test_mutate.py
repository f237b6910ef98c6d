"""@mutate across modules: targets are never modified; the build stage applies mutators."""

from __future__ import annotations

import pandas as pd
import pytest

from dataflow import ad_hoc_utils
from dataflow.errors import DecoratorError
from dataflow.function_modifiers import apply_to, mutate, step, value
from dataflow.marks import INSTRUCTIONS_ATTRIBUTE, REMOTE_ATTRIBUTE
from dataflow.node import DECORATOR_TAG
from tests.function_modifiers import fixtures_reuse_mutate_targets as targets
from tests.function_modifiers import fixtures_reuse_mutators as mutators
from tests.function_modifiers.helpers import assert_located, build


def test_mutators_in_another_module_pipe_the_targets():
    dr = build(targets, mutators)
    out = dr.execute(["spend", "signups", "already_piped", "untouched"])
    assert out["spend"].tolist() == [10.0, 0.0, 30.0]  # floor at 0, then x10
    assert out["signups"].tolist() == [10.0, 20.0, 30.0]  # scale only when configured
    assert out["already_piped"].tolist() == [2.0, 4.0]  # joins the existing pipe_output chain
    assert out["untouched"].tolist() == [5.0]
    nodes = dr.graph.nodes
    assert [d.name for d in nodes["spend"].dependencies] == ["spend.with_scale"]
    assert {d.name for d in nodes["spend.with_floor"].dependencies} == {"spend.raw",
                                                                        "floor_value"}
    assert nodes["spend.with_floor"].tags[DECORATOR_TAG] == "mutate"
    assert [d.name for d in nodes["already_piped.doubled"].dependencies] == [
        "already_piped.with_plus_one"]
    assert "_floor" not in nodes and "_scale" not in nodes  # mutators define no node


def test_when_on_apply_to():
    dr = build(targets, mutators, config={"scale_signups": True})
    assert dr.execute(["signups"])["signups"].tolist() == [30.0, 60.0, 90.0]


def test_module_order_does_not_matter_and_targets_stay_untouched():
    dr = build(mutators, targets)
    assert dr.execute(["spend"])["spend"].tolist() == [10.0, 0.0, 30.0]
    assert INSTRUCTIONS_ATTRIBUTE not in targets.spend.__dict__
    assert REMOTE_ATTRIBUTE not in targets.spend.__dict__
    assert targets.spend().tolist() == [1.0, -2.0, 3.0]
    assert mutators._floor(pd.Series([-1.0]), 0.0).tolist() == [0.0]


def test_without_the_mutator_module_nothing_changes():
    dr = build(targets)
    assert dr.execute(["spend"])["spend"].tolist() == [1.0, -2.0, 3.0]
    assert "spend.raw" not in dr.graph.nodes


def test_two_drivers_do_not_leak_into_each_other():
    build(targets, mutators)
    build(targets, mutators)
    assert build(targets).execute(["spend"])["spend"].tolist() == [1.0, -2.0, 3.0]
    assert build(targets, mutators).execute(["spend"])["spend"].tolist() == [10.0, 0.0, 30.0]


def test_mutate_in_a_temporary_module_and_on_output():
    from dataflow.function_modifiers import parameterized_subdag

    def base_value(x: int) -> int:
        return x

    @parameterized_subdag(base_value, one={"inputs": {"x": value(1)}},
                          two={"inputs": {"x": value(2)}})
    def fam(base_value: int) -> int:
        return base_value

    @mutate(apply_to(fam).on_output("two"))
    def _negate(v: int) -> int:
        return -v

    assert build(fam, _negate).execute(["one", "two"]) == {"one": 1, "two": -2}


# -- misuse -------------------------------------------------------------------------------------


def test_missing_target_names_mutator_and_suggests():
    def spend_total() -> int:
        return 1

    @mutate("spend_totl")
    def _fix(v: int) -> int:
        return v

    with pytest.raises(DecoratorError) as caught:
        build(spend_total, _fix)
    message = str(caught.value)
    assert_located(message, "mutate", _fix)
    assert "'spend_totl'" in message and "Did you mean 'spend_total'" in message


def test_target_module_not_in_driver():
    with pytest.raises(DecoratorError) as caught:
        build(mutators)
    message = str(caught.value)
    assert "@mutate" in message and "_floor" in message
    assert "fixtures_reuse_mutate_targets" in message and "with_modules" in message


def test_mutator_first_parameter_must_accept_target_type():
    def count() -> int:
        return 1

    @mutate(count)
    def _shout(text: str) -> str:
        return text.upper()

    with pytest.raises(DecoratorError) as caught:
        build(count, _shout)
    message = str(caught.value)
    assert_located(message, "mutate", _shout)
    assert "mutating" in message and "count" in message and "annotated str" in message


def test_mutator_keyword_must_exist():
    def count() -> int:
        return 1

    @mutate(count, factr=2)
    def _times(v: int, factor: int) -> int:
        return v * factor

    with pytest.raises(DecoratorError, match="no parameter 'factr'.*Did you mean 'factor'"):
        build(count, _times)


def test_constructor_misuse():
    def _m(v: int) -> int:
        return v

    with pytest.raises(TypeError, match="at least one target"):
        mutate()
    with pytest.raises(TypeError, match="target functions"):
        mutate(42)
    with pytest.raises(TypeError, match="apply_to"):
        mutate(step(_m))
    with pytest.raises(TypeError):
        apply_to(3)


def test_mutate_on_async_target():
    async def fetched() -> int:
        return 4

    @mutate(fetched)
    def _inc(v: int) -> int:
        return v + 1

    module = ad_hoc_utils.create_temporary_module(fetched, _inc)
    assert build(module).execute(["fetched"]) == {"fetched": 5}


def test_a_mutator_replaced_by_a_later_def_of_the_same_name_still_applies():
    from tests.function_modifiers import fixtures_reuse_mutate_twice as twice

    dr = build(twice)
    assert dr.execute(["a"], inputs={"x": 1}) == {"a": 23}  # Hamilton 1.90 gives 23 too
    assert [n for n in dr.graph.nodes if n.startswith("a.")] == ["a.raw", "a.with_m",
                                                                  "a.with_m_1"]


def test_reloading_a_module_does_not_apply_its_mutators_again():
    import importlib

    from tests.function_modifiers import fixtures_reuse_mutate_twice as twice

    reloaded = importlib.reload(twice)
    assert build(reloaded).execute(["a"], inputs={"x": 1}) == {"a": 23}


def test_running_the_same_definition_again_replaces_the_mutator():
    """A notebook cell run twice defines the mutator twice at the same place: it applies once."""
    source = ("from dataflow.function_modifiers import mutate\n"
              "def a(x: int) -> int:\n    return x + 1\n")
    cell = "@mutate(a)\ndef _m(a: int) -> int:\n    return a * 10\n"
    module = ad_hoc_utils.module_from_source(source)
    code = compile(cell, "<cell 1>", "exec")
    exec(code, vars(module))
    exec(code, vars(module))
    assert build(module).execute(["a"], inputs={"x": 1}) == {"a": 20}


def test_apply_to_naming_forms_match_hamilton():
    """Hamilton's mutate example names a step ``.named(name="", namespace="...")``; Hamilton
    keeps every mutate step in the target's namespace, so that node is ``data_2.``."""
    source = (
        "from dataflow.function_modifiers import apply_to, mutate, source\n"
        "def data_2(x: int) -> int:\n    return x\n"
        "def data_3() -> int:\n    return 100\n"
        "@mutate(apply_to(data_2).named('a'))\n"
        "def _plus(v: int) -> int:\n    return v + 1\n"
        "@mutate(apply_to(data_2, k=3).named('b', namespace='foo'))\n"
        "def _times(v: int, k: int) -> int:\n    return v * k\n"
        "@mutate(apply_to(data_2).named(name='', namespace='some_random_namespace'),\n"
        "        other=source('data_3'))\n"
        "def _join(v: int, other: int) -> int:\n    return v + other\n"
    )
    dr = build(ad_hoc_utils.module_from_source(source))
    assert sorted(n for n in dr.graph.nodes if n.startswith("data_2")) == [
        "data_2", "data_2.", "data_2.a", "data_2.b", "data_2.raw"]
    assert dr.execute(["data_2"], inputs={"x": 1}) == {"data_2": 106}
