"""The differential machinery must see differences: each check here feeds it a deliberately
different pair and requires the difference to be reported (a comparison that passes when a
node is missing on one side would make the whole suite worthless)."""

from __future__ import annotations

import textwrap
from typing import Any

import numpy as np
import pandas as pd
import pytest

from tests.compat.differential import (
    Outcome,
    Twins,
    build_side,
    compare_structure,
    outcome_differences,
    value_differences,
)
from tests.compat.findings import FINDINGS, Finding, KnownFinding, settle
from tests.compat.twin_import import load_ported, load_source

OURS = """
    import pandas as pd
    from hamilton.function_modifiers import tag


    def shared(x: int) -> int:
        return x


    def only_ours(x: int) -> int:
        return x


    def retyped(x: int) -> int:
        return x


    @tag(owner="a")
    def retagged(x: int) -> int:
        return x


    def rewired(x: int, y: int) -> int:
        return x + y


    def optional(x: int, w: int = 1) -> int:
        return x


    def documented(x: int) -> int:
        '''Ours.'''
        return x
    """

THEIRS = """
    import pandas as pd
    from hamilton.function_modifiers import tag


    def shared(x: int) -> int:
        return x


    def only_theirs(x: int) -> int:
        return x


    def retyped(x: int) -> float:
        return float(x)


    @tag(owner="b")
    def retagged(x: int) -> int:
        return x


    def rewired(x: int) -> int:
        return x


    def optional(x: int, w: int) -> int:
        return x


    def documented(x: int) -> int:
        '''Theirs.'''
        return x
    """


def _mismatched_twins(tmp_path: Any) -> Twins:
    """dataflow built from OURS, Hamilton from THEIRS (both written against Hamilton)."""
    built = []
    for side, source in (("dataflow", OURS), ("hamilton", THEIRS)):
        path = tmp_path / f"{side}.py"
        path.write_text(textwrap.dedent(source))
        module = load_source(path.read_text(), str(path), source_root="hamilton",
                             target_root=side, stem="features")
        built.append(build_side(side, [module], {}))
    return Twins(*built)


def test_structure_comparison_reports_every_kind_of_difference(tmp_path: Any) -> None:
    differences = "\n".join(compare_structure(_mismatched_twins(tmp_path)).differences)
    for expected in (
        "only_ours: only dataflow has this node",
        "only_theirs: only hamilton has this node",
        "retyped.type: dataflow \"<class 'int'>\" != hamilton \"<class 'float'>\"",
        "retagged.tags['owner']: dataflow 'a' != hamilton 'b'",
        "rewired.required_dependencies: dataflow ['x', 'y'] != hamilton ['x']",
        "y: only dataflow has this node",
        "optional.optional_dependencies: dataflow ['w'] != hamilton []",
        "optional.required_dependencies: dataflow ['x'] != hamilton ['w', 'x']",
        "documented.documentation: dataflow 'Ours.' != hamilton 'Theirs.'",
    ):
        assert expected in differences, f"missing {expected!r} in:\n{differences}"
    assert "shared" not in differences


@pytest.mark.parametrize(("ours", "theirs", "expected"), [
    (pd.Series([1, 2]), pd.Series([1.0, 2.0]), "dtype"),
    (pd.Series([1, 2]), pd.Series([1, 2], index=[1, 2]), "index"),
    (pd.Series([1, 2], name="a"), pd.Series([1, 2], name="b"), "name"),
    (pd.Series([1.0, np.nan]), pd.Series([1.0, 2.0]), "values are different"),
    (pd.DataFrame({"a": [1], "b": [2]}), pd.DataFrame({"b": [2], "a": [1]}), "columns"),
    (pd.DataFrame({"a": [1]}), pd.Series([1], name="a"), "dataflow gives DataFrame"),
    (np.array([1, 2]), np.array([1.0, 2.0]), "!="),
    (1, 1.0, "dataflow gives int"),
    (1.0, np.float64(1.0), "dataflow gives float"),
    (0.1 + 0.2, 0.3, "!="),
    ({"a": 1, "b": 2}, {"b": 2, "a": 1}, "keys"),
    ([1, 2], [1, 2, 3], "length"),
    ((1, "x"), (1, "y"), "[1]"),
    (None, 0, "dataflow gives NoneType"),
])
def test_value_comparison_reports_differences(ours: Any, theirs: Any, expected: str) -> None:
    differences = value_differences(ours, theirs)
    assert differences and expected in "\n".join(differences), differences


