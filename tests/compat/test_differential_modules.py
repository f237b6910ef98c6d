"""Every module of the test resources and the example, built under dataflow and Hamilton 1.90.

For each case of :mod:`tests.compat.module_cases`: both build (or both refuse, or the one
side an intended difference names refuses); every node has the same name, type, tags,
dependencies and documentation on both sides (up to :mod:`tests.compat.intended_differences`);
every node requested alone gives the same value (exact dtype and index) or raises on both
sides; all outputs requested together, and the Series and scalar outputs as a DataFrame, give the
same.
Known bugs are attached per case and aspect in :data:`tests.compat.findings.CASE_FINDINGS`.
"""

from __future__ import annotations

import functools
from typing import Any

import pandas as pd
import pytest

from tests.compat import intended_differences as intended
from tests.compat.differential import (
    Request,
    Twins,
    build_difference,
    build_twins,
    compare_node,
    compare_structure,
    inputs_for,
    node_views,
    outcome_differences,
    request_differences,
    run_both,
)
from tests.compat.findings import case_findings, settle, xfail
from tests.compat.module_cases import CASES, ModuleCase


@functools.cache
def twins_of(case_id: str, result: str = "dict") -> Twins:
    case = next(c for c in CASES if c.id == case_id)
    return build_twins(case.modules, case.config, source_root=case.source_root, drop=case.drop,
                       relocate=case.relocate, result=result)


def _param(case: ModuleCase, aspect: str, *values: Any, test_id: str = "") -> Any:
    findings = case_findings(case.id, aspect)
    return pytest.param(case, *values, id=test_id or case.id,
                        marks=[xfail(*findings)] if findings else [])


def _comparable(case: ModuleCase) -> bool:
    return twins_of(case.id).both_built


def _request_params() -> list[Any]:
    params = []
    for case in CASES:
        if not _comparable(case) or case.values != "compare":
            continue
        twins = twins_of(case.id)
        ours, theirs = node_views(twins.dataflow.driver), node_views(twins.hamilton.driver)
        # a node on one side only is compared by test_node_matches_hamilton; requesting it
        # is pointless when an intended difference explains its absence
        names = sorted(name for name in set(ours) | set(theirs)
                       if name in ours and name in theirs
                       or compare_node(name, ours, theirs).differences)
        params.extend(_param(case, f"request:{name}", name, test_id=f"{case.id}-{name}")
                      for name in names)
    return params


@pytest.mark.parametrize("case", [_param(c, "build") for c in CASES])
def test_builds_like_hamilton(case: ModuleCase) -> None:
    twins = twins_of(case.id)
    errors = {"dataflow": twins.dataflow.error, "hamilton": twins.hamilton.error}
    if case.build == "both":
        differences = build_difference(twins) or [
            f"neither builds: dataflow {errors['dataflow']!r}; hamilton {errors['hamilton']!r}"
            for _ in [0] if not twins.both_built]
    elif case.build == "neither":
        differences = [f"{side} builds; the case expects both to refuse"
                       for side, error in errors.items() if error is None]
    else:
        refusing = intended.BY_ID[case.build].refusing_side
        assert refusing is not None, f"{case.build} names no refusing side"
        other = "hamilton" if refusing == "dataflow" else "dataflow"
        differences = [f"{refusing} builds, but {case.build} says it refuses"
                       for _ in [0] if errors[refusing] is None]
        differences += [f"{other} refuses: {errors[other]!r}" for _ in [0] if errors[other]]
    settle(differences, case_findings(case.id, "build"))


@pytest.mark.parametrize("case", [_param(c, "structure") for c in CASES if _comparable(c)])
def test_node_matches_hamilton(case: ModuleCase) -> None:
    settle(compare_structure(twins_of(case.id)).differences, case_findings(case.id, "structure"))


@pytest.mark.parametrize(("case", "output"), _request_params())
def test_request_matches_hamilton(case: ModuleCase, output: str) -> None:
    twins = twins_of(case.id)
    request = Request((output,), inputs_for(twins, [output], case.inputs))
    settle(request_differences(twins, request).differences,
           case_findings(case.id, f"request:{output}"))


def _succeeding_alone(case: ModuleCase) -> dict[str, Any]:
    """Outputs whose request alone succeeds on Hamilton, with Hamilton's value."""
    twins = twins_of(case.id)
    values = {}
    for name, view in node_views(twins.hamilton.driver).items():
        outcome = Request((name,), inputs_for(twins, [name], case.inputs)).run(
            twins.hamilton.driver)
        if outcome.error is None and not view.is_external_input:
            values[name] = outcome.value[name]
    return values


_VALUE_CASES = [c for c in CASES if _comparable(c) and c.values == "compare"]


@pytest.mark.parametrize("case", [_param(c, "all") for c in _VALUE_CASES])
def test_all_outputs_at_once_match_hamilton(case: ModuleCase) -> None:
    twins = twins_of(case.id)
    outputs = tuple(sorted(_succeeding_alone(case)))
    assert outputs, f"{case.id}: no output succeeds alone on Hamilton; the case needs inputs"
    request = Request(outputs, inputs_for(twins, outputs, case.inputs))
    settle(request_differences(twins, request).differences, case_findings(case.id, "all"))


@pytest.mark.parametrize("case", [_param(c, "frame") for c in _VALUE_CASES])
def test_frame_result_matches_hamilton(case: ModuleCase) -> None:
    series = tuple(sorted(name for name, value in _succeeding_alone(case).items()
                          if isinstance(value, (pd.Series, int, float, str))))
    assert series, f"{case.id} has no Series or scalar output to assemble into a DataFrame"
    twins = twins_of(case.id, "frame")
    request = Request(series, inputs_for(twins, series, case.inputs))
    ours, theirs = run_both(twins, request)
    settle(outcome_differences(ours, theirs, f"frame of {list(series)}").differences,
           case_findings(case.id, "frame"))
