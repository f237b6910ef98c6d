"""Every intended difference between dataflow and Apache Hamilton 1.90.0, with its reason.

This is the one list (docs/howto/port_from_hamilton.md mirrors it). The differential suite
consults it: a comparison that finds a difference asks the functions at the bottom whether an
entry excuses it, and records which entry did, so every entry can be checked to be exercised
(``test_intended_differences.py``). Anything not excused here is a finding: a bug to fix, kept
as a strict-xfail test until it is fixed.

Each entry: ``id``, ``what`` differs, ``why`` it is kept, ``consulted_by`` (the tests that
consult it).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class IntendedDifference:
    id: str
    what: str
    why: str
    consulted_by: tuple[str, ...]
    refusing_side: str | None = None
    """For a difference in what builds: the framework that refuses (the other builds)."""


class _Absent:
    """A tag one side does not have (distinct from a tag whose value is None)."""

    def __repr__(self) -> str:
        return "(absent)"


ABSENT: Any = _Absent()

_STRUCTURE = "tests/compat/test_differential_modules.py::test_node_matches_hamilton"
_REQUESTS = "tests/compat/test_differential_modules.py::test_request_matches_hamilton"
_GENERATED = "tests/compat/test_differential_generated.py"
_BUILD = "tests/compat/test_differential_modules.py::test_builds_like_hamilton"
_DEMO = "tests/compat/test_intended_differences.py::"
_NEEDED = _DEMO + "test_every_change_a_case_makes_is_needed"
_FANOUT = "tests/execution/test_fanout.py::"
_FANOUT_HOOKS = "tests/execution/test_fanout_hooks.py::"
_CACHE = "tests/caching/test_vs_hamilton.py::"
_IO = "tests/compat/test_differential_io.py::"
_POLARS = "tests/plugins/test_polars.py::"
_PANDERA = "tests/plugins/test_pandera.py::"
_PYDANTIC = "tests/plugins/test_pydantic.py::"

_DASK = "tests/engines/test_dask.py::"
_RAY = "tests/engines/test_ray.py::"
_SPARK = "tests/engines/test_spark.py::"
_IO_POLARS = "tests/io/test_polars_formats.py::"

DIFFERENCES: tuple[IntendedDifference, ...] = (
    IntendedDifference(
        id="dask-graph-computed-in-the-run",
        what="`h_dask.DaskGraphAdapter` computes the run's dask graph inside the run and then "
             "builds the result in the calling process from the computed outputs: "
             "`run_after_graph_execution` sees the run's real outcome (a failing node: "
             "`success=False` and its error) and `raw_execute` returns values. Hamilton's "
             "adapter only describes the nodes during the run (its graph hooks see "
             "`dask.delayed` values and `success=True` before any node ran) and computes in "
             "`build_result`, the result builder running as a dask task.",
        why="Hooks and `raw_execute` behave as on the local driver: a tracker must not record "
            "a run that then fails as a success, and node hooks running on the workers report "
            "back before the run ends.",
        consulted_by=(_DASK + "test_a_failing_node_keeps_its_type_and_note_across_the_wire",
                      _DASK + "test_results_equal_the_local_driver"),
    ),
    IntendedDifference(
        id="dask-unshippable-refused-first",
        what="On `h_dask.DaskGraphAdapter` (with a client or a distributed scheduler), a run "
             "with a node whose function or node hooks cannot reach the workers (a closure "
             "over a lock; a function of a module made at run time, which workers cannot "
             "import by name) is refused before any node runs with `NotPicklableError` naming "
             "every such node and its file:line. Hamilton sends the graph as it is: the "
             "problem shows only when a worker loads the task.",
        why="Nothing runs half-way first, and a run never hangs on a task the workers cannot "
            "load; `cloudpickle.register_pickle_by_value(module)` makes a run-time module "
            "ship, and then it does.",
        consulted_by=(_DASK + "test_a_node_that_cannot_ship_is_named_before_anything_runs",
                      _DASK + "test_a_function_of_a_run_time_module_is_named"),
    ),
    IntendedDifference(
        id="dask-executor-bounded",
        what="`h_dask.DaskExecutor(client=...)` hands at most `max_tasks` tasks to the cluster "
             "at once (by default the cluster's worker threads; `max_tasks=` is an extra, "
             "optional argument); Hamilton's submits every task as soon as it can.",
        why="As on the other pool executors, a failing item stops the items not yet started "
            "(docs/execution.md): the run ends without computing work whose result is "
            "thrown away.",
        consulted_by=(_DASK + "test_fan_out_blocks_on_the_cluster_equal_the_local_run",
                      _DASK + "test_a_failing_item_on_the_cluster_keeps_its_type_and_notes"),
    ),
    IntendedDifference(
        id="spark-64-bit-python-types",
        what="In `h_spark.with_columns`, Python's `int` and `float` as the value type of a "
             "pandas UDF (`column[pd.Series, float]`) or the return type of a row UDF are "
             "Spark's 64-bit `bigint` and `double`; Hamilton makes them 32-bit `int` and "
             "`float`.",
        why="pandas computes in 64 bits: a 32-bit column silently loses precision (and "
            "overflows on counts past 2**31), so the Spark result would differ from the "
            "pandas computation of the same functions. `np.float32` or `'float'` still give "
            "32 bits when wanted.",
        consulted_by=(_SPARK + "test_mixed_column_functions_equal_the_pandas_computation",),
    ),
    IntendedDifference(
        id="spark-udf-failure-keeps-its-type",
        what="A column function that fails inside a Spark worker (a pandas or row UDF of "
             "`h_spark.with_columns`) raises its own exception, with a note naming the column "
             "node, the function's file:line and its arguments' types, when the Spark action "
             "runs in a node of the run or inside `h_spark.node_errors()`; with Hamilton the "
             "caller gets Spark's `PythonException`, whose text holds the worker's traceback.",
        why="Errors keep their type and say where they come from, as on the local driver: "
            "`except ValueError` still matches, and the note names the node.",
        consulted_by=(_SPARK + "test_a_failing_column_function_keeps_its_type_and_note",),
    ),
    IntendedDifference(
        id="spark-with-columns-more-forms",
        what="`h_spark.with_columns` also accepts functions over Spark columns (`Column` "
             "parameters, each given `F.col(name)`) and `on_input=` (Hamilton raises "
             "`NotImplementedError`); its steps run in the loaded functions' order where "
             "dependencies allow (Hamilton's topological order can differ, and with it the "
             "order of the added columns); with `select=` in append mode it never drops a "
             "column the input frame had (Hamilton drops a replaced frame column that is not "
             "selected); misuse (a pandas UDF without its value type, a column parameter "
             "nobody provides, a misspelt `select`) is refused at build with the function's "
             "file:line and a did-you-mean.",
        why="Column expressions are the cheapest way to compute a column in Spark (no Python "
            "worker), and the rest keeps the input frame and the errors as the pandas "
            "`with_columns` does.",
        consulted_by=(_SPARK + "test_mixed_column_functions_equal_the_pandas_computation",
                      _SPARK + "test_misuse_is_named_at_build"),
    ),
    IntendedDifference(
        id="spark-pandas-on-spark-lazy-import",
        what="`h_spark` imports `pyspark.pandas` only for `SparkKoalasGraphAdapter` and "
             "`KoalasDataFrameResult`, whose `build_result` returns the pandas-on-Spark frame "
             "(Hamilton's returns None: it only signals the adapter); Hamilton's `h_spark` "
             "imports `pyspark.pandas` at import, so with pandas 3.x (which `pyspark.pandas` "
             "does not import with) none of it imports.",
        why="`with_columns` for PySpark DataFrames needs no pandas-on-Spark, and works on "
            "pandas 3.x.",
        consulted_by=(_SPARK + "test_pandas_on_spark_adapter_gives_the_pandas_result",
                      "tests/test_import.py::"
                      "test_the_spark_plugin_leaves_pandas_on_spark_unimported"),
    ),
    IntendedDifference(
        id="dataflow-tags",
        what="Nodes carry extra tags in the `dataflow.` namespace: `dataflow.decorator` (the "
             "decorator that generated the node) on decorator-generated nodes, and "
             "`dataflow.data_quality.*` next to Hamilton's `hamilton.data_quality.*` on "
             "@check_output validator nodes.",
        why="Lineage pictures style generated nodes by their decorator (docs/lineage.md) and "
            "error messages name the decorator; the `dataflow.` prefix is reserved, so no user "
            "tag collides and tag filters on user tags select the same nodes as in Hamilton.",
        consulted_by=(_STRUCTURE, _DEMO + "test_dataflow_tags"),
    ),
    IntendedDifference(
        id="pipe-output-module-tag",
        what="The final node of @pipe_output carries `module=<the user's module>`; Hamilton "
             "tags it with its own `hamilton.function_modifiers.macros`.",
        why="The node is the user's function; Hamilton's value names its implementation, which "
            "is useless for tag filters (`tag_filter={'module': ...}`) and lineage grouping.",
        consulted_by=(_STRUCTURE, _DEMO + "test_pipe_output_module_tag"),
    ),
    IntendedDifference(
        id="generated-documentation",
        what="Nodes Hamilton leaves undocumented (external inputs, config values, "
             "@parameterize outputs of an undocumented function, ...) get a generated one-line "
             "description; columns of @extract_columns / fields of @extract_fields say "
             "\"Column 'x' of fn.\" where Hamilton repeats the function's docstring; "
             "@check_output validator nodes describe the check in dataflow's words.",
        why="The description is shown in lineage tooltips and `list_available_variables`; a "
            "node with documentation from the user's own docstring reads the same on both.",
        consulted_by=(_STRUCTURE, _DEMO + "test_generated_documentation"),
    ),
    IntendedDifference(
        id="validation-messages",
        what="`ValidationResult.message` of the built-in validators is worded by dataflow "
             "('3 of 3 values lie in [0.0, 10.0], 0 do not.'); `passes`, `diagnostics` and "
             "the node names match Hamilton's.",
        why="The message is prose for people; code reads `passes` and `diagnostics`.",
        consulted_by=(_REQUESTS, _DEMO + "test_validation_messages"),
    ),
    IntendedDifference(
        id="missing-input-requested-alone",
        what="Requesting an external input that some function requires, without providing "
             "it, raises MissingInputsError; Hamilton returns None for it (when nothing else "
             "in the request needs it).",
        why="Returning None for a value nobody gave is a silent wrong result. (An *optional* "
            "input, one only read by parameters with defaults, is different: see finding "
            "F-optional-input-requested.)",
        consulted_by=(_REQUESTS, _GENERATED, _DEMO + "test_missing_input_requested_alone"),
    ),
    IntendedDifference(
        id="pandas-pass-dataframe-as",
        what="`@with_columns(..., pass_dataframe_as=...)` works for pandas; Hamilton 1.90 "
             "raises NotImplementedError for pandas.",
        why="A feature Hamilton lacks (dataflow does more); modules that use it are not "
            "Hamilton modules, so the differential suite drops such functions from both twins.",
        consulted_by=(_BUILD, _NEEDED),
    ),
    IntendedDifference(
        id="with-columns-on-input",
        what="`@with_columns(..., columns_to_pass=[...], on_input='frame')`: `on_input` picks "
             "the decorated function's DataFrame parameter; Hamilton refuses `on_input` "
             "together with `columns_to_pass`.",
        why="Documented in docs/decorators/reuse.md; the differential suite drops such "
            "functions from both twins.",
        consulted_by=(_BUILD, _NEEDED),
    ),
    IntendedDifference(
        id="cross-module-mutate",
        what="`@mutate` may target functions of another module; Hamilton 1.90 raises "
             "NotSameModuleError (its power-user hint does not lift it).",
        why="The mutator records an instruction on itself instead of editing the target, so a "
            "mutation applies only in drivers that include the mutator's module "
            "(docs/decorators/reuse.md).",
        consulted_by=(_BUILD,),
        refusing_side="hamilton",
    ),
    IntendedDifference(
        id="async-functions",
        what="`async def` nodes run in the ordinary driver (awaited), and every decorator "
             "accepts them; Hamilton's synchronous driver returns coroutine objects, and "
             "Hamilton's @does/@pipe_output refuse async functions.",
        why="docs/decorators.md: every decorator works on async functions. Modules using them "
            "are dataflow modules; the suite compares their structure only, or drops the "
            "async functions.",
        consulted_by=(_BUILD, _NEEDED, _DEMO + "test_async_functions"),
        refusing_side="hamilton",
    ),
    IntendedDifference(
        id="cycles-refused-at-build",
        what="Functions that depend on each other in a circle are refused when the driver is "
             "built (CycleError naming the functions and file:line); Hamilton builds the "
             "driver and fails only when a request reaches the cycle.",
        why="A cyclic module is always a mistake; saying so at build names the functions.",
        consulted_by=(_BUILD,),
        refusing_side="dataflow",
    ),
    IntendedDifference(
        id="stacked-check-output",
        what="Several @check_output on one function join one gate (`<fn>_raw` once, one "
             "validator node per check); Hamilton refuses with 'Cannot define function "
             "<fn>_raw more than once'.",
        why="docs/decorators/data_quality.md: stacking checks is natural; one gate keeps the "
            "node names Hamilton uses for a single check.",
        consulted_by=(_BUILD,),
        refusing_side="hamilton",
    ),
    IntendedDifference(
        id="unbound-step-parameters",
        what="A parameter of a pipe/mutate step function that the step does not bind keeps its "
             "default; Hamilton makes it an optional dependency (an external input node of "
             "that name appears, and a node of that name silently feeds the step).",
        why="docs/decorators/reuse.md: a node that happens to share the parameter's name must "
            "not change a step's behaviour.",
        consulted_by=(_STRUCTURE, _GENERATED, _DEMO + "test_unbound_step_parameters"),
    ),
    IntendedDifference(
        id="extra-import-paths",
        what="Some names are also importable from a shorter path Hamilton lacks "
             "(`dataflow.function_modifiers.with_columns`, `dataflow.data_quality.DataValidator`"
             " / `ValidationResult`); Hamilton's paths (`plugins.h_pandas`, "
             "`data_quality.base`) work too.",
        why="Convenience; Hamilton modules port unchanged. Modules using the short paths do not "
            "port back, so the suite imports those names from Hamilton's paths on both sides.",
        consulted_by=(_BUILD, _NEEDED),
    ),
    IntendedDifference(
        id="resolve-without-power-user-mode",
        what="`@resolve` works without `hamilton.enable_power_user_mode=True` in the config "
             "(the key may be passed and is ignored); Hamilton refuses to build without it.",
        why="docs/decorators.md: the decorator is explicit in the code.",
        consulted_by=(_DEMO + "test_resolve_needs_no_power_user_mode",),
        refusing_side="hamilton",
    ),
    IntendedDifference(
        id="decorator-does-not-mutate-shared-function",
        what="Decorating a function imported from another module "
             "(`b = parameterize(...)(base.a)`) leaves `base.a`'s nodes alone; Hamilton "
             "(its #1281) changes the imported function, so `a` disappears from a driver "
             "built with both modules.",
        why="A decorator must never change a function another module owns. The decorated "
            "result is a copy owned by the decorating module: that module alone defines `b` "
            "(Hamilton: nothing), and `b = tag(...)(base.a)` defines `a` a second time, so "
            "building with both modules is a duplicate-node error where Hamilton tags "
            "`base.a` itself.",
        consulted_by=("tests/compat/test_differential_findings.py::"
                      "test_decorating_an_imported_function_keeps_its_node",
                      "tests/function_modifiers/test_shared_functions.py::"
                      "test_the_decorating_module_alone_defines_the_new_nodes",
                      "tests/function_modifiers/test_shared_functions.py::"
                      "test_a_decorated_copy_of_a_node_function_is_a_second_definition_of_its_node"),
    ),
    IntendedDifference(
        id="override-typos-refused",
        what="An `overrides=` key that names no node is refused with a did-you-mean; Hamilton "
             "ignores it and returns the un-overridden result.",
        why="Issue 7: a typo in an override silently gives a wrong result.",
        consulted_by=("tests/compat/test_differential_findings.py::"
                      "test_override_typo_is_refused",),
    ),
    IntendedDifference(
        id="subdag-input-typos-refused",
        what="A key of `@subdag(inputs=...)` / `@parameterized_subdag` that names no input "
             "of the subdag is refused at build with a did-you-mean; Hamilton ignores it.",
        why="Issue 7: a typo there silently feeds the subdag from elsewhere.",
        consulted_by=(_BUILD,),
        refusing_side="dataflow",
    ),
    IntendedDifference(
        id="pipe-input-step-reads-piped-parameter",
        what="`@pipe_input(step(f, k=source('x')))` on a function whose piped (first) "
             "parameter is `x` itself runs (`f(x, k=x)`); Hamilton 1.90 builds it and then "
             "raises TypeError (\"missing 1 required positional argument\") when it runs.",
        why="A Hamilton bug: the step is well defined. The hypothesis generator does not write "
            "such steps (they could only report this difference).",
        consulted_by=(_DEMO + "test_pipe_input_step_reads_piped_parameter", _GENERATED),
    ),
    IntendedDifference(
        id="input-types-per-consumer",
        what="An input's value is checked against the parameters of the functions the request "
             "runs (`x: object` in one, `x: int` in another: `x='text'` is fine for a request "
             "that runs only the first). Hamilton checks against one graph-wide type (the "
             "narrowest) and refuses that request.",
        why="Issue 7: each consumer states what it accepts; a request that runs only the "
            "lenient consumer is valid, and the result must not depend on definition order.",
        consulted_by=("tests/compat/test_differential_findings.py::"
                      "test_input_checked_against_the_consumers_that_run",),
    ),
    IntendedDifference(
        id="none-only-where-a-default-allows",
        what="`None` is accepted as an input or config value for a parameter that has a "
             "default (or whose annotation admits None); for a required `x: int` it is "
             "refused with a hint. Hamilton accepts `None` for every input.",
        why="`None` reaching a function annotated `int` is a silent wrong result waiting to "
            "happen; a parameter with a default (`y: int = None`, the Hamilton idiom) still "
            "takes it.",
        consulted_by=(_DEMO + "test_none_only_where_a_default_allows",),
    ),
    IntendedDifference(
        id="numeric-input-values",
        what="An input value `1` (an int, or a numpy integer or float scalar) is accepted for "
             "a parameter annotated `float`; Hamilton refuses an int value there. Edges between "
             "functions follow Hamilton: an `int` producer does not feed a `float` parameter.",
        why="Literals in configs, notebooks and CLIs are written `alpha=1`; refusing them "
            "helps nobody, while an edge annotation is code the author can fix.",
        consulted_by=(_DEMO + "test_numeric_input_values",),
    ),
    IntendedDifference(
        id="config-checked-at-build",
        what="A config value is type-checked against every parameter that reads it when the "
             "driver is built (also a config key standing for a function node); Hamilton "
             "checks it when a request runs.",
        why="Config is known at build: the error comes before any work, once.",
        consulted_by=(_DEMO + "test_config_checked_at_build",),
        refusing_side="dataflow",
    ),
    IntendedDifference(
        id="tag-filter-list-items",
        what="`tag_filter` list values must hold strings only; Hamilton checks that a value "
             "is a string or a non-empty list and accepts `['a', 1]`.",
        why="A non-string item can never match a tag value written by `@tag`; refusing it "
            "finds the typo.",
        consulted_by=(_DEMO + "test_tag_filter_list_items",),
    ),
    IntendedDifference(
        id="legacy-execute-node-not-called",
        what="`base.HamiltonGraphAdapter` / `SimplePythonGraphAdapter` subclasses are used as "
             "result builders; the driver does not call their `execute_node`. Node execution "
             "is customised with `lifecycle.NodeExecutionMethod.run_to_execute_node`.",
        why="Calling nodes belongs to the run stage and its hooks (issue 8 brings Hamilton's "
            "full lifecycle API); one way to wrap a node call, not two.",
        consulted_by=(_DEMO + "test_legacy_execute_node_not_called",),
    ),
    IntendedDifference(
        id="input-named-like-function-warns",
        what="An input named like a node a function computes is ignored on both sides; "
             "dataflow also warns (`InputIgnoredWarning`) and points at `overrides=`.",
        why="Silently ignoring a value the caller passed hides mistakes; the result is the "
            "same, so ported code behaves the same (warnings are not compared).",
        consulted_by=(_GENERATED, _DEMO + "test_input_named_like_function_warns"),
    ),
    IntendedDifference(
        id="error-types-and-messages",
        what="Errors have dataflow's types and messages (every error a ValueError, naming the "
             "node, function and file:line with did-you-mean hints); Hamilton raises its own "
             "types and messages.",
        why="Better errors are the point; `except ValueError:` keeps working. The differential "
            "suite compares raised-or-not, never the error type or message.",
        consulted_by=(_REQUESTS, _GENERATED, _BUILD, _DEMO + "test_error_types_and_messages"),
    ),
    IntendedDifference(
        id="validation-passes-is-a-bool",
        what="`ValidationResult.passes` is always a Python `bool`; Hamilton's is whatever the "
             "comparison gave, a `numpy.bool_` when pandas returns numpy scalars (pandas 2).",
        why="`result.passes is True` and JSON serialisation must not depend on the pandas "
            "version.",
        consulted_by=(_REQUESTS, _DEMO + "test_validation_passes_is_a_bool"),
    ),
    IntendedDifference(
        id="deprecated-names-warn",
        what="Deprecated decorator names (`parametrized`, `parametrized_input`, "
             "`parameterized_inputs`) raise a `FutureWarning` pointing at the user's line; "
             "Hamilton logs a warning through `logging`.",
        why="A warning at the user's line is what Python tooling (pytest, -W error) sees.",
        consulted_by=("tests/function_modifiers/test_hamilton_names.py::"
                      "test_deprecated_names_warn_and_expand_like_their_replacement",),
    ),
    IntendedDifference(
        id="unannotated-parameters-are-any",
        what="A parameter without an annotation is typed `Any`; Hamilton refuses the "
             "function. (A function without a *return* annotation is refused by both.)",
        why="The parameter's producer is typed, so the edge is still checked from one side; "
            "refusing adds friction without catching a mismatch.",
        consulted_by=("tests/core/test_collect_resolve.py::"
                      "test_missing_parameter_annotations_mean_any",),
        refusing_side="hamilton",
    ),
    IntendedDifference(
        id="empty-names-refused",
        what="`step(...).named('')` without a namespace, and `''` as an extracted column or "
             "field name, are refused at build; Hamilton accepts them and makes nodes with "
             "empty or dangling names.",
        why="A node whose name is empty or ends in a dot cannot be requested sensibly.",
        consulted_by=("tests/function_modifiers/test_pipes.py::"
                      "test_named_with_an_empty_name_needs_a_namespace",),
        refusing_side="dataflow",
    ),
    IntendedDifference(
        id="stacked-config-tag",
        what="A function under several config decorators is tagged `hamilton.config` with all "
             "of their keys joined; Hamilton keeps the last decorator's keys.",
        why="The tag says which config keys choose the node; all of them do.",
        consulted_by=("tests/function_modifiers/test_choose_by_config.py::"
                      "test_nodes_chosen_by_config_carry_hamiltons_config_tag",),
    ),
    IntendedDifference(
        id="custom-decorator-classes",
        what="Decorators written as subclasses of Hamilton's `NodeTransformer`, `NodeExpander`, "
             "... do not port: dataflow's decorators record instructions on typed phase bases "
             "(`dataflow.instructions`).",
        why="One typed base per phase makes overriding the wrong method a type error; "
            "Hamilton's class hierarchy is internal to it.",
        consulted_by=("tests/core/test_read_function.py::"
                      "test_overriding_the_wrong_method_cannot_even_be_instantiated",),
    ),
    IntendedDifference(
        id="display-graph-in-notebooks",
        what="`execute(display_graph=True)` shows the execution picture in a notebook and is "
             "refused (before anything runs) elsewhere, naming the `visualize_execution` call "
             "to use; Hamilton (where it is deprecated) writes `test-output/execute.gv` in the "
             "current directory and opens a viewer, failing without that folder.",
        why="Writing files into the current directory and opening windows from a training "
            "job is never what the caller wants.",
        consulted_by=("tests/lineage/test_driver_views.py::"
                      "test_execute_with_display_graph_outside_a_notebook_is_refused_before_running",
                      "tests/plugins/test_jupyter_magic.py::"
                      "test_execute_with_display_graph_shows_the_picture_then_runs"),
    ),
    IntendedDifference(
        id="pictures",
        what="Lineage pictures are never opened in a viewer unless asked "
             "(`render_kwargs={'view': True}`); without `dot` the methods raise an error saying "
             "how to install it (Hamilton logs and returns None); a requested output keeps its "
             "decorator's style with a green border (Hamilton repaints it); tooltips show paths "
             "relative to the project.",
        why="Pictures are read by people debugging: keep the information, never fail quietly.",
        consulted_by=("tests/lineage/test_driver_views.py::"
                      "test_without_dot_on_path_every_view_says_how_to_install",),
    ),
    IntendedDifference(
        id="cell-to-module-options",
        what="`%%cell_to_module` refuses unknown options with a did-you-mean (Hamilton ignores "
             "them) and `--display_cache`; `-c KEY=VALUE` values are read as JSON first "
             "(`n=3` is the number 3; Hamilton keeps the text). Hamilton's other magics are not "
             "provided.",
        why="A silently ignored option is a typo nobody sees; the CLI reads values the same way.",
        consulted_by=("tests/plugins/test_jupyter_magic.py::"
                      "test_magic_misuse_is_a_usage_error_with_a_hint",),
    ),
    IntendedDifference(
        id="deep-graphs",
        what="A chain 10,000 nodes deep plans and runs; Hamilton 1.90 raises RecursionError "
             "around 1,000 deep.",
        why="Planning and lineage are iterative; a recursion limit is not a feature.",
        consulted_by=(_DEMO + "test_deep_chain_runs",),
    ),
    IntendedDifference(
        id="base-exception-ends-run-as-failure",
        what="A node ended by KeyboardInterrupt, SystemExit or any other BaseException reaches "
             "`run_after_node_execution` and `run_after_graph_execution` with `success=False` "
             "and the error, then propagates; Hamilton 1.90 tells both hooks `success=True`, "
             "`error=None`.",
        why="An interrupted run did not succeed: a tracker or progress bar must not record it "
            "as complete.",
        consulted_by=("tests/execution/test_hooks_vs_hamilton.py::"
                      "test_a_node_ended_by_keyboard_interrupt_is_a_failure_hamilton_calls_a_"
                      "success",),
    ),
    IntendedDifference(
        id="println-wording",
        what="`lifecycle.PrintLn` prints `Running node x.` and `Finished node x in 1.2ms: "
             "success.` where Hamilton prints `Executing node: x.` and `Finished debugging "
             "node: x in 1.2ms. Status: Success.`; the nodes, order, times, inputs and results "
             "shown are the same.",
        why="The lines are written for people reading a log, in dataflow's words; a program "
            "that needs the facts uses a NodeExecutionHook.",
        consulted_by=("tests/execution/test_lifecycle_vs_hamilton.py::"
                      "test_println_tells_each_node_start_and_end_as_hamilton_does",),
    ),    IntendedDifference(
        id="unpicklable-node-refused-first",
        what="On `MultiProcessingExecutor`, a run that would send a node function (or node "
             "hook) that cannot be pickled is refused before any node runs, with "
             "`NotPicklableError` (a ValueError) naming every such node and its file:line, on "
             "every Python. Hamilton 1.90 on Python 3.11+ raises pickle's own error "
             "(`AttributeError: Can't pickle local object ...`) when it submits that node, by "
             "which time other nodes may have run (its task order varies from run to run); on "
             "3.10 a closure put in one of its temporary modules happens to pickle, and runs.",
        why="A half-run graph may have written files or called services; the fix (move the "
            "function to module level, or use threads) is known before anything runs, and "
            "the same graph is accepted or refused the same way on every Python.",
        consulted_by=(_DEMO + "test_unpicklable_node_refused_first",),
    ),
    IntendedDifference(
        id="unpicklable-value-refused-first",
        what="On `MultiProcessingExecutor` (local or remote), an input, override or config "
             "value read by a node that runs in a worker and that cannot be pickled is refused "
             "before any node runs, with `NotPicklableError` naming the value and the nodes "
             "that read it. Hamilton 1.90 raises pickle's own error when it submits the first "
             "node reading it, by which time other nodes may have run.",
        why="As for unpicklable functions: a half-run graph may have had effects, and the fix "
            "is known before anything runs.",
        consulted_by=("tests/execution/test_worker_failures.py::"
                      "test_a_starting_value_that_does_not_pickle_is_refused_before_anything_runs",),
    ),
    IntendedDifference(
        id="unsendable-exception-stand-in",
        what="On `MultiProcessingExecutor`, a node's exception that cannot be unpickled in the "
             "caller (an `__init__` taking other arguments than it passes to `Exception`) "
             "fails the run with `UnsendableExceptionError` naming its type, text, the node "
             "and the worker's traceback; Hamilton 1.90 raises `BrokenProcessPool` (\"A "
             "process in the process pool was terminated abruptly\") and its pool is broken.",
        why="The node's error, not a misleading crash report, is what the user needs; the "
            "real exception cannot be rebuilt, so a stand-in says what it was.",
        consulted_by=("tests/execution/test_worker_failures.py::"
                      "test_an_exception_that_cannot_be_unpickled_comes_back_as_a_stand_in_naming_it",),
    ),
    IntendedDifference(
        id="executor-max-tasks-checked",
        what="`MultiThreadingExecutor(max_tasks)` and `MultiProcessingExecutor(max_tasks)` "
             "refuse a `max_tasks` that is not a whole number of at least 1 when constructed; "
             "Hamilton 1.90 accepts any value there.",
        why="With no worker no step can ever be submitted: the mistake is reported where it "
            "is made rather than when a run cannot start.",
        consulted_by=(_DEMO + "test_executor_max_tasks_checked",),
    ),
    IntendedDifference(
        id="async-failure-cancels-running-nodes",
        what="When a node of an `async_driver` run fails, the nodes still running are "
             "cancelled and awaited (their `run_after_node_execution` hooks hear "
             "`success=False` with the CancelledError) before the error propagates; Hamilton's "
             "AsyncDriver raises and leaves them running behind the caller's back.",
        why="A failed request must not go on spending (requests, writes) after `execute` has "
            "raised, and a task nobody awaits hides its own errors.",
        consulted_by=(_DEMO + "test_async_failure_cancels_running_nodes",),
    ),
    IntendedDifference(
        id="async-driver-hooks",
        what="In `async_driver`, node hooks are told the values (`node_kwargs`, `result`) and "
             "the real outcome (a failing node: `success=False` and its error; a cancelled run: "
             "the CancelledError), and `async def` hook methods under the lifecycle API's "
             "names are awaited (`run_after_graph_construction` by `await build()` / "
             "`ainit()`). Hamilton's AsyncDriver gives its node hooks asyncio Tasks and "
             "`success=True` for a failing node, tells a cancelled run `error=None`, and "
             "awaits only hooks written on its `lifecycle.base` classes (`pre_node_execute`, "
             "...; dataflow awaits those too, with the same arguments).",
        why="A tracker or progress bar needs the values and the true outcome; one hook API "
            "serves both drivers.",
        consulted_by=(_DEMO + "test_async_driver_hooks",
                      "tests/execution/test_async_lifecycle.py::"
                      "test_async_base_class_hooks_are_awaited_as_hamiltons_async_driver_awaits_them"),
    ),
    IntendedDifference(
        id="plugin-wording",
        what="`plugins.h_logging.LoggingAdapter` words its messages itself (`Run '<id>' - Run "
             "started`, `Node 'x' - Done in 1.2ms`) and adds times and record attributes "
             "(`run_id`, `node_name`, `task_id`, `duration`); Hamilton's says `Graph run "
             "'<id>' - Starting graph execution`, `Node 'x' - Finished execution [OK]`. The "
             "events, their order, levels, loggers and tracebacks are the same. The progress "
             "bars end a failed run with `Failed at <node>` (tqdm) / `<desc> failed` (rich) "
             "where Hamilton's say `Execution Complete!` or nothing, and the rich bar of a new "
             "run replaces the last run's (Hamilton's adds a bar per run and advances the "
             "first).",
        why="Log lines and bars are for people: they say how long things took and whether "
            "the run failed; a program reads the record attributes or a hook.",
        consulted_by=("tests/plugins/test_logging.py::"
                      "test_the_same_events_at_the_same_levels_as_hamilton",
                      "tests/plugins/test_progress.py::"
                      "test_tqdm_counts_the_nodes_names_each_and_says_complete_as_hamiltons_does",
                      "tests/plugins/test_progress.py::"
                      "test_rich_on_failure_and_ctrl_c_stops_and_says_failed"),
    ),
    IntendedDifference(
        id="graceful-error-async-nodes",
        what="`GracefulErrorAdapter` catches the errors of `async def` nodes (the node yields "
             "the sentinel and its dependents are skipped), on the async driver and on the "
             "sync driver; any `run_to_execute_node` adapter gets an async node's value or "
             "error from `node_callable`. Hamilton's AsyncDriver does not call node execution "
             "methods (the error propagates) and its sync driver hands a dependent the "
             "unawaited coroutine.",
        why="An adapter that carries on past failures must not depend on whether the failing "
            "node awaits; the sync driver runs async nodes here.",
        consulted_by=("tests/execution/test_async_lifecycle.py::"
                      "test_graceful_errors_of_async_nodes_beside_hamilton",),
    ),
    IntendedDifference(
        id="fanout-shapes-refused",
        what="Fan-out shapes Hamilton accepts and then runs wrongly or fails on are refused "
             "with FanoutShapeError when the driver is built (a Parallelizable whose block no "
             "Collect ends, a Collect of the Parallelizable itself or of a node outside any "
             "block, a node that collects and expands, nested blocks, a node reading two "
             "blocks) or with FanoutRequestError per request (requesting or overriding a node "
             "inside a block: Hamilton passes the item list on, or fails with a KeyError).",
        why="Hamilton leaves these unvalidated (its issues #301, #652, #742, #1030); each error "
            "names the nodes and their file:line and says what to do instead.",
        consulted_by=(
            _FANOUT + "test_nested_blocks_are_refused",
            _FANOUT + "test_requesting_or_overriding_a_node_inside_a_block_is_refused"),
    ),
    IntendedDifference(
        id="fanout-several-collects-requested",
        what="Several Collect nodes over one Parallelizable requested in one execute run "
             "(the block runs once and feeds all of them); Hamilton 1.90 raises "
             "KeyError('Key total not found in cache').",
        why="A Hamilton bug; the block is shared, as it is when a downstream node reads both.",
        consulted_by=(
            _FANOUT + "test_two_collects_requested_together_run_here_where_hamilton_fails",),
    ),
    IntendedDifference(
        id="fanout-task-hooks",
        what="Task hooks of a fan-out run: Hamilton also makes a task of each external input "
             "(task id = the input's name), dataflow does not; independent tasks may run in "
             "another order. Every task both have gets the same hook calls with the same "
             "keyword arguments (ids `expand-<p>`, `expand-<p>.<i>.block-<p>`, "
             "`collect-<p>`, node names).",
        why="An input is not computed, so there is no work to report; the order of independent "
            "tasks is each scheduler's own.",
        consulted_by=(_FANOUT_HOOKS + "test_every_task_gets_hamiltons_hook_calls",),
    ),
    IntendedDifference(
        id="fanout-async-driver-refuses",
        what="The async driver refuses a request with Parallelizable / Collect "
             "(FanoutRequestError naming the Parallelizable node); Hamilton's async driver "
             "passes the generator itself to the block's first node.",
        why="A silent wrong value otherwise; fan-out runs on the synchronous driver with "
            "enable_dynamic_execution.",
        consulted_by=(
            _FANOUT + "test_the_async_driver_refuses_fan_out_naming_the_parallelizable",),
    ),
    IntendedDifference(
        id="cache-fingerprints-by-pickle",
        what="with_cache: a value with no dedicated fingerprint rule (an object of the user's "
             "class) is fingerprinted by its pickle, so when it is computed again and comes "
             "out the same its readers are reused; Hamilton cannot version it, gives it a new "
             "random version each time it is computed and recomputes its readers (with a "
             "warning). A value that does not pickle either is never given a constant: its "
             "readers are recomputed and the cache log says why.",
        why="Equal pickles mean equal state, so reuse is safe; a constant version is how "
            "Hamilton #1715 served a stale model.",
        consulted_by=(_CACHE + "test_objects_without_a_rule_are_fingerprinted_by_pickle",),
    ),
    IntendedDifference(
        id="cache-format-names",
        what="@cache(format=...) takes parquet, series, npy, json or pickle and refuses other "
             "names with a did-you-mean; Hamilton accepts any format name of its savers.",
        why="Those are the formats the cache's store writes and reads (docs/caching.md); a "
            "name it cannot honour is refused when the module is imported, not ignored.",
        consulted_by=(_CACHE + "test_cache_format_names",),
    ),
    IntendedDifference(
        id="cache-loaders-recompute",
        what="with_cache: data loaders and savers (materializers, @load_from, ...) default to "
             "the RECOMPUTE behaviour (default_loader_behavior / default_saver_behavior); "
             "Hamilton's default reuses them, so after the input file changes it serves the "
             "old data, and an output file is not written again.",
        why="A silently stale result; reading the file again costs one read, and what reads it "
            "is still reused when its data is unchanged.",
        consulted_by=(_CACHE + "test_loaders_read_the_file_again",),
    ),
    IntendedDifference(
        id="cache-result-changed-in-place",
        what="with_cache: when a node changes its input in place (`raw += 1`, "
             "`frame['v'] += 1`), the input's result is not stored in that run (its log "
             "says so) and is written as soon as it is produced from the next run on, so the "
             "next run recomputes it; Hamilton writes every result before its readers run and "
             "reuses it in the next run. Results are the same.",
        why="dataflow writes results in batches behind the run; the writer fingerprints each "
            "result again once written and drops one that moved, rather than store the changed "
            "value under the data version of the value as produced (which gave a later run "
            "whose reader was recomputed a wrong input).",
        consulted_by=(_CACHE + "test_a_result_changed_in_place_by_a_reader_is_stored_from_the_"
                               "next_run",),
    ),
    IntendedDifference(
        id="cache-default-path",
        what="Builder.with_cache's default path is .dataflow_cache (Hamilton: .hamilton_cache).",
        why="The two stores have different layouts; a ported project does not read or mix "
            "into Hamilton's directory.",
        consulted_by=(_CACHE + "test_default_cache_directory",),
    ),
    IntendedDifference(
        id="io-future-annotations",
        what="`@dataloader()` / `@datasaver()` check the return annotation from the resolved "
             "type hints, so they work in modules with `from __future__ import annotations`; "
             "Hamilton 1.90 reads the annotation string and refuses them (its issue #1297).",
        why="The annotation is right; only Hamilton's check is wrong.",
        consulted_by=(_IO + "test_io_decorators_under_future_annotations",),
        refusing_side="hamilton",
    ),
    IntendedDifference(
        id="io-metadata-extras",
        what="Saver and loader metadata keep Hamilton's keys and add some: `file_metadata` has "
             "`sha256` (the content hash), numpy arrays add `array_metadata` (shape, dtype), "
             "`sql_metadata` puts a query under `query` and a table under `table_name` "
             "(Hamilton puts either under `table_name`); loader and saver nodes carry the tag "
             "`dataflow.materializer` (`loader` / `saver`).",
        why="A content hash says whether two runs wrote the same data; the tag lets lineage "
            "pictures draw loaders and savers in their own style.",
        consulted_by=(_IO + "test_io_metadata_extras",),
    ),
    IntendedDifference(
        id="io-atomic-write-options",
        what="pandas formats accept Hamilton's options except those that cannot be atomic or "
             "do not return one frame: `mode` (append), `chunksize`/`iterator` on readers, "
             "`storage_options`, `filesystem`, `partition_cols`, `dest`; they are refused when "
             "the materializer is made, listing the accepted options.",
        why="Every write goes to a temporary file in the target's directory, fsynced and "
            "renamed, so a failed or killed write never leaves half a file; appending to the "
            "target or writing elsewhere would defeat that.",
        consulted_by=(_IO + "test_io_atomic_write_options",),
    ),
    IntendedDifference(
        id="io-sql-dbapi",
        what="`from_.sql` / `to.sql` take any DB-API 2 connection (sqlite3, DuckDB, psycopg) "
             "and run their own SELECT / CREATE TABLE + INSERT in one transaction; Hamilton "
             "hands the connection to pandas' `read_sql` / `to_sql` (SQLAlchemy or sqlite3, "
             "URL strings accepted). A URL string is refused; `to.sql` options "
             "`dtype`, `chunksize`, `method`, `schema` are not accepted. Inside a transaction "
             "the caller opened, `to.sql` writes under a SAVEPOINT and commits nothing; "
             "pandas' `to_sql` commits the caller's pending work, or rolls it back on failure.",
        why="No SQLAlchemy dependency, the same behaviour on every DB-API driver, and a failed "
            "write (even `if_exists='replace'`) leaves the table as it was, and the caller's "
            "own uncommitted work too.",
        consulted_by=(_IO + "test_io_sql_dbapi",),
    ),
    IntendedDifference(
        id="io-error-types",
        what="A format that does not fit the node's type (a dict to `csv`) raises "
             "`dataflow.io.FormatTypeError` (a ValueError) naming the materializer, the node "
             "and the formats that fit; Hamilton raises InvalidDecoratorException. A missing "
             "file is a FileNotFoundError in both, ours naming the materializer and node.",
        why="The error is about a materializer, not a decorator; the message says what to use "
            "instead.",
        consulted_by=(_IO + "test_io_error_types",),
    ),
    IntendedDifference(
        id="io-excel-optional",
        what="The `excel` format is registered only when openpyxl is installed "
             "(`pip install dataflow[excel]`); Hamilton always lists it and fails when used.",
        why="`from_.excel` then fails at once with a did-you-mean listing the formats that "
            "work, instead of at run time inside pandas.",
        consulted_by=("tests/io/test_formats.py::test_excel_is_registered_only_with_openpyxl",),
    ),
    IntendedDifference(
        id="validation-never-changes-the-value",
        what="A pandera check (`check_output(schema=...)`, `h_pandera.check_output()`) whose "
             "schema coerces, parses, fills defaults or filters validates a private copy: the "
             "node's value, and what every consumer of it sees, keeps its dtypes and is the "
             "very object the function returned. Hamilton validates in place, so coercion "
             "changes the value upstream and downstream (its issue #278).",
        why="A check that changes the data it checks gives different results with and "
            "without the check; docs/decorators/data_quality.md.",
        consulted_by=(_PANDERA + "test_module_has_hamiltons_nodes_and_verdicts",
                      _PANDERA + "test_coercing_schema_leaves_the_value_and_its_dtypes_alone"),
    ),
    IntendedDifference(
        id="pandera-schema-on-extracted-columns",
        what="`@check_output(schema=DataFrameSchema)` without `target_` on an "
             "`@extract_columns` function checks each extracted column against its part of the "
             "schema (nodes `<column>_raw`, `<column>_pandera_schema_validator`), so a run "
             "checks only the columns it uses; columns the schema does not describe get no "
             "check, and a schema with frame-wide parts (checks, strict, unique, index) asks "
             "for `target_`. Hamilton checks the whole frame (`<fn>_pandera_schema_validator`). "
             "With `target_='<fn>'` both check the whole frame.",
        why="A wide frame with a schema of hundreds of columns is validated in full by every "
            "run in Hamilton, even one that reads two columns; issue 10 asks that only used "
            "columns are checked.",
        consulted_by=(_PANDERA + "test_on_extracted_columns_only_the_columns_a_run_uses_are_"
                                 "checked",),
    ),
    IntendedDifference(
        id="pandera-models-of-every-api",
        what="`h_pandera.check_output()` reads a `DataFrame[Schema]` whose Schema is a "
             "`pandera.pandas.DataFrameModel` or a `pandera.polars.DataFrameModel`; Hamilton "
             "1.90 refuses those (with pandera 0.2x+) and reads only the deprecated top-level "
             "`pandera.DataFrameModel`. Failures summarise every problem as one line per "
             "column and check with its count of failing rows (diagnostics `problems`, next "
             "to Hamilton's `schema_errors`).",
        why="pandera's current import paths are the ones users write; the summary is what "
            "issue 10 asks for (every problem at once, with column and row counts).",
        consulted_by=(_PANDERA + "test_h_pandera_reads_the_schema_from_the_annotation",
                      _PANDERA + "test_every_problem_is_listed_at_once_with_node_column_and_"
                                 "row_counts"),
    ),
    IntendedDifference(
        id="pydantic-instances-checked-field-by-field",
        what="A pydantic check (`check_output(model=...)`, `h_pydantic.check_output()`) of a "
             "model instance validates its fields (strictly), so an instance built with "
             "`model_construct` or changed after construction fails when a field is wrong; "
             "Hamilton hands the instance to pydantic, which accepts any instance of the "
             "model as is.",
        why="A check that passes every instance checks nothing for functions that return "
            "models.",
        consulted_by=(_PYDANTIC + "test_an_instance_is_checked_field_by_field",),
    ),
    IntendedDifference(
        id="polars-result-of-several-frames",
        what="`PolarsDataFrameResult` with a DataFrame among several outputs adds its columns "
             "as `<output>.<column>` (as `PandasDataFrameResult` does); outputs of different "
             "lengths raise ResultError listing the lengths. Hamilton passes the outputs to "
             "`pl.DataFrame(...)` as they are.",
        why="One rule for both result builders; polars' own error does not name the outputs.",
        consulted_by=(_POLARS + "test_frames_among_several_outputs_contribute_prefixed_columns",
                      _POLARS + "test_outputs_of_different_lengths_are_refused_with_the_"
                                "lengths"),
    ),
    IntendedDifference(
        id="ray-run-inside-the-run",
        what="`h_ray.RayGraphAdapter` submits the run's Ray tasks and waits for the outputs "
             "inside the run, then builds the result in the calling process: "
             "`run_after_graph_execution` sees the real outcome, `raw_execute` returns values, "
             "and a failing node raises its own exception type (Ray's `RayTaskError` wrapper is "
             "its `__cause__`). Hamilton's adapter returns object refs during the run, builds "
             "the result in a Ray task, and a failure surfaces as `RayTaskError(<type>)` from "
             "`build_result`.",
        why="Hooks, `raw_execute` and `except` clauses behave as on the local driver; a "
            "tracker must not record a run that then fails as a success.",
        consulted_by=(_RAY + "test_a_failing_node_keeps_its_type_and_note_across_the_wire",
                      _RAY + "test_results_equal_the_local_driver_and_hamiltons_adapter"),
    ),
    IntendedDifference(
        id="ray-unshippable-refused-first",
        what="On `h_ray.RayGraphAdapter`, a run with a node whose function or node hooks cannot "
             "reach Ray's workers (a closure over a lock; a function of a module made at run "
             "time) or an input that does not serialize is refused before any node runs, with "
             "`NotPicklableError` naming each. Hamilton submits each node as the walk reaches "
             "it: the nodes before the bad one have run when it fails.",
        why="Nothing runs half-way first.",
        consulted_by=(_RAY + "test_what_cannot_ship_is_named_before_anything_runs",),
    ),
    IntendedDifference(
        id="ray-executor-uses-the-running-ray",
        what="`h_ray.RayTaskExecutor()` uses a Ray that is already running and leaves it "
             "running (it starts Ray, and shuts it down after the run, only when none is "
             "running; Hamilton's calls `ray.init` regardless, which fails when Ray runs, and "
             "shuts Ray down after every run), and hands at most `max_tasks` tasks to Ray at "
             "once (an extra, optional argument; by default the cluster's CPUs).",
        why="A notebook or a job that started Ray for other work keeps it; as on the other "
            "pool executors, a failing item stops the items not yet started.",
        consulted_by=(_RAY + "test_fan_out_blocks_on_ray_equal_the_local_run_and_report_back",
                      _RAY + "test_a_failing_item_on_ray_keeps_its_type_and_notes"),
    ),
    IntendedDifference(
        id="polars-io-path-spreadsheet-database",
        what="The polars loaders and savers also take the file as `path=` (as the pandas ones "
             "do) beside Hamilton's `file=` / `source=` / `workbook=`, and pass polars' current "
             "parameter names (`comment_prefix`, `schema_overrides`, `row_index_name`); "
             "`from_.spreadsheet` reads with openpyxl by default (Hamilton: xlsx2csv); "
             "`to.database` / `from_.database` take a DB-API connection (sqlite3, DuckDB, "
             "psycopg) and write in one transaction as `to.sql` does, with no `engine=` "
             "(Hamilton: a SQLAlchemy engine or URI through polars' `write_database`).",
        why="One way to name a file for every format and library; polars 1.x renamed the old "
            "parameters; openpyxl is already the `excel` extra; dataflow does not use "
            "SQLAlchemy, and a failed write must not leave a half-written table.",
        consulted_by=(_IO_POLARS + "test_hamiltons_parameter_names_for_the_file_work_too",
                      _IO_POLARS + "test_database_roundtrip_through_a_dbapi_connection"),
    ),
)

_GRAPH_TYPES = "tests/compat/test_graph_types_vs_hamilton.py::"

DIFFERENCES += (
    IntendedDifference(
        id="documentation-cleaned",
        what="A node's documentation is its function's docstring with the indentation of its "
             "continuation lines removed (`inspect.cleandoc`); Hamilton 1.90 on Python "
             "before 3.13 keeps the docstring as written, indentation included.",
        why="The text reads the same in lineage tooltips, `list_available_variables` and "
            "graph hooks whatever the Python version (Python 3.13 removes that indentation "
            "when it compiles the function, so Hamilton then shows the same text).",
        consulted_by=(_GRAPH_TYPES + "test_a_hamilton_graph_hook_reads_the_same_graph",),
    ),
    IntendedDifference(
        id="originating-functions-after-the-first",
        what="`originating_functions` of decorator-made nodes can differ after the first "
             "function: the nodes of @pipe_input / @pipe_output / @mutate steps (and an input "
             "only such a step reads) list the step's function after the decorated one, where "
             "Hamilton lists the decorated one only; a node inside a @subdag lists its own "
             "function only, where Hamilton adds the @subdag function. The first function, "
             "and so `version` and `as_dict()['source']`, are the same.",
        why="dataflow's list is the code the cache versions and lineage read for the node "
            "(a step's function is what the step node calls); Hamilton's version and source "
            "read the first function only, which agrees.",
        consulted_by=(_GRAPH_TYPES + "test_random_modules_give_a_hamilton_hook_the_same_graph",),
    ),
    IntendedDifference(
        id="graph-hook-overrides-a-dict",
        what="`run_before_graph_execution` receives `overrides={}` when `execute` was given "
             "none; Hamilton passes `overrides=None`.",
        why="A hook reads `overrides` as the mapping it is documented to be (`dict(overrides)`, "
            "`name in overrides`) without a `None` check; the cache adapter does.",
        consulted_by=(_GRAPH_TYPES + "test_a_hamilton_graph_hook_reads_the_same_graph",),
    ),
    IntendedDifference(
        id="graph-types-one-per-driver",
        what="Graph hooks (`run_after_graph_construction`, `run_before_graph_execution`, "
             "`run_after_graph_execution`, `run_to_validate_graph`) receive one "
             "`graph_types.HamiltonGraph` per driver, made at the first such call and handed "
             "to every later one (its node versions computed on first read); each node's "
             "`tags` is a copy. Hamilton makes a new `HamiltonGraph` for every hook call, whose "
             "`tags` are the node's own dict.",
        why="A driver's graph never changes once built, so a tracker's per-run hooks cost "
            "nothing after the first, and a hook that edits `tags` cannot change how the "
            "driver runs. A driver without graph hooks never makes one.",
        consulted_by=(_GRAPH_TYPES + "test_with_graph_hooks_one_hamilton_graph_is_made_per_"
                      "driver",),
    ),
)

BY_ID = {d.id: d for d in DIFFERENCES}

_HAMILTON_MODULE_PREFIX = "hamilton."
_STEP_DECORATORS = frozenset({"pipe_input", "pipe_output", "mutate"})
_GENERATED_DOC = re.compile(r"^(Column|Field) '.+' of [\w.]+\.$")
_VALIDATOR_TAG = "hamilton.data_quality.contains_dq_results"


def tag_difference(node: str, key: str, dataflow: Any, hamilton: Any) -> str | None:
    """The id of the entry that excuses tag ``key`` of ``node`` having value ``dataflow`` in
    dataflow and ``hamilton`` in Hamilton (either may be :data:`ABSENT`), or None."""
    if key.startswith("dataflow.") and hamilton is ABSENT:
        return "dataflow-tags"
    if (key == "module" and isinstance(hamilton, str)
            and hamilton.startswith(_HAMILTON_MODULE_PREFIX)
            and isinstance(dataflow, str) and not dataflow.startswith("dataflow.")):
        return "pipe-output-module-tag"
    return None


def documentation_difference(dataflow: Any, hamilton: Any) -> str | None:
    """The id of the entry that excuses two nodes' differing documentation, or None. Only
    Hamilton's empty documentation, its validator texts and its copies of the function's
    docstring on extracted columns are excused: a user's docstring must read the same."""
    if not hamilton.documentation or _VALIDATOR_TAG in hamilton.tags:
        return "generated-documentation"
    if inspect.cleandoc(hamilton.documentation) == dataflow.documentation:
        return "documentation-cleaned"
    decorator = dataflow.tags.get("dataflow.decorator")
    if (decorator in ("extract_columns", "extract_fields")
            and _GENERATED_DOC.match(dataflow.documentation)):
        return "generated-documentation"
    return None