@pytest.mark.parametrize("value", [
    pd.Series([1.0, np.nan], name="s"), pd.DataFrame({"a": [1, 2]}), np.array([1.0, np.nan]),
    float("nan"), {"k": [1, (2, "x")]}, None, "text",
])
def test_value_comparison_accepts_equal_values(value: Any) -> None:
    copy = value.copy() if hasattr(value, "copy") else value
    assert value_differences(value, copy) == []


def test_an_error_on_one_side_only_is_a_difference() -> None:
    error = ValueError("boom")
    assert outcome_differences(Outcome(error=error), Outcome(value={"a": 1}), "r").differences
    assert outcome_differences(Outcome(value={"a": 1}), Outcome(error=error), "r").differences
    assert not outcome_differences(Outcome(error=error), Outcome(error=KeyError()),
                                   "r").differences


def test_settle_separates_known_findings_from_new_differences(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # a finding of its own, so the check does not depend on which real findings are open
    monkeypatch.setitem(FINDINGS, "F-example", Finding(
        "F-example", "an example finding", r"\._append\.required_dependencies"))
    settle([])  # nothing found, nothing known: passes
    with pytest.raises(KnownFinding):
        settle(["f._append.required_dependencies: dataflow ['a'] != hamilton ['a', 'b']"],
               ["F-example"])
    with pytest.raises(AssertionError) as unexplained:
        settle(["x.type: dataflow int != hamilton float",
                "f._append.required_dependencies: dataflow ['a'] != hamilton ['a', 'b']"],
               ["F-example"])
    assert not isinstance(unexplained.value, KnownFinding)
    with pytest.raises(AssertionError) as stale:
        settle([], ["F-example"])
    assert "no longer reproduce" in str(stale.value)
    assert not isinstance(stale.value, KnownFinding)


def test_porting_rewrites_imports_only() -> None:
    """The Hamilton twin imports Hamilton's decorators, project modules it imports are ported
    under the same prefix, and functions keep their file and line numbers."""
    import tests.function_modifiers.fixtures_reuse_subdag as original

    twin = load_ported("tests.function_modifiers.fixtures_reuse_subdag",
                       source_root="dataflow", target_root="hamilton")
    assert twin.subdag.__module__.startswith("hamilton.")
    assert twin.features.__name__ == twin.__name__.replace(
        "fixtures_reuse_subdag", "fixtures_reuse_subdag_features")
    assert twin.features.check_output.__module__.startswith("hamilton.")
    assert twin.raw_a.__code__.co_filename == original.raw_a.__code__.co_filename
    assert twin.raw_a.__code__.co_firstlineno == original.raw_a.__code__.co_firstlineno
    assert twin.raw_a is not original.raw_a


def test_porting_drops_and_relocates(tmp_path: Any) -> None:
    with pytest.raises(ModuleNotFoundError, match="no_such"):  # relocation took effect
        load_ported("tests.function_modifiers.fixtures_core", source_root="dataflow",
                    target_root="dataflow",
                    relocate={"dataflow.function_modifiers.value": "no_such.module"})
    twin = load_ported("tests.function_modifiers.fixtures_core", source_root="dataflow",
                       target_root="dataflow",
                       drop={"tests.function_modifiers.fixtures_core": ("times",)})
    assert not hasattr(twin, "times") and hasattr(twin, "add")
    source = "import dataflow.function_modifiers\nx = dataflow.function_modifiers.value\n"
    module = load_source(source, str(tmp_path / "m.py"), source_root="dataflow",
                         target_root="hamilton")
    assert module.x.__module__.startswith("hamilton.")
    with pytest.raises(ValueError, match="nothing named"):
        load_ported("tests.core.helper_module", source_root="dataflow", target_root="hamilton",
                    drop={"tests.core.helper_module": ("no_such_function",)})
