"""The list of intended differences is complete, consulted, and true.

* every entry names what differs, why, and tests that exist;
* every reason the module table or the findings give for a change is on record;
* every node module of the test resources is in the module table (or says why not), and
  every change a case makes to a module is needed (without it the twins differ);
* each intended difference is shown on a minimal module: the difference is real on the
  Hamilton side, and the comparison excuses it by that entry and nothing else.
"""

from __future__ import annotations

import asyncio
import sys
import textwrap
import warnings
from pathlib import Path
from typing import Any

import pytest

from tests.compat import findings
from tests.compat import intended_differences as intended
from tests.compat.differential import (
    Request,
    build_difference,
    build_twins,
    compare_structure,
    request_differences,
    run_both,
    twins_from_source,
)
from tests.compat.module_cases import CASES, NOT_NODE_MODULES, RESOURCE_PATTERNS

ROOT = Path(__file__).resolve().parents[2]


def test_every_entry_says_what_why_and_where_it_is_consulted() -> None:
    ids = [d.id for d in intended.DIFFERENCES]
    assert len(ids) == len(set(ids)), "duplicate ids"
    for difference in intended.DIFFERENCES:
        assert difference.what and difference.why and difference.consulted_by, difference.id
        assert difference.refusing_side in (None, "dataflow", "hamilton"), difference.id
        for test in difference.consulted_by:
            path, _, name = test.partition("::")
            text = (ROOT / path).read_text()
            assert not name or f"def {name}(" in text, f"{difference.id}: no test {test}"


def test_every_reason_on_record_exists() -> None:
    known = set(intended.BY_ID) | set(findings.FINDINGS)
    case_ids = {case.id for case in CASES}
    for case in CASES:
        for reason in case.changed_because:
            assert reason in known, f"{case.id}: {reason} is on no list"
        if case.build not in ("both", "neither"):
            assert intended.BY_ID[case.build].refusing_side, case.id
        if case.values != "compare":
            assert case.values in intended.BY_ID, case.id
        assert bool(case.drop or case.relocate) == bool(case.changed_because), case.id
    for (case_id, aspect), finding_ids in findings.CASE_FINDINGS.items():
        assert case_id in case_ids, case_id
        assert aspect in ("build", "structure", "all", "frame") or aspect.startswith(
            "request:"), aspect
        assert all(f in findings.FINDINGS for f in finding_ids), finding_ids


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def test_every_node_module_is_in_the_table() -> None:
    covered = {m for case in CASES for m in case.modules} | set(NOT_NODE_MODULES)
    found = {_module_name(p) for pattern in RESOURCE_PATTERNS for p in ROOT.glob(pattern)
             if not p.name.startswith("test_")}
    assert found, "the patterns match no file"
    assert sorted(found - covered) == [], "modules the differential suite does not build"
    assert sorted(set(NOT_NODE_MODULES) - found) == [], "stale NOT_NODE_MODULES entries"


@pytest.mark.parametrize("case", [c for c in CASES if c.drop or c.relocate], ids=lambda c: c.id)
def test_every_change_a_case_makes_is_needed(case: Any) -> None:
    variants = ([(None, case.relocate)] if case.drop else []) + (
        [(case.drop, None)] if case.relocate else [])
    for drop, relocate in variants:
        twins = build_twins(case.modules, case.config, source_root=case.source_root,
                            drop=drop, relocate=relocate)
        assert build_difference(twins) or not twins.both_built or compare_structure(
            twins).differences, f"{case.id} builds alike without drop={drop} relocate={relocate}"


# -- each intended difference on a minimal Hamilton module ------------------------------------


def _twins(tmp_path: Path, source: str, config: dict[str, Any] | None = None) -> Any:
    return twins_from_source(textwrap.dedent(source), tmp_path / "features.py", config)


def _structure_excuses(tmp_path: Path, source: str) -> set[str]:
    twins = _twins(tmp_path, source)
    assert twins.both_built, build_difference(twins)
    comparison = compare_structure(twins)
    assert comparison.differences == []
    return comparison.excused