def originating_functions_difference(dataflow: Any, hamilton: Any) -> str | None:
    """The id of the entry that excuses a node's ``originating_functions`` (names) differing:
    both lists start with the same function."""
    if dataflow and hamilton and dataflow[0] == hamilton[0]:
        return "originating-functions-after-the-first"
    return None


def _step_consumers_only(name: str, dataflow: Mapping[str, Any],
                         hamilton: Mapping[str, Any]) -> bool:
    """True when every Hamilton node that reads ``name`` reads it as an optional dependency
    and is, in dataflow, a pipe/mutate step node (Hamilton's unbound step parameter)."""
    consumers = [n for n, v in hamilton.items()
                 if name in v.optional_dependencies or name in v.required_dependencies]
    return bool(consumers) and all(
        name not in hamilton[c].required_dependencies and c in dataflow
        and dataflow[c].tags.get("dataflow.decorator") in _STEP_DECORATORS
        for c in consumers)


def missing_node(node: str, side: str, dataflow: Mapping[str, Any],
                 hamilton: Mapping[str, Any]) -> str | None:
    """The id of the entry that excuses ``node`` existing on ``side`` only, or None."""
    if (side == "hamilton" and hamilton[node].is_external_input
            and _step_consumers_only(node, dataflow, hamilton)):
        return "unbound-step-parameters"
    return None


