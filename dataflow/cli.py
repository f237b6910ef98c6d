"""The ``dataflow`` command line: look at, check, list, run and diff dataflows.

Each command is a thin layer over the library: ``view`` draws with the driver's ``display_*``
methods, ``validate`` calls ``validate_execution``, ``ls`` is ``list_available_variables``,
``run`` is ``execute``, ``diff`` compares the graph with the one at a git revision.

MODULES are import paths (``my_pkg.features``) or paths to ``.py`` files. A context file (JSON or
``.py``) supplies ``config``, ``inputs``, ``overrides`` and ``final_vars`` (Hamilton's
``HAMILTON_CONFIG``, ``HAMILTON_INPUTS``, ``HAMILTON_OVERRIDES``, ``HAMILTON_FINAL_VARS`` are
accepted too).
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import json
import os
import sys
import types
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import click

from dataflow import base
from dataflow.driver import Driver
from dataflow.errors import DataflowError
from dataflow.graph import Graph
from dataflow.lineage import diff as graph_diffs
from dataflow.lineage import output as picture_output
from dataflow.lineage.errors import GraphvizNotInstalledError
from dataflow.lineage.export import node_record
from dataflow.lineage.render import ORIENTATIONS, ViewOptions

CONTEXT_KEYS = ("config", "inputs", "overrides", "final_vars")
HAMILTON_KEYS = {f"HAMILTON_{key.upper()}": key for key in CONTEXT_KEYS}
RESULT_SUFFIXES = (".parquet", ".csv", ".json", ".pkl")
LARGE_GRAPH = 1500
"""``view`` suggests the module view above this many nodes."""

F = TypeVar("F", bound=Callable[..., Any])


class CliError(click.ClickException):
    """A user-facing failure: printed as ``Error: ...`` with exit status 1, no traceback."""


@dataclass
class Context:
    """What a context file holds."""

    config: dict[str, Any] = field(default_factory=dict)
    inputs: dict[str, Any] = field(default_factory=dict)
    overrides: dict[str, Any] = field(default_factory=dict)
    final_vars: list[str] = field(default_factory=list)


def load_context(path: str | None) -> Context:
    """Read a JSON or ``.py`` context file (``None`` gives an empty context)."""
    if path is None:
        return Context()
    file = Path(path)
    if not file.is_file():
        raise CliError(f"Context file {path!r} does not exist.")
    if file.suffix == ".py":
        namespace: dict[str, Any] = {"__file__": str(file), "__name__": "dataflow_context"}
        try:
            exec(compile(file.read_text(), str(file), "exec"), namespace)
        except Exception as error:
            raise CliError(f"Context file {path} failed to run: {type(error).__name__}: "
                           f"{error}") from None
        raw = {k: v for k, v in namespace.items() if k in CONTEXT_KEYS or k in HAMILTON_KEYS}
    elif file.suffix == ".json":
        try:
            raw = json.loads(file.read_text())
        except json.JSONDecodeError as error:
            raise CliError(f"Context file {path} is not valid JSON: {error}") from None
        if not isinstance(raw, dict):
            raise CliError(f"Context file {path} must hold a JSON object with keys "
                           f"{', '.join(CONTEXT_KEYS)}.")
        unknown = sorted(set(raw) - set(CONTEXT_KEYS) - set(HAMILTON_KEYS))
        if unknown:
            raise CliError(f"Context file {path} has unknown keys {unknown}; accepted: "
                           f"{', '.join(CONTEXT_KEYS)} (or {', '.join(HAMILTON_KEYS)}).")
    else:
        raise CliError(f"Context file {path!r} must end in .json or .py.")
    values: dict[str, Any] = {}
    for key, value in raw.items():
        name = HAMILTON_KEYS.get(key, key)
        if name in values:
            raise CliError(f"Context file {path} gives {name!r} twice (as {name} and "
                           f"HAMILTON_{name.upper()}); keep one.")
        values[name] = value
    for name in ("config", "inputs", "overrides"):
        if not isinstance(values.get(name, {}), dict):
            raise CliError(f"{name!r} in {path} must be a mapping of names to values.")
    final_vars = values.get("final_vars", [])
    if isinstance(final_vars, str) or not isinstance(final_vars, list):
        raise CliError(f"'final_vars' in {path} must be a list of node names.")
    return Context(dict(values.get("config", {})), dict(values.get("inputs", {})),
                   dict(values.get("overrides", {})), list(final_vars))


def load_module(reference: str) -> types.ModuleType:
    """Import ``reference``: a ``.py`` file path or an import path (tried from the current
    directory too)."""
    path = Path(reference)
    if reference.endswith(".py") or path.is_file():
        if not path.is_file():
            raise CliError(f"Module file {reference!r} does not exist.")
        directory = str(path.resolve().parent)
        if directory not in sys.path:
            sys.path.insert(0, directory)
        name = path.stem if path.stem not in sys.modules else f"{path.stem}_{uuid.uuid4().hex}"
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise CliError(f"Cannot load {reference!r} as a Python module.")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except Exception as error:
            del sys.modules[name]
            raise CliError(f"Importing {reference} failed: {type(error).__name__}: {error}") \
                from None
        return module
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        return importlib.import_module(reference)
    except ImportError as error:
        raise CliError(f"Cannot import module {reference!r}: {error}. Pass an import path "
                       "importable from the current directory, or a path to a .py file.") \
            from None


def build_driver(modules: Sequence[str], context: Context) -> Driver:
    loaded = [load_module(m) for m in modules]
    return Driver(context.config, *loaded, adapter=base.DictResult())


def reports_errors(command: F) -> F:
    """Turn errors into ``Error: ...`` lines and exit status 1 (no traceback); a failing user
    function keeps its exception type and the notes naming the node."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except click.ClickException:
            raise
        except (DataflowError, GraphvizNotInstalledError) as error:
            raise CliError(f"{type(error).__name__}: {error}") from None
        except Exception as error:  # a user function failed: its message and notes, no trace
            notes = "".join(f"\n  {note}" for note in getattr(error, "__notes__", ()))
            raise CliError(f"{type(error).__name__}: {error}{notes}") from None

    return wrapper  # type: ignore[return-value]