def test_dataflow_tags(tmp_path: Path) -> None:
    assert "dataflow-tags" in _structure_excuses(tmp_path, """
        from hamilton.function_modifiers import parameterize, value

        @parameterize(one={"k": value(1)})
        def plus(x: int, k: int) -> int:
            '''x + {k}'''
            return x + k
        """)


def test_pipe_output_module_tag(tmp_path: Path) -> None:
    assert "pipe-output-module-tag" in _structure_excuses(tmp_path, """
        from hamilton.function_modifiers import pipe_output, step

        def _twice(v: int) -> int:
            return v * 2

        @pipe_output(step(_twice))
        def out(x: int) -> int:
            '''Out.'''
            return x
        """)


def test_generated_documentation(tmp_path: Path) -> None:
    assert _structure_excuses(tmp_path, """
        import pandas as pd
        from hamilton.function_modifiers import extract_columns

        @extract_columns("a")
        def frame(raw: pd.DataFrame) -> pd.DataFrame:
            '''The frame.'''
            return raw
        """) == {"generated-documentation", "dataflow-tags"}


def test_unbound_step_parameters(tmp_path: Path) -> None:
    assert "unbound-step-parameters" in _structure_excuses(tmp_path, """
        from hamilton.function_modifiers import pipe_input, step

        def _add(v: int, amount: int = 1) -> int:
            return v + amount

        @pipe_input(step(_add))
        def out(x: int) -> int:
            '''Out.'''
            return x
        """)


def test_validation_messages(tmp_path: Path) -> None:
    twins = _twins(tmp_path, """
        import pandas as pd
        from hamilton.function_modifiers import check_output

        @check_output(range=(0.0, 1.0), importance="warn")
        def share(raw: pd.Series) -> pd.Series:
            return raw
        """)
    import pandas as pd

    comparison = request_differences(twins, Request(
        ("share_range_validator",), lambda: {"raw": pd.Series([0.5, 2.0])}))
    assert comparison.differences == [] and comparison.excused == {"validation-messages"}


def test_missing_input_requested_alone(tmp_path: Path) -> None:
    twins = _twins(tmp_path, """
        def doubled(x: int) -> int:
            return x * 2
        """)
    ours, theirs = run_both(twins, Request(("x",)))
    assert isinstance(ours.error, ValueError) and theirs.value == {"x": None}
    comparison = request_differences(twins, Request(("x",)))
    assert comparison.differences == []
    assert comparison.excused == {"missing-input-requested-alone"}


def test_error_types_and_messages(tmp_path: Path) -> None:
    twins = _twins(tmp_path, """
        def doubled(spend: int) -> int:
            return spend * 2
        """)
    ours, theirs = run_both(twins, Request(("doubled",), lambda: {"spned": 1}))
    assert isinstance(ours.error, ValueError) and isinstance(theirs.error, ValueError)
    assert "spned" in str(ours.error) and "spned" not in str(theirs.error)


def test_input_named_like_function_warns(tmp_path: Path) -> None:
    twins = _twins(tmp_path, """
        def demand(x: int) -> int:
            return x + 1
        """)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ours = twins.dataflow.driver.execute(["demand"], inputs={"x": 1, "demand": 100})
    theirs = twins.hamilton.driver.execute(["demand"], inputs={"x": 1, "demand": 100})
    assert ours == theirs == {"demand": 2}
    assert any(w.category.__name__ == "InputIgnoredWarning" for w in caught)


def test_async_functions(tmp_path: Path) -> None:
    twins = _twins(tmp_path, """
        import asyncio

        async def fetched(x: int) -> int:
            await asyncio.sleep(0)
            return x + 1
        """)
    assert twins.dataflow.driver.execute(["fetched"], inputs={"x": 1}) == {"fetched": 2}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        theirs = twins.hamilton.driver.execute(["fetched"], inputs={"x": 1})["fetched"]
        assert asyncio.iscoroutine(theirs)
        theirs.close()