def field_of_node_difference(node: str, field: str, dataflow: Mapping[str, Any],
                             hamilton: Mapping[str, Any]) -> str | None:
    """The id of the entry that excuses ``field`` of ``node`` differing, or None."""
    if field == "optional_dependencies":
        ours, theirs = dataflow[node].optional_dependencies, hamilton[node].optional_dependencies
        extra = theirs - ours
        if (not ours - theirs and dataflow[node].tags.get("dataflow.decorator") in
                _STEP_DECORATORS and all(_step_consumers_only(e, dataflow, hamilton)
                                         for e in extra)):
            return "unbound-step-parameters"
    return None


def field_difference(type_name: str, field: str, ours: Any = None,
                     theirs: Any = None) -> str | None:
    """The id of the entry that excuses field ``field`` of a computed object of class
    ``type_name`` differing (``ours`` against ``theirs``), or None."""
    if type_name == "ValidationResult" and field == "message":
        return "validation-messages"
    if (type_name == "ValidationResult" and field == "passes" and type(ours) is bool
            and type(theirs) is not bool and bool(theirs) is ours):
        return "validation-passes-is-a-bool"
    return None


def outcome_difference(outputs: Sequence[str], hamilton: Mapping[str, Any],
                       dataflow_error: BaseException | None, hamilton_value: Any) -> str | None:
    """The id of the entry that excuses a request raising on one side only, or None."""
    if dataflow_error is None or not isinstance(hamilton_value, Mapping):
        return None
    missing = [o for o in outputs if o in hamilton and hamilton[o].is_external_input
               and hamilton_value.get(o, ABSENT) is None]
    if missing and all(_required_by_some_node(o, hamilton) for o in missing):
        return "missing-input-requested-alone"
    return None


def _required_by_some_node(name: str, hamilton: Mapping[str, Any]) -> bool:
    return any(name in v.required_dependencies for v in hamilton.values())


def as_markdown() -> str:
    """The list as a Markdown bullet list, for docs/howto/port_from_hamilton.md:
    ``python -m tests.compat.intended_differences``."""
    return "\n".join(f"* **{d.id}**: {d.what} *Why:* {d.why}" for d in DIFFERENCES)


if __name__ == "__main__":
    print(as_markdown())