modules_argument = click.argument("modules", nargs=-1, required=True)
context_option = click.option("--context", "-c", "context_path", type=click.Path(),
                              help="JSON or .py file with config, inputs, overrides, final_vars.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="dataflow")
def main() -> None:
    """dataflow: look at, check, list, run and diff dataflows of plain Python functions.

    MODULES are import paths (my_pkg.features) or .py file paths. Context files (JSON or .py)
    hold config, inputs, overrides and final_vars (or Hamilton's HAMILTON_CONFIG, ...).
    """


@main.command()
@modules_argument
@click.option("--output", "-o", required=True, type=click.Path(),
              help="Picture to write; the suffix picks the format (.svg, .png, .pdf, .dot).")
@context_option
@click.option("--upstream-of", multiple=True, metavar="NODE",
              help="Draw only NODE and what it depends on (repeatable).")
@click.option("--downstream-of", multiple=True, metavar="NODE",
              help="Draw only NODE and what depends on it (repeatable).")
@click.option("--max-hops", type=click.IntRange(min=0),
              help="With --upstream-of/--downstream-of: stop this many edges away.")
@click.option("--modules-view", is_flag=True,
              help="One box per module with node counts (for very large graphs).")
@click.option("--execution", is_flag=True,
              help="Draw what executing the context's final_vars would run.")
@click.option("--orient", type=click.Choice(ORIENTATIONS), default="LR", show_default=True,
              help="Direction of the edges.")
@click.option("--hide-inputs", is_flag=True, help="Leave external inputs and config out.")
@click.option("--no-legend", is_flag=True, help="Leave the legend out.")
@click.option("--keep-dot", is_flag=True, help="Also write the DOT source next to the picture.")
@reports_errors
def view(modules: tuple[str, ...], output: str, context_path: str | None,
         upstream_of: tuple[str, ...], downstream_of: tuple[str, ...], max_hops: int | None,
         modules_view: bool, execution: bool, orient: str, hide_inputs: bool, no_legend: bool,
         keep_dot: bool) -> None:
    """Draw the lineage of MODULES to a picture file."""
    context = load_context(context_path)
    dr = build_driver(modules, context)
    common: dict[str, Any] = {"output_file_path": output, "orient": orient,
                              "hide_inputs": hide_inputs, "keep_dot": keep_dot}
    if sum(map(bool, (upstream_of or downstream_of, modules_view, execution))) > 1:
        raise CliError("Choose one of --upstream-of/--downstream-of, --modules-view and "
                       "--execution.")
    if max_hops is not None and not (upstream_of or downstream_of):
        raise CliError("--max-hops needs --upstream-of or --downstream-of NODE.")
    if modules_view:
        dr.display_modules(**common)
    elif execution:
        if not context.final_vars:
            raise CliError("--execution needs final_vars in the --context file.")
        dr.visualize_execution(context.final_vars, inputs=context.inputs,
                               overrides=context.overrides, show_legend=not no_legend, **common)
    elif upstream_of or downstream_of:
        if upstream_of and downstream_of:
            dr.display_around(*upstream_of, *downstream_of, max_hops=max_hops or 2,
                              show_legend=not no_legend, **common)
        elif upstream_of:
            dr.display_upstream_of(*upstream_of, max_hops=max_hops,
                                   show_legend=not no_legend, **common)
        else:
            dr.display_downstream_of(*downstream_of, max_hops=max_hops,
                                     show_legend=not no_legend, **common)
    else:
        if len(dr.graph) > LARGE_GRAPH:
            click.echo(f"note: {len(dr.graph)} nodes make a large picture; --modules-view or "
                       "--upstream-of NODE --max-hops 2 give a readable one.", err=True)
        dr.display_all_functions(show_legend=not no_legend, **common)
    click.echo(f"wrote {output}")


@main.command()
@modules_argument
@context_option
@reports_errors
def validate(modules: tuple[str, ...], context_path: str | None) -> None:
    """Build the graph of MODULES and, if the context names final_vars, check that request
    (outputs exist, inputs present and of the right type) without running anything."""
    context = load_context(context_path)
    dr = build_driver(modules, context)
    nodes = len(dr.graph)
    if context.final_vars:
        dr.validate_execution(context.final_vars, inputs=context.inputs,
                              overrides=context.overrides)
        click.echo(f"ok: {nodes} nodes; executing {context.final_vars} is valid")
    else:
        click.echo(f"ok: {nodes} nodes build into a valid graph")


@main.command(name="ls")
@modules_argument
@context_option
@click.option("--tag", "tags", multiple=True, metavar="KEY=VALUE",
              help="Only nodes with this tag (repeatable: all must match; KEY alone: any value).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON records instead of a table.")
@reports_errors
def list_nodes(modules: tuple[str, ...], context_path: str | None, tags: tuple[str, ...],
               as_json: bool) -> None:
    """List the nodes of MODULES with their types, roles, tags and module:line."""
    context = load_context(context_path)
    dr = build_driver(modules, context)
    tag_filter: dict[str, Any] = {}
    for item in tags:
        key, sep, value = item.partition("=")
        if not key:
            raise CliError(f"--tag {item!r}: write KEY=VALUE or KEY.")
        tag_filter.setdefault(key, [])
        if sep and tag_filter[key] is not None:
            tag_filter[key].append(value)
        else:
            tag_filter[key] = None
    names = [v.name for v in dr.list_available_variables(tag_filter=tag_filter or None)]
    records = [node_record(dr.graph.nodes[n]) for n in names]
    if as_json:
        click.echo(json.dumps(records, indent=2))
        return
    rows = [(r["name"], r["type"], r["role"],
             f"{r['module']}:{r['line']}" if r["line"] else "-",
             ", ".join(f"{k}={v}" for k, v in r["tags"].items() if k != "module"))
            for r in records]
    widths = [max([len(h), *(len(row[i]) for row in rows)])
              for i, h in enumerate(("name", "type", "role", "where", "tags"))]
    for row in [("name", "type", "role", "where", "tags"), *rows]:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())