def test_resolve_needs_no_power_user_mode(tmp_path: Path) -> None:
    twins = _twins(tmp_path, """
        from hamilton.function_modifiers import ResolveAt, parameterize, resolve, value

        @resolve(when=ResolveAt.CONFIG_AVAILABLE,
                 decorate_with=lambda n: parameterize(
                     **{f"plus_{i}": {"k": value(i)} for i in range(n)}))
        def plus(x: int, k: int) -> int:
            return x + k
        """, {"n": 2})
    assert twins.dataflow.error is None and twins.hamilton.error is not None
    assert twins.dataflow.driver.execute(["plus_1"], inputs={"x": 1}) == {"plus_1": 2}


def test_deep_chain_runs(tmp_path: Path) -> None:
    depth = 1_100
    source = "def n0(x: int) -> int:\n    return x\n" + "".join(
        f"def n{i}(n{i - 1}: int) -> int:\n    return n{i - 1} + 1\n" for i in range(1, depth))
    twins = twins_from_source(source, tmp_path / "chain.py")
    ours, theirs = run_both(twins, Request((f"n{depth - 1}",), lambda: {"x": 0}))
    assert ours.value == {f"n{depth - 1}": depth - 1}
    assert isinstance(theirs.error, RecursionError)


def test_pipe_input_step_reads_piped_parameter(tmp_path: Path) -> None:
    twins = _twins(tmp_path, """
        from hamilton.function_modifiers import pipe_input, source, step

        def _scale(v: float, factor: float) -> float:
            return v * factor

        @pipe_input(step(_scale, factor=source("x")))
        def out(x: float) -> float:
            return x
        """)
    ours, theirs = run_both(twins, Request(("out",), lambda: {"x": 3.0}))
    assert ours.value == {"out": 9.0}
    assert isinstance(theirs.error, TypeError)


def test_none_only_where_a_default_allows(tmp_path: Path) -> None:
    twins = _twins(tmp_path, """
        def doubled(x: int) -> int:
            return -1 if x is None else x * 2

        def maybe(y: int = None) -> int:
            return -1 if y is None else y
        """)
    ours, theirs = run_both(twins, Request(("doubled",), lambda: {"x": None}))
    assert theirs.value == {"doubled": -1} and isinstance(ours.error, ValueError)
    assert "default of None" in str(ours.error)
    ours, theirs = run_both(twins, Request(("maybe",), lambda: {"y": None}))
    assert ours.value == theirs.value == {"maybe": -1}


def test_numeric_input_values(tmp_path: Path) -> None:
    twins = _twins(tmp_path, """
        def half(alpha: float) -> float:
            return alpha / 2
        """)
    ours, theirs = run_both(twins, Request(("half",), lambda: {"alpha": 1}))
    assert ours.value == {"half": 0.5} and isinstance(theirs.error, ValueError)


def test_config_checked_at_build(tmp_path: Path) -> None:
    twins = twins_from_source(textwrap.dedent("""
        def scaled(factor: int) -> int:
            return factor * 2
        """), tmp_path / "config_checked.py", {"factor": "three"})
    assert twins.hamilton.error is None and twins.dataflow.error is not None
    assert "Config value 'factor'" in str(twins.dataflow.error)
    theirs = Request(("scaled",)).run(twins.hamilton.driver)
    assert isinstance(theirs.error, ValueError)  # Hamilton refuses it when the request runs


def test_tag_filter_list_items(tmp_path: Path) -> None:
    twins = _twins(tmp_path, """
        from hamilton.function_modifiers import tag

        @tag(team="growth")
        def spend(x: int) -> int:
            return x
        """)
    theirs = twins.hamilton.driver.list_available_variables(tag_filter={"team": ["growth", 1]})
    assert [v.name for v in theirs] == ["spend"]
    with pytest.raises(ValueError, match="tag query value must be a string"):
        twins.dataflow.driver.list_available_variables(tag_filter={"team": ["growth", 1]})


