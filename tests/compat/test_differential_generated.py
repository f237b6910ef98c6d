"""Random modules (see ``generated_modules.py``) built from the same source text under dataflow
and Hamilton 1.90, with random requests, inputs, overrides and config: both build or both
refuse; the same nodes with the same types and dependencies; each request gives the same value
on both sides or raises on both (messages may differ).

Tags and documentation are compared by the module suite, not here: the known tag findings
(F-config-tag, F-subdag-tags) would otherwise show in most examples.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import event, given, note, settings
from hypothesis import strategies as st

from tests.compat.differential import (
    SIDES,
    Request,
    build_difference,
    compare_structure,
    request_differences,
    twins_from_source,
)
from tests.compat.findings import FINDINGS
from tests.compat.generated_modules import AVOIDED_FINDINGS, CONSTANTS, MARKERS, UNITS, modules
from tests.compat.twin_import import unload

_counter = itertools.count()
ROWS = 4


@pytest.fixture(scope="module")
def source_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("generated")


def _values_for(draw: Any, annotation: Any) -> Any:
    """A value of the node's type, or None for types the generator never feeds."""
    if annotation is pd.Series:
        return pd.Series(draw(st.lists(st.sampled_from(CONSTANTS), min_size=ROWS,
                                       max_size=ROWS)))
    if annotation is float:
        return draw(st.sampled_from(CONSTANTS))
    return None


def _request(data: Any, hamilton_driver: Any, config: dict[str, Any]) -> Request:
    """Random outputs; every external input but (one time in four) one; up to two overrides;
    sometimes an input named like a computed node (ignored by both)."""
    variables = {v.name: v for v in hamilton_driver.list_available_variables()}
    names = sorted(variables)
    outputs = data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=4, unique=True),
                        label="outputs")
    externals = [n for n in names if variables[n].is_external_input and n not in config]
    omitted = set()
    if externals and data.draw(st.integers(0, 3), label="omit an input?") == 0:
        omitted = {data.draw(st.sampled_from(externals), label="omitted input")}
    inputs = {n: _values_for(data.draw, variables[n].type) for n in externals
              if n not in omitted}
    computed = [n for n in names if not variables[n].is_external_input
                and variables[n].type in (pd.Series, float)]
    overridden = data.draw(st.lists(st.sampled_from(computed), max_size=2, unique=True)
                           if computed else st.just([]), label="overridden")
    overrides = {n: _values_for(data.draw, variables[n].type) for n in overridden}
    shadowing = data.draw(st.lists(st.sampled_from(computed), max_size=1) if computed
                          else st.just([]), label="inputs named like functions")
    inputs.update({n: _values_for(data.draw, variables[n].type) for n in shadowing
                   if n not in overrides})  # ignored on both sides (dataflow warns)
    note(f"request: outputs={outputs} inputs={inputs} overrides={overrides}")
    return Request(tuple(outputs), lambda: {k: _copy(v) for k, v in inputs.items()},
                   lambda: {k: _copy(v) for k, v in overrides.items()})


def _copy(value: Any) -> Any:
    return value.copy() if isinstance(value, pd.Series) else value


def _check(module: Any, data: Any, directory: Path) -> None:
    """Build ``module`` under both frameworks and compare it and 1-3 random requests."""
    note(module.source)
    note(f"config={module.config}")
    for kind in module.kinds:
        event(kind)
    path = directory / f"generated_{next(_counter)}.py"
    twins = twins_from_source(module.source, path, module.config, source_root="dataflow")
    try:
        assert build_difference(twins) == [], build_difference(twins)
        assert twins.both_built, f"neither builds: {twins.hamilton.error!r}"
        structure = compare_structure(twins, metadata=False)
        assert structure.differences == [], "\n".join(structure.differences)
        for _ in range(data.draw(st.integers(1, 3), label="requests")):
            request = _request(data, twins.hamilton.driver, module.config)
            comparison = request_differences(twins, request)
            assert comparison.differences == [], "\n".join(comparison.differences)
    finally:
        for side in SIDES:
            for loaded in twins.side(side).modules:
                unload(loaded.__name__.split(".")[0])


@given(module=modules(), data=st.data())
def test_generated_module_matches_hamilton(module: Any, data: Any, source_dir: Path) -> None:
    _check(module, data, source_dir)


@pytest.mark.parametrize("kind", sorted(UNITS))
@settings(max_examples=8)
@given(data=st.data())
def test_each_decorator_matches_hamilton(kind: str, data: Any, source_dir: Path) -> None:
    """Every unit kind of the generator, forced (twice, after a plain function to read), so
    none is left to chance; the generated text really uses the decorator."""
    module = data.draw(modules(kinds=("plain", kind, kind)), label="module")
    assert MARKERS[kind] in module.source
    _check(module, data, source_dir)


def test_avoided_findings_are_known() -> None:
    from tests.compat.generated_modules import AVOIDED_DIFFERENCES
    from tests.compat.intended_differences import BY_ID

    assert set(AVOIDED_FINDINGS) <= set(FINDINGS)
    assert set(AVOIDED_DIFFERENCES) <= set(BY_ID)