@main.command()
@modules_argument
@context_option
@click.option("--output", "-o", type=click.Path(),
              help="Write the result here (.parquet, .csv, .json or .pkl); print it otherwise.")
@click.option("--final-vars", "final_vars", multiple=True, metavar="NODE",
              help="Outputs to compute (repeatable); overrides final_vars of the context.")
@reports_errors
def run(modules: tuple[str, ...], context_path: str | None, output: str | None,
        final_vars: tuple[str, ...]) -> None:
    """Execute MODULES for the context's final_vars and write the result as a DataFrame."""
    context = load_context(context_path)
    outputs = list(final_vars) or context.final_vars
    if not outputs:
        raise CliError("Nothing to compute: give final_vars in the --context file or "
                       "--final-vars NODE.")
    target = Path(output) if output else None
    if target is not None:
        if target.suffix not in RESULT_SUFFIXES:
            raise CliError(f"Cannot write {output!r}: use a suffix among "
                           f"{', '.join(RESULT_SUFFIXES)}.")
        if not target.parent.exists():
            raise CliError(f"Directory {str(target.parent)!r} does not exist.")
    dr = build_driver(modules, context)
    values = dr.raw_execute(outputs, overrides=context.overrides, inputs=context.inputs)
    frame = base.PandasDataFrameResult().build_result(**values)
    if target is None:
        click.echo(frame.to_string())
        return
    _write_frame(frame, target)
    click.echo(f"wrote {output} ({len(frame)} rows, {len(frame.columns)} columns)")