def test_legacy_execute_node_not_called(tmp_path: Path) -> None:
    import hamilton.base
    import hamilton.driver

    import dataflow.base
    import dataflow.driver

    module_path = tmp_path / "legacy_adapter.py"
    module_path.write_text("def doubled(x: int) -> int:\n    return x * 2\n")
    twins = twins_from_source(module_path.read_text(), module_path)
    calls: list[str] = []
    for base_module, driver_module, module in (
            (hamilton.base, hamilton.driver, twins.hamilton.modules[0]),
            (dataflow.base, dataflow.driver, twins.dataflow.modules[0])):

        class Counting(base_module.SimplePythonGraphAdapter):  # type: ignore[name-defined,misc]
            label = base_module.__name__

            def execute_node(self, node: Any, kwargs: dict[str, Any]) -> Any:
                calls.append(self.label)
                return super().execute_node(node, kwargs)

        adapter = Counting(base_module.DictResult())
        result = driver_module.Driver({}, module, adapter=adapter).execute(["doubled"],
                                                                            inputs={"x": 2})
        assert result == {"doubled": 4}
    assert calls == ["hamilton.base"]


_ASYNC_SOURCE = """
    import asyncio

    async def slow(x: int) -> int:
        await asyncio.sleep(0.2)
        FINISHED.append("slow")
        return x

    async def breaks(x: int) -> int:
        raise KeyError("no row")

    def joined(slow: int, breaks: int) -> int:
        return slow + breaks

    async def plus_one(x: int) -> int:
        await asyncio.sleep(0)
        return x + 1

    FINISHED = []
    """


def _async_side(tmp_path: Path, side: str) -> tuple[Any, Any]:
    """(the side's async_driver and lifecycle modules, the ported module)."""
    import importlib

    from tests.compat.twin_import import load_source

    path = tmp_path / "fetching.py"
    source = textwrap.dedent(_ASYNC_SOURCE)
    path.write_text(source)
    module = load_source(source, str(path), source_root="hamilton", target_root=side,
                         stem="fetching")
    return importlib.import_module(f"{side}.async_driver"), importlib.import_module(
        f"{side}.lifecycle"), module


def _node_recorder(lifecycle: Any) -> Any:
    class Recorder(lifecycle.NodeExecutionHook, lifecycle.GraphExecutionHook):
        def __init__(self) -> None:
            self.nodes: list[tuple[Any, ...]] = []
            self.graph_errors: list[str] = []

        def run_before_graph_execution(self, **kwargs: Any) -> None:
            pass

        def run_after_graph_execution(self, *, error: Any, **kwargs: Any) -> None:
            self.graph_errors.append(type(error).__name__)

        def run_before_node_execution(self, **kwargs: Any) -> None:
            pass

        def run_after_node_execution(self, *, node_name: str, node_kwargs: Any, result: Any,
                                     success: bool, **kwargs: Any) -> None:
            self.nodes.append((node_name, dict(node_kwargs), result, success))

    return Recorder()


def test_async_failure_cancels_running_nodes(tmp_path: Path) -> None:
    finished = {}
    for side in ("dataflow", "hamilton"):
        drivers, _, module = _async_side(tmp_path, side)

        async def run(drivers: Any = drivers, module: Any = module) -> None:
            dr = await drivers.Builder().with_modules(module).build()
            with pytest.raises(KeyError):
                await dr.execute(["joined"], inputs={"x": 1})
            await asyncio.sleep(0.4)  # long enough for `slow` to finish, if it still runs

        asyncio.run(run())
        finished[side] = list(module.FINISHED)
    assert finished == {"dataflow": [], "hamilton": ["slow"]}


def test_async_driver_hooks(tmp_path: Path) -> None:
    seen = {}
    for side in ("dataflow", "hamilton"):
        drivers, lifecycle, module = _async_side(tmp_path, side)
        recorder = _node_recorder(lifecycle)

        async def run(drivers: Any = drivers, module: Any = module,
                      recorder: Any = recorder) -> None:
            dr = await drivers.Builder().with_modules(module).with_adapters(recorder).build()
            assert await dr.execute(["plus_one"], inputs={"x": 1}) == {"plus_one": 2}
            with pytest.raises(KeyError):
                await dr.execute(["breaks"], inputs={"x": 1})
            task = asyncio.ensure_future(dr.execute(["slow"], inputs={"x": 1}))
            await asyncio.sleep(0.05)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

        asyncio.run(run())
        seen[side] = recorder
    ours, theirs = seen["dataflow"], seen["hamilton"]
    assert ours.nodes == [("plus_one", {"x": 1}, 2, True), ("breaks", {"x": 1}, None, False),
                          ("slow", {"x": 1}, None, False)]
    assert ours.graph_errors == ["NoneType", "KeyError", "CancelledError"]
    assert [(name, success) for name, _, _, success in theirs.nodes] == [
        ("plus_one", True), ("breaks", True), ("slow", True)]
    assert isinstance(theirs.nodes[0][2], asyncio.Task)  # a task, not the value 2
    assert theirs.graph_errors == ["NoneType", "KeyError", "NoneType"]


