"""The one table of module sets the differential suite builds under both frameworks.

Every node-defining module of the test resources and the example pipeline appears here, with
the config and the inputs its requests need (real pandas data). A case may leave definitions
out of both twins (``drop``) or import a name from the module Hamilton keeps it in
(``relocate``); each such change names, in ``changed_because``, the intended difference or
finding that forces it, so nothing is skipped without a reason on record.

Modules that are not node modules (helpers of other tests) are listed in
:data:`NOT_NODE_MODULES` with the reason, and a test checks that every module file matching
the resource patterns is in one list or the other.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

# -- data -------------------------------------------------------------------------------------


def _spend() -> pd.Series:
    return pd.Series([10.0, np.nan, 30.0, 40.0], name="raw_spend")


def _signups() -> pd.Series:
    return pd.Series([1, 2, 5, 8], name="raw_signups")


def _marketing_frame() -> pd.DataFrame:
    return pd.DataFrame({"spend": [10.0, 20.0, 30.0, 45.0], "signups": [1.0, 4.0, 5.0, 9.0]},
                        index=pd.RangeIndex(4))


def _shop_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "price": np.arange(10, dtype=float),
        "units": np.arange(10, 20, dtype=float),
        "promo": np.tile([0.0, 1.0], 5),
    })


def _values() -> pd.Series:
    return pd.Series([-0.5, 0.25, 0.75, 2.0])


# -- cases ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModuleCase:
    """A module set to build under both frameworks and the data to run its requests with.

    ``build`` says what is expected of the build: ``"both"`` build, ``"neither"`` builds, or the
    id of the intended difference (or finding) for which one side refuses. ``values`` is
    ``"compare"``, or the id of the intended difference that makes executed values
    incomparable (the structure is still compared).
    """

    id: str
    modules: tuple[str, ...]
    config: Mapping[str, Any] = field(default_factory=dict)
    inputs: Callable[[], dict[str, Any]] = dict
    drop: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    relocate: Mapping[str, str] = field(default_factory=dict)
    changed_because: tuple[str, ...] = ()
    build: str = "both"
    values: str = "compare"
    source_root: str = "dataflow"


_FM = "tests.function_modifiers."
_CHECKS_RELOCATE = {"dataflow.data_quality.DataValidator": "dataflow.data_quality.base",
                    "dataflow.data_quality.ValidationResult": "dataflow.data_quality.base"}
_EXAMPLE = "examples.demand_forecasting."
_RES = "tests.compat.resources."

CASES: tuple[ModuleCase, ...] = (
    # tests/core
    ModuleCase("core_sample", ("tests.core.sample_module",),
               inputs=lambda: {"raw_spend": _spend(), "raw_signups": _signups(), "scale": 3.0}),
    ModuleCase("core_sample_defaults", ("tests.core.sample_module",),
               inputs=lambda: {"raw_spend": _spend(), "raw_signups": _signups()}),
    ModuleCase("core_duplicate", ("tests.core.duplicate_module",),
               inputs=lambda: {"raw_spend": _spend()}),
    ModuleCase("core_sample_and_duplicate", ("tests.core.sample_module",
                                             "tests.core.duplicate_module"), build="neither"),
    ModuleCase("core_helper", ("tests.core.helper_module",),
               inputs=lambda: {"spend": 2.5, "raw_spend": 4.0}),
    ModuleCase("core_pickle", ("tests.core.pickle_module",), inputs=lambda: {"seed": 4}),
    ModuleCase("core_cycle", ("tests.core.cycle_module",), build="cycles-refused-at-build"),
    ModuleCase("core_mismatch", ("tests.core.mismatch_module",), build="neither"),
    ModuleCase("core_int_to_float", ("tests.core.int_to_float_module",), build="neither"),
    # tests/function_modifiers
    ModuleCase("fm_core_mode_a", (_FM + "fixtures_core",), config={"mode": "a"},
               inputs=lambda: {"x": 3}),
    ModuleCase("fm_core_mode_other", (_FM + "fixtures_core",), inputs=lambda: {"x": -2}),
    ModuleCase("fm_core_async", (_FM + "fixtures_core_async",), config={"flavour": "async"},
               inputs=lambda: {"a": 2, "b": 5},
               drop={_FM + "fixtures_core_async": ("async_does",)},
               changed_because=("async-functions",),
               values="async-functions"),
    ModuleCase("fm_core_future", (_FM + "fixtures_core_future",), inputs=lambda: {"seed": 5}),
    ModuleCase("fm_reuse_mutate_twice", (_FM + "fixtures_reuse_mutate_twice",),
               inputs=lambda: {"x": 1}),
    ModuleCase("fm_reuse_async", (_FM + "fixtures_reuse_async",),
               inputs=lambda: {"seed": 3, "raw_df": _marketing_frame()},
               relocate={"dataflow.function_modifiers.with_columns": "dataflow.plugins.h_pandas"},
               changed_because=("extra-import-paths",), values="async-functions"),
    ModuleCase("fm_reuse_checks", (_FM + "fixtures_reuse_checks",),
               inputs=lambda: {"raw": pd.Series([1.0, 2.0, 3.0, 4.0]), "raw_label": "a",
                               "n": 4},
               relocate=_CHECKS_RELOCATE, drop={_FM + "fixtures_reuse_checks": ("count",)},
               changed_because=("extra-import-paths", "stacked-check-output")),
    ModuleCase("fm_reuse_checks_failing", (_FM + "fixtures_reuse_checks",),
               inputs=lambda: {"raw": pd.Series([1.0, -2.0, np.nan, 40.0]),
                               "raw_label": "b c", "n": 11},
               relocate=_CHECKS_RELOCATE, drop={_FM + "fixtures_reuse_checks": ("count",)},
               changed_because=("extra-import-paths", "stacked-check-output")),
    ModuleCase("fm_reuse_checks_stacked", (_FM + "fixtures_reuse_checks",),
               relocate=_CHECKS_RELOCATE, changed_because=("extra-import-paths",),
               build="stacked-check-output"),
    ModuleCase("fm_reuse_column_features", (_FM + "fixtures_reuse_column_features",),
               inputs=lambda: {"spend": _marketing_frame()["spend"],
                               "signups": _marketing_frame()["signups"],
                               "spend_baseline": 1.5}),
    ModuleCase("fm_reuse_frame_features", (_FM + "fixtures_reuse_frame_features",),
               inputs=lambda: {"df": _marketing_frame()}),
    ModuleCase("fm_reuse_columns", (_FM + "fixtures_reuse_columns",),
               inputs=lambda: {"raw_df": _marketing_frame()},
               drop={_FM + "fixtures_reuse_columns": ("replaced", "on_second")},
               changed_because=("pandas-pass-dataframe-as", "with-columns-on-input")),
    ModuleCase("fm_mutate_targets", (_FM + "fixtures_reuse_mutate_targets",)),
    ModuleCase("fm_mutators_across_modules", (_FM + "fixtures_reuse_mutate_targets",
                                              _FM + "fixtures_reuse_mutators"),
               build="cross-module-mutate"),
    ModuleCase("fm_pipes_big", (_FM + "fixtures_reuse_pipes",), config={"mode": "big"},
               inputs=lambda: {"x": 2, "a": 3, "b": 4, "raw_values": _values()},
               drop={_FM + "fixtures_reuse_pipes": ("async_piped_out", "async_step_in")},
               changed_because=("async-functions",)),
    ModuleCase("fm_pipes_small", (_FM + "fixtures_reuse_pipes",), config={"mode": "small"},
               inputs=lambda: {"x": 2, "a": 3, "b": 4, "raw_values": _values()},
               drop={_FM + "fixtures_reuse_pipes": ("async_piped_out", "async_step_in")},
               changed_because=("async-functions",)),
    ModuleCase("fm_subdag", (_FM + "fixtures_reuse_subdag",),
               inputs=lambda: {"raw_b": pd.Series([2.0, 8.0, 20.0]), "label": "L",
                               "factor": 3.0}),
    ModuleCase("fm_subdag_configured_eu", (_FM + "fixtures_reuse_subdag_configured",),
               config={"region": "eu"}, inputs=lambda: {"amount": 100.0}),
    ModuleCase("fm_subdag_configured_us", (_FM + "fixtures_reuse_subdag_configured",),
               config={"region": "us"}, inputs=lambda: {"amount": 100.0}),
    ModuleCase("fm_subdag_features", (_FM + "fixtures_reuse_subdag_features",),
               inputs=lambda: {"raw": pd.Series([-1.0, 2.0, 7.0]), "floor": 0.5,
                               "factor": 2.0}),
    ModuleCase("fm_subdag_nested", (_FM + "fixtures_reuse_subdag_nested",),
               inputs=lambda: {"series": pd.Series([3.0, -1.0, 4.0])}),
    # tests/lineage
    ModuleCase("lineage_pipeline", ("tests.lineage.pipeline_module",),
               inputs=lambda: {"raw": _marketing_frame(), "scale": 2.0, "bias": 0.5}),
    ModuleCase("lineage_pipeline_defaults", ("tests.lineage.pipeline_module",),
               inputs=lambda: {"raw": _marketing_frame(), "scale": 2.0}),
    # tests/compat
    ModuleCase("compat_hamilton_style_eu", ("tests.compat.hamilton_style_features",),
               config={"region": "eu"}, inputs=lambda: {"raw_frame": _shop_frame()}),
    ModuleCase("compat_hamilton_style_us", ("tests.compat.hamilton_style_features",),
               config={"region": "us"}, inputs=lambda: {"raw_frame": _shop_frame()}),
    # tests/compat/resources: modules written for Hamilton, ported to dataflow
    ModuleCase("res_config_shadowing", (_RES + "config_shadowing",), config={"horizon": 3},
               source_root="hamilton"),
    ModuleCase("res_inputs_and_defaults", (_RES + "inputs_and_defaults",),
               inputs=lambda: {"x": 1, "z": None}, source_root="hamilton"),
    ModuleCase("res_inputs_and_defaults_all_given", (_RES + "inputs_and_defaults",),
               inputs=lambda: {"x": 1, "y": 2, "z": 3, "w": 4}, source_root="hamilton"),
    ModuleCase("res_none_default_from_config", (_RES + "inputs_and_defaults",),
               config={"z": None, "w": None}, inputs=lambda: {"x": 1, "y": 2},
               source_root="hamilton"),
    ModuleCase("res_odd_column_names", (_RES + "odd_column_names",),
               inputs=lambda: {"raw": pd.DataFrame({"Tax Rate": [0.1, 0.2],
                                                    "unit price": [2.0, 3.0], "2023": [1, 2]}),
                               "n": 1},
               source_root="hamilton"),
    ModuleCase("res_mutate_twice", (_RES + "mutate_twice",), source_root="hamilton"),
    ModuleCase("res_int_to_float", (_RES + "int_to_float",), source_root="hamilton",
               build="neither"),
    ModuleCase("res_no_return_annotation", (_RES + "no_return_annotation",),
               inputs=lambda: {"x": 1}, source_root="hamilton", build="neither"),
    ModuleCase("res_module_lambda", (_RES + "module_lambda",), source_root="hamilton",
               build="neither"),
    ModuleCase("res_pipe_naming", (_RES + "pipe_naming",), inputs=lambda: {"x": 1},
               source_root="hamilton"),
    ModuleCase("res_config_none_absent", (_RES + "config_none",), inputs=lambda: {"x": 1},
               source_root="hamilton"),
    ModuleCase("res_config_none_given", (_RES + "config_none",), config={"a": None},
               inputs=lambda: {"x": 1}, source_root="hamilton"),
    ModuleCase("res_config_none_other", (_RES + "config_none",), config={"a": 1},
               inputs=lambda: {"x": 1}, source_root="hamilton"),
    ModuleCase("res_submodule_paths", (_RES + "submodule_paths",), config={"flavour": "a"},
               inputs=lambda: {"x": 1}, source_root="hamilton"),
    ModuleCase("res_subdag_inputs_typo", (_RES + "subdag_inputs_typo",),
               inputs=lambda: {"seed": 1, "raw": 5}, source_root="hamilton",
               build="subdag-input-typos-refused"),
    # the example pipeline
    ModuleCase("example_demand_forecasting",
               tuple(_EXAMPLE + m for m in ("raw_data", "calendar_features", "price_features",
                                            "promo_features", "sales_features")),
               config={"n_stores": 2, "n_days": 70, "seed": 3, "horizon": 7}),
)

BY_ID = {case.id: case for case in CASES}

NOT_NODE_MODULES = {
    "tests.function_modifiers.fixtures_shared_base": "half of Hamilton #1281's shape; compared in "
        "test_differential_findings.py::test_decorating_an_imported_function_keeps_its_node "
        "(resources/shared_function_*), where Hamilton loses node `a`",
    "tests.function_modifiers.fixtures_shared_decorated": "the other half of #1281's shape "
        "(see fixtures_shared_base)",
    "examples.demand_forecasting.synthetic": "data generator the loader calls; not a node "
                                             "module",
    "examples.demand_forecasting.train": "the training job (driver construction, fitting)",
    "examples.demand_forecasting.train_polars": "the polars feature driver's construction",
    "examples.demand_forecasting.polars_features": "the pandas feature modules on polars; "
        "compared column by column with them in tests/plugins/test_polars_example.py",
    "examples.demand_forecasting": "package docstring only",
    "tests.compat": "package docstring only",
    "tests.compat.differential": "the differential machinery",
    "tests.compat.intended_differences": "the list of intended differences",
    "tests.compat.module_cases": "this table",
    "tests.compat.twin_import": "the porting loader",
    "tests.compat.findings": "the findings registry",
    "tests.compat.generated_modules": "the hypothesis module generator",
    "tests.compat.graph_hook_recorder": "a Hamilton-written graph hook (no nodes); compared "
        "in test_graph_types_vs_hamilton.py",
    "tests.compat.resources": "package docstring only",
    "tests.compat.resources.shared_function_base": "with shared_function_user: "
    "test_decorating_an_imported_function_keeps_its_node (intended difference "
    "decorator-does-not-mutate-shared-function: Hamilton loses the node)",
    "tests.compat.resources.shared_function_user": "see shared_function_base",
}
"""Modules matched by the resource patterns that define no nodes on purpose."""

RESOURCE_PATTERNS = (
    "tests/core/*_module.py",
    "tests/function_modifiers/fixtures_*.py",
    "tests/lineage/pipeline_module.py",
    "tests/compat/*.py",
    "tests/compat/resources/*.py",
    "examples/demand_forecasting/*.py",
)