def _write_frame(frame: Any, target: Path) -> None:
    with picture_output.atomic_target(target) as temporary:
        if target.suffix == ".parquet":
            frame.to_parquet(temporary)
        elif target.suffix == ".csv":
            frame.to_csv(temporary)
        elif target.suffix == ".json":
            frame.to_json(temporary)
        else:
            frame.to_pickle(temporary)


@main.command()
@modules_argument
@click.option("--git-ref", required=True, metavar="REF",
              help="The git revision to compare the working tree with (HEAD, main, a sha).")
@context_option
@click.option("--view", "view_path", type=click.Path(),
              help="Also draw the graph with added / removed / changed nodes coloured.")
@click.option("--json", "as_json", is_flag=True, help="Print the diff as JSON.")
@reports_errors
def diff(modules: tuple[str, ...], git_ref: str, context_path: str | None,
         view_path: str | None, as_json: bool) -> None:
    """Nodes of MODULES added, removed and changed since git revision REF (changed = the
    defining function's code differs, ignoring whitespace, comments and docstrings)."""
    context = load_context(context_path)
    loaded = [load_module(m) for m in modules]
    new_graph = Driver(context.config, *loaded).graph
    old_modules: list[types.ModuleType] = []
    old_functions: dict[str, str] = {}
    new_functions: dict[str, str] = {}
    for module in loaded:
        file = getattr(module, "__file__", None)
        if not file:
            raise CliError(f"Module {module.__name__} has no source file to compare.")
        new_functions.update(graph_diffs.normalised_functions(Path(file).read_text(), file))
        old_source = graph_diffs.source_at_revision(file, git_ref)
        if old_source is None:
            continue
        old_functions.update(graph_diffs.normalised_functions(old_source, f"{git_ref}:{file}"))
        old_modules.append(_module_from_old_source(old_source, module, git_ref))
    old_graph = Driver(context.config, *old_modules).graph if old_modules else _empty_graph()
    result = graph_diffs.graph_diff(old_graph, new_graph, old_functions, new_functions)
    if view_path:
        digraph = graph_diffs.diff_digraph(old_graph, new_graph, result, ViewOptions())
        picture_output.write_picture(digraph, view_path)
    click.echo(json.dumps(result.as_dict(), indent=2) if as_json else str(result))


def _module_from_old_source(source: str, module: types.ModuleType, ref: str) -> types.ModuleType:
    name = f"{module.__name__}__at_{uuid.uuid4().hex[:8]}"
    old = types.ModuleType(name)
    old.__file__ = getattr(module, "__file__", None)
    old.__package__ = module.__package__
    sys.modules[name] = old
    try:
        exec(compile(source, f"{ref}:{module.__file__}", "exec"), old.__dict__)
    except Exception as error:
        raise CliError(f"The version of {module.__name__} at {ref} failed to import: "
                       f"{type(error).__name__}: {error}") from None
    return old


def _empty_graph() -> Graph:
    from dataflow.graph import build_graph

    return build_graph([])


if __name__ == "__main__":  # pragma: no cover
    main()