def test_the_port_guide_lists_exactly_these_differences() -> None:
    page = (ROOT / "docs" / "howto" / "port_from_hamilton.md").read_text()
    start, end = "<!-- intended-differences:start -->\n", "\n<!-- intended-differences:end -->"
    assert start in page and end in page, "the port guide lost its generated block"
    listed = page.split(start, 1)[1].split(end, 1)[0].strip()
    assert listed == intended.as_markdown().strip(), (
        "docs/howto/port_from_hamilton.md is out of date: paste the output of "
        "`python -m tests.compat.intended_differences` between its markers")


def test_validation_passes_is_a_bool() -> None:
    import numpy as np

    assert intended.field_difference("ValidationResult", "passes", True, np.bool_(True)) == (
        "validation-passes-is-a-bool")
    assert intended.field_difference("ValidationResult", "passes", True, np.bool_(False)) is None
    assert intended.field_difference("ValidationResult", "passes", 1, np.bool_(True)) is None


def _scaled_closure() -> Any:
    def scaled(seed: int) -> int:  # a closure: pickle cannot find it by name
        return seed * 10
    return scaled


def test_unpicklable_node_refused_first(tmp_path: Path) -> None:
    from hamilton import ad_hoc_utils as h_ad_hoc_utils
    from hamilton import driver as h_driver
    from hamilton.execution import executors as h_executors

    from dataflow import ad_hoc_utils, driver
    from dataflow.execution import executors
    from dataflow.execution.tasks import NotPicklableError
    from tests.execution import parallel_nodes

    functions = (parallel_nodes.seed, parallel_nodes.touch, _scaled_closure())
    request = (["touch", "scaled"], {"start": 1})
    theirs = (h_driver.Builder()
              .with_modules(h_ad_hoc_utils.create_temporary_module(*functions))
              .enable_dynamic_execution(allow_experimental_mode=True)
              .with_local_executor(h_executors.MultiProcessingExecutor(2)).build())
    hamilton_inputs = {**request[1], "marker": str(tmp_path / "hamilton")}
    if sys.version_info >= (3, 11):
        # Hamilton fails when it submits the node (touch may or may not have run by then: its
        # task order varies from run to run)
        with pytest.raises(AttributeError, match="local object"):  # pickle's own words
            theirs.execute(request[0], inputs=hamilton_inputs)
    else:  # 3.10 pickles a closure of Hamilton's temporary modules by name: it runs
        assert theirs.execute(request[0], inputs=hamilton_inputs)["scaled"] == 20

    ours = (driver.Builder().with_modules(ad_hoc_utils.create_temporary_module(*functions))
            .enable_dynamic_execution(allow_experimental_mode=True)
            .with_local_executor(executors.MultiProcessingExecutor(2)).build())
    marker = tmp_path / "dataflow-ran"
    with pytest.raises(NotPicklableError, match=r"scaled \(.*test_intended_differences\.py:"):
        ours.execute(request[0], inputs={**request[1], "marker": str(marker)})
    assert not marker.exists()


def test_executor_max_tasks_checked() -> None:
    from hamilton.execution import executors as h_executors

    from dataflow.execution import executors

    for name in ("MultiThreadingExecutor", "MultiProcessingExecutor"):
        assert getattr(h_executors, name)(0).max_tasks == 0
        with pytest.raises(ValueError, match="max_tasks"):
            getattr(executors, name)(0)
