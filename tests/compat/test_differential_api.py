"""The public API a ported module or script touches, against Hamilton 1.90: import paths and
names (issue 7 lists the ones real modules use), driver methods, and
``list_available_variables(tag_filter=...)`` answers and refusals."""

from __future__ import annotations

import importlib
import textwrap
from pathlib import Path
from typing import Any

import pytest

from tests.compat.differential import SIDES, Outcome, outcome_differences, twins_from_source
from tests.compat.findings import KnownFinding, settle, xfail

PUBLIC_NAMES = [
    # (module under the framework root, attribute or "" for the module itself)
    ("function_modifiers", "parametrized_input"),
    ("function_modifiers", "InvalidDecoratorException"),
    ("base", "DefaultAdapter"),
    ("base", "ResultMixin"),
    ("base", "DictResult"),
    ("base", "PandasDataFrameResult"),
    ("base", "NumpyMatrixResult"),
    ("settings", "ENABLE_POWER_USER_MODE"),
    ("function_modifiers.configuration", "config"),
    ("function_modifiers.expanders", "parameterize"),
    ("function_modifiers.recursive", "subdag"),
    ("function_modifiers.macros", "pipe_output"),
    ("function_modifiers.metadata", "tag"),
    ("function_modifiers.validation", "check_output"),
    ("function_modifiers.dependencies", "source"),
    ("function_modifiers.adapters", "load_from"),
    ("function_modifiers.base", "InvalidDecoratorException"),
    ("data_quality.base", "DataValidator"),
    ("plugins.h_pandas", "with_columns"),
    ("ad_hoc_utils", "create_temporary_module"),
    ("driver", "Builder"),
]

# F-missing-public-names is fixed: function_modifiers.adapters.load_from (issue 9) was the
# last name missing, so no parameter below carries its xfail marker any more.


def _lookup(root: str, module: str, name: str) -> Any:
    imported = importlib.import_module(f"{root}.{module}")
    return getattr(imported, name)


@pytest.mark.parametrize(("module", "name"), [
    pytest.param(m, n, id=f"{m}.{n}") for m, n in PUBLIC_NAMES])
def test_hamiltons_public_name_exists(module: str, name: str) -> None:
    _lookup("hamilton", module, name)  # the name is Hamilton's (the list is not a typo)
    try:
        _lookup("dataflow", module, name)
    except (ImportError, AttributeError) as missing:
        settle([f"dataflow lacks {module}.{name}: {missing}"])


def _tagged_twins(tmp_path: Path) -> Any:
    return twins_from_source(textwrap.dedent("""
        from hamilton.function_modifiers import tag

        @tag(team="growth", stage="raw")
        def spend(x: int) -> int:
            return x

        @tag(team="ads")
        def clicks(x: int) -> int:
            return x

        def untagged(x: int) -> int:
            return x
        """), tmp_path / "tagged.py")


_TAG_FILTER_FINDINGS: dict[str, str] = {}  # F-tag-filter-validation is fixed


@pytest.mark.parametrize(("label", "tag_filter"), [
    pytest.param(label, tag_filter, id=label,
                 marks=[xfail(_TAG_FILTER_FINDINGS[label])]
                 if label in _TAG_FILTER_FINDINGS else [])
    for label, tag_filter in [
        ("one-value", {"team": "growth"}),
        ("list", {"team": ["growth", "ads"]}),
        ("any-value", {"team": None}),
        ("two-keys", {"team": "growth", "stage": "raw"}),
        ("no-match", {"team": "nobody"}),
        ("empty-filter", {}),
        ("empty-list", {"team": []}),
        ("int-value", {"team": 1}),
    ]])
def test_tag_filter_matches_hamilton(label: str, tag_filter: dict[str, Any],
                                     tmp_path: Path) -> None:
    twins = _tagged_twins(tmp_path)
    outcomes = []
    for side in SIDES:
        try:
            variables = twins.side(side).driver.list_available_variables(tag_filter=tag_filter)
            outcomes.append(Outcome(value=sorted(v.name for v in variables)))
        except Exception as error:  # refusals are compared too
            outcomes.append(Outcome(error=error))
    differences = outcome_differences(*outcomes, f"tag_filter={tag_filter}").differences
    settle(differences, [_TAG_FILTER_FINDINGS[label]] if label in _TAG_FILTER_FINDINGS else [])


@pytest.mark.parametrize("method", [
    pytest.param(m)
    for m in ("execute", "raw_execute", "validate_execution", "validate_inputs",
              "list_available_variables", "what_is_upstream_of", "what_is_downstream_of",
              "what_is_the_path_between", "visualize_execution", "display_all_functions")])
def test_driver_method_exists(method: str, tmp_path: Path) -> None:
    twins = _tagged_twins(tmp_path)
    assert hasattr(twins.hamilton.driver, method)
    if not hasattr(twins.dataflow.driver, method):
        raise KnownFinding(f"dataflow's Driver lacks {method}")
