"""Regression tests for request semantics that used to give silently wrong results or refuse
valid Hamilton requests (issue 7): config named like a function, per-consumer input checks,
optional inputs, pass-through inputs, override typos, failures reported to graph hooks, and
the plan cache's bounds."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import pandas as pd
import pytest

from dataflow import ad_hoc_utils, driver
from dataflow.errors import EdgeTypeError, InputTypeError, RequestError, UnknownOutputError
from dataflow.graph import ExcludedFunction
from dataflow.lifecycle import GraphExecutionHook
from dataflow.node import NodeRole, Origin


def _driver(*functions: Any, config: dict[str, Any] | None = None) -> driver.Driver:
    module = ad_hoc_utils.create_temporary_module(*functions)
    return driver.Builder().with_modules(module).with_config(config or {}).build()


calls: list[str] = []


def a(x: int) -> int:
    calls.append("a")
    return x + 1


def b(a: int) -> int:
    return a * 10


# -- a config key named like a function node ------------------------------------------------

def test_config_value_replaces_the_function_node_and_the_function_never_runs():
    calls.clear()
    dr = _driver(a, b, config={"a": 100})
    assert dr.execute(["b"]) == {"b": 1000}
    assert dr.execute(["a"]) == {"a": 100}
    assert calls == []
    assert dr.graph.nodes["a"].role is NodeRole.CONFIG
    assert "x" not in dr.graph.nodes  # only the replaced function needed it
    assert dr.graph.replaced_by_config["a"].origin is not None


def test_override_still_beats_a_config_value_standing_for_a_function():
    dr = _driver(a, b, config={"a": 100})
    assert dr.execute(["b"], overrides={"a": 7}) == {"b": 70}


def test_config_value_standing_for_a_function_is_type_checked_against_its_consumers():
    with pytest.raises(EdgeTypeError) as caught:
        _driver(a, b, config={"a": "text"})
    assert "Config value 'a' is a str" in str(caught.value)
    assert "parameter 'a' of" in str(caught.value) and "expects int" in str(caught.value)


# -- inputs are checked against the consumers the request runs ---------------------------------

def as_text(q: object) -> str:
    return str(q)


def as_int(q: int) -> int:
    return q


def test_input_is_checked_against_the_consumers_that_run_only():
    dr = _driver(as_text, as_int)
    assert dr.execute(["as_text"], inputs={"q": "x"}) == {"as_text": "x"}
    with pytest.raises(InputTypeError) as caught:
        dr.execute(["as_text", "as_int"], inputs={"q": "x"})
    message = str(caught.value)
    assert "q: expected int, got str; refused by as_int" in message
    assert "as_text" not in message.split("refused by", 1)[1]


def test_definition_order_does_not_change_the_input_check():
    first = _driver(as_text, as_int)
    second = _driver(as_int, as_text)
    for dr in (first, second):
        assert dr.execute(["as_text"], inputs={"q": 2.5}) == {"as_text": "2.5"}
        with pytest.raises(InputTypeError):
            dr.execute(["as_int"], inputs={"q": 2.5})


# -- parameters with defaults -------------------------------------------------------------------

def with_default(w: int = 5) -> int:
    return w * 2


def maybe(y: int | None = None) -> int:
    return 0 if y is None else y


def none_default(y: int = None) -> int:  # type: ignore[assignment]  # Hamilton modules do this
    return -1 if y is None else y


def test_optional_input_requested_without_a_value_is_none_as_in_hamilton():
    dr = _driver(with_default)
    assert dr.execute(["w", "with_default"]) == {"w": None, "with_default": 10}


def test_required_input_requested_without_a_value_is_still_missing():
    dr = _driver(as_int)
    with pytest.raises(RequestError, match="q: int, needed by"):
        dr.execute(["q"])


def test_none_is_accepted_for_a_parameter_whose_default_is_none_from_inputs_and_config():
    assert _driver(none_default).execute(["none_default"], inputs={"y": None}) == {
        "none_default": -1}
    assert _driver(none_default, config={"y": None}).execute(["none_default"]) == {
        "none_default": -1}
    assert _driver(maybe).execute(["maybe"], inputs={"y": None}) == {"maybe": 0}


def test_none_for_a_required_parameter_is_refused_with_a_hint():
    with pytest.raises(InputTypeError, match="default of None"):
        _driver(as_int).execute(["as_int"], inputs={"q": None})


# -- inputs requested as outputs ----------------------------------------------------------------

def test_inputs_nobody_reads_may_be_requested_as_outputs():
    dr = _driver(a, b)
    assert dr.execute(["zzz", "b"], inputs={"zzz": 5, "x": 3}) == {"zzz": 5, "b": 40}
    assert dr.execute(["x"], inputs={"x": 3}) == {"x": 3}


def test_a_name_that_is_neither_node_nor_input_is_still_unknown():
    with pytest.raises(UnknownOutputError, match="'bb'.*Did you mean 'b'"):
        _driver(a, b).execute(["bb"], inputs={"x": 1})


# -- overrides ----------------------------------------------------------------------------------

def test_override_of_no_node_is_refused_with_did_you_mean():
    dr = _driver(a, b)
    with pytest.raises(RequestError) as caught:
        dr.execute(["b"], inputs={"x": 1}, overrides={"aa": 5})
    assert "'aa'. Did you mean 'a'?" in str(caught.value)


def test_override_replaces_the_node():
    assert _driver(a, b).execute(["b"], overrides={"a": 2}) == {"b": 20}


# -- a request for a node that config switched off ----------------------------------------------

def test_unknown_output_switched_off_by_config_says_which_functions_define_it():
    from dataflow.graph import build_graph

    origin = Origin("m.spend_scaled__log", "m.py", 3)
    other = Origin("m.spend_scaled__zscore", "m.py", 8)
    graph = build_graph([("m", [])], config={"scaling": "minmax"}, excluded=[
        ExcludedFunction("spend_scaled", "spend_scaled__log", origin,
                         "config.when(scaling='log')", ("scaling",)),
        ExcludedFunction("spend_scaled", "spend_scaled__zscore", other,
                         "config.when(scaling='zscore')", ("scaling",)),
    ])
    from dataflow.plan import plan_for

    with pytest.raises(UnknownOutputError) as caught:
        plan_for(graph, ["spend_scaled"], set())
    message = str(caught.value)
    assert "'spend_scaled__log' (m.py:3, config.when(scaling='log'))" in message
    assert "'spend_scaled__zscore' (m.py:8" in message
    assert "scaling='minmax'" in message and "selects none of them" in message


# -- graph hooks see every way a run can end ----------------------------------------------------

class Recorder(GraphExecutionHook):
    def __init__(self) -> None:
        self.after: list[tuple[bool, BaseException | None]] = []

    def run_before_graph_execution(self, **kwargs: Any) -> None:
        pass

    def run_after_graph_execution(self, *, success: bool, error: BaseException | None,
                                  **kwargs: Any) -> None:
        self.after.append((success, error))


@pytest.mark.parametrize("exception", [KeyboardInterrupt, SystemExit])
def test_a_run_ended_by_a_base_exception_is_reported_as_a_failure(exception):
    def stop(x: int) -> int:
        raise exception

    recorder = Recorder()
    dr = (driver.Builder().with_modules(ad_hoc_utils.create_temporary_module(stop))
          .with_adapters(recorder).build())
    with pytest.raises(exception):
        dr.execute(["stop"], inputs={"x": 1})
    assert len(recorder.after) == 1
    success, error = recorder.after[0]
    assert success is False and isinstance(error, exception)


# -- the plan cache -----------------------------------------------------------------------------

def test_plan_cache_is_lru_bounded_by_count_and_can_be_cleared():
    dr = _driver(a, b)
    dr.plan_cache.resize(max_plans=2)
    dr.execute(["a"], inputs={"x": 1})
    dr.execute(["b"], inputs={"x": 1})
    dr.execute(["a"], inputs={"x": 1})           # "a" is now the most recent
    dr.execute(["a", "b"], inputs={"x": 1})      # evicts ["b"]
    shapes = [key[0] for key in dr.plan_cache.cached_keys()]
    assert shapes == [("a",), ("a", "b")]
    dr.plan_cache.clear()
    assert len(dr.plan_cache) == 0 and dr.plan_cache.nbytes == 0
    assert dr.execute(["b"], inputs={"x": 1}) == {"b": 20}


def _chain(length: int) -> list[Any]:
    namespace: dict[str, Any] = {"__name__": "chain"}
    exec("def f0(x: int) -> int:\n    return x", namespace)
    for i in range(1, length):
        exec(f"def f{i}(f{i - 1}: int) -> int:\n    return f{i - 1} + 1", namespace)
    return [namespace[f"f{i}"] for i in range(length)]


def test_plan_cache_is_bounded_by_memory():
    dr = _driver(*_chain(300))
    dr.execute(["f5"], inputs={"x": 0})
    small = dr.plan_cache.nbytes
    assert small > 0
    dr.plan_cache.resize(max_bytes=small * 4)
    assert dr.execute(["f299"], inputs={"x": 0}) == {"f299": 299}  # too big to keep
    assert dr.plan_cache.nbytes <= small * 4
    assert ("f299",) not in [key[0] for key in dr.plan_cache.cached_keys()]
    dr.execute(["f6"], inputs={"x": 0})
    # the big plan pushed out the small one, then did not fit itself
    assert [key[0] for key in dr.plan_cache.cached_keys()] == [("f6",)]


def test_plan_cache_is_safe_under_concurrent_requests():
    dr = _driver(a, b)
    dr.plan_cache.resize(max_plans=3)
    errors: list[BaseException] = []

    def hammer(offset: int) -> None:
        try:
            for i in range(200):
                x = (i + offset) % 7
                assert dr.execute(["b"] if i % 2 else ["a"], inputs={"x": x}) == (
                    {"b": (x + 1) * 10} if i % 2 else {"a": x + 1})
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=hammer, args=(k,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(dr.plan_cache) <= 3


# -- Hamilton's public names on the driver --------------------------------------------------------

def test_validate_inputs_checks_every_function_or_a_request():
    dr = _driver(a, b, as_int)
    with pytest.raises(RequestError, match="q: int, needed by as_int"):
        dr.validate_inputs(inputs={"x": 1})
    assert dr.validate_inputs(inputs={"x": 1}, final_vars=["b"]) is None
    with pytest.raises(InputTypeError, match="refused by as_int"):
        dr.validate_inputs(inputs={"x": 1, "q": "text"})
    assert dr.validate_inputs(inputs={"x": 1, "q": 4}) is None


def test_tag_filter_values_must_be_strings_as_in_hamilton():
    dr = _driver(a, b)
    module = dr.graph.nodes["a"].tags["module"]
    assert [v.name for v in dr.list_available_variables(tag_filter={"module": module})] == [
        "a", "b"]
    assert len(dr.list_available_variables(tag_filter={"module": None})) == 2
    for bad in ([], 3, True, ["ok", 1]):
        with pytest.raises(RequestError, match="tag query value must be a string"):
            dr.list_available_variables(tag_filter={"module": bad})


def test_settings_keep_hamiltons_power_user_key():
    from dataflow import settings

    assert settings.ENABLE_POWER_USER_MODE == "hamilton.enable_power_user_mode"


def test_builder_copy_is_independent():
    base_builder = driver.Builder().with_modules(ad_hoc_utils.create_temporary_module(a, b))
    copied = base_builder.copy().with_config({"a": 1})
    assert base_builder.config == {} and copied.config == {"a": 1}
    assert copied.build().execute(["b"]) == {"b": 10}
    assert base_builder.build().execute(["b"], inputs={"x": 1}) == {"b": 20}


def test_missing_inputs_error_lists_the_missing_names_and_pickles():
    import pickle

    from dataflow.errors import MissingInputsError

    with pytest.raises(MissingInputsError) as caught:
        _driver(a, b, as_int).execute(["b", "as_int"])
    assert caught.value.missing == {"x": ["a"], "q": ["as_int"]}
    again = pickle.loads(pickle.dumps(caught.value))
    assert again.missing == caught.value.missing and str(again) == str(caught.value)


def test_a_node_switched_off_by_config_is_explained_end_to_end():
    from dataflow.function_modifiers import config

    def spend() -> float:
        return 2.0

    @config.when(scaling="log")
    def spend_scaled__log(spend: float) -> float:
        return spend

    @config.when(scaling="zscore")
    def spend_scaled__zscore(spend: float) -> float:
        return spend

    functions = (spend, spend_scaled__log, spend_scaled__zscore)
    for given, shown in (({"scaling": "minmax"}, "scaling='minmax'"), ({}, "scaling not set")):
        with pytest.raises(UnknownOutputError) as caught:
            _driver(*functions, config=given).execute(["spend_scaled"])
        message = str(caught.value)
        assert "'spend_scaled__log' (" in message and "config.when(scaling='log')" in message
        assert "'spend_scaled__zscore' (" in message
        assert f"config ({shown}) selects none of them" in message
    assert _driver(*functions, config={"scaling": "log"}).execute(["spend_scaled"]) == {
        "spend_scaled": 2.0}


# -- found by review ------------------------------------------------------------------------------

def test_overrides_are_taken_as_given_like_hamilton():
    def f(x: int) -> object:
        return x

    assert _driver(f).execute(["f"], inputs={"x": 1}, overrides={"x": "text"}) == {"f": "text"}


def test_an_input_some_function_requires_is_missing_even_if_another_has_a_default():
    def g(x: int) -> int:
        return x

    def f(x: int = 1) -> int:
        return x

    with pytest.raises(RequestError, match="x: int, needed by"):
        _driver(g, f).execute(["x"])


def test_a_config_value_may_stand_for_a_node_defined_twice():
    one = ad_hoc_utils.create_temporary_module(a, module_name="one")
    other = ad_hoc_utils.create_temporary_module(a, b, module_name="other")
    dr = driver.Builder().with_modules(one, other).with_config({"a": 1}).build()
    assert dr.execute(["b"]) == {"b": 10}


def test_config_in_place_of_a_function_names_it_without_a_path():
    node = _driver(a, b, config={"a": 3}).graph.nodes["a"]
    assert node.doc.startswith("config value, in place of the function ")
    assert "/" not in node.doc and node.doc.endswith(".a")


def test_temporary_module_tag_leaves_other_modules_nodes_alone():
    from dataflow.function_modifiers import source, subdag
    from tests.core import sample_module

    @subdag(sample_module, inputs={"raw_spend": source("money"), "raw_signups": source("people")})
    def per_signup(spend_per_signup: pd.Series) -> pd.Series:
        return spend_per_signup

    dr = driver.Builder().with_modules(
        ad_hoc_utils.create_temporary_module(per_signup, module_name="nb")).build()
    tags = {name: node.tags.get("module") for name, node in dr.graph.nodes.items()}
    assert tags["per_signup"] == "nb"
    assert tags["per_signup.spend"] == "tests.core.sample_module"


def test_a_default_whose_equality_has_no_truth_value_builds_on_every_python():
    """Python 3.10's implicit Optional check must compare defaults with ``is None``."""
    def weighted(w: np.ndarray = np.array([1.0, 2.0])) -> float:  # noqa: B008
        return float(w.sum())

    assert _driver(weighted).execute(["weighted"]) == {"weighted": 3.0}


def test_async_hook_methods_are_refused_by_the_sync_driver_naming_them():
    from dataflow import lifecycle

    class AsyncHook(lifecycle.NodeExecutionHook):
        async def run_before_node_execution(self, **kwargs: Any) -> None:
            return None

        async def run_after_node_execution(self, **kwargs: Any) -> None:
            return None

    with pytest.raises(ValueError, match="AsyncHook.run_before_node_execution") as caught:
        driver.Builder().with_modules(ad_hoc_utils.create_temporary_module(a)).with_adapters(
            AsyncHook()).build()
    assert "dataflow.async_driver.Builder()" in str(caught.value)
