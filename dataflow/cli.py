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

import contextlib
import functools
import importlib
import importlib.metadata
import importlib.util
import json
import os
import sys
import types
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import click

from dataflow import base
from dataflow.driver import Driver
from dataflow.errors import DataflowError, MissingInputsError
from dataflow.graph import Graph
from dataflow.lineage import diff as graph_diffs
from dataflow.lineage import output as picture_output
from dataflow.lineage.errors import GraphvizNotInstalledError
from dataflow.lineage.export import node_record
from dataflow.lineage.render import ORIENTATIONS, ViewOptions
from dataflow.node import type_name
from dataflow.type_rules import value_matches

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
    directory too).

    A file inside a package (its directory has an ``__init__.py``, and so on up) is imported
    under its dotted name with the directory above the top package on ``sys.path``, so its
    relative imports work; a file outside any package is imported under its own name with its
    directory on ``sys.path``, so sibling imports work.
    """
    path = Path(reference)
    if reference.endswith(".py") or path.is_file():
        if not path.is_file():
            raise CliError(f"Module file {reference!r} does not exist.")
        dotted, root = package_name_of(path.resolve())
        if root is not None:
            return _import_package_file(reference, path.resolve(), dotted, root)
        return _import_plain_file(reference, path)
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        return importlib.import_module(reference)
    except ImportError as error:
        raise CliError(f"Cannot import module {reference!r}: {error}. Pass an import path "
                       "importable from the current directory, or a path to a .py file.") \
            from None


def package_name_of(file: Path) -> tuple[str, Path | None]:
    """The dotted module name of ``file`` and the directory its top package lives in (``None``
    when the file's directory is not a package).

    >>> package_name_of(Path("/repo/examples/demand_forecasting/raw_data.py"))  # doctest: +SKIP
    ('examples.demand_forecasting.raw_data', PosixPath('/repo'))
    """
    parts = [] if file.name == "__init__.py" else [file.stem]
    directory = file.parent
    while (directory / "__init__.py").is_file():
        parts.insert(0, directory.name)
        directory = directory.parent
    if directory == file.parent:
        return file.stem, None
    return ".".join(parts), directory


def _import_package_file(reference: str, file: Path, dotted: str, root: Path) -> types.ModuleType:
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    try:
        module = importlib.import_module(dotted)
    except Exception as error:
        raise CliError(f"Importing {reference} (as module {dotted}, from {root}) failed: "
                       f"{type(error).__name__}: {error}") from None
    found = getattr(module, "__file__", None)
    if found is None or Path(found).resolve() != file:
        top = dotted.split(".")[0]
        raise CliError(f"{reference} is module {dotted} (its directories hold __init__.py), "
                       f"but importing {dotted} gives {found}: another package named {top!r} "
                       "comes first on sys.path. Rename one of them, or run from elsewhere.")
    return module


def _import_plain_file(reference: str, path: Path) -> types.ModuleType:
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
        hint = ""
        if isinstance(error, ImportError) and "relative import" in str(error):
            hint = (f" {path.parent} has no __init__.py, so {path.name} is not part of a "
                    "package; add one to use relative imports.")
        raise CliError(f"Importing {reference} failed: {type(error).__name__}: {error}.{hint}") \
            from None
    return module


def build_driver(modules: Sequence[str], context: Context) -> Driver:
    loaded = [load_module(m) for m in modules]
    return Driver(context.config, *loaded, adapter=base.DictResult())


def with_command_line(context: Context, config: Sequence[str] = (), inputs: Sequence[str] = (),
                      final_vars: Sequence[str] = ()) -> Context:
    """The context file's values, updated by ``--config KEY=VALUE``, ``--input NAME=VALUE``
    and ``--final-vars`` (the command line wins)."""
    return Context(
        {**context.config, **dict(parse_assignment(item, "--config") for item in config)},
        {**context.inputs, **dict(parse_assignment(item, "--input") for item in inputs)},
        dict(context.overrides),
        list(final_vars) or list(context.final_vars),
    )


def parse_assignment(item: str, flag: str) -> tuple[str, Any]:
    """``NAME=VALUE`` → ``(NAME, value)``: VALUE read as JSON (``3``, ``2.5``, ``true``,
    ``[1, 2]``, ``"text"``), else taken as text.

    >>> parse_assignment("n_days=30", "--input"), parse_assignment("region=north", "--input")
    (('n_days', 30), ('region', 'north'))
    """
    name, sep, text = item.partition("=")
    if not sep or not name:
        raise CliError(f"{flag} {item!r}: write {flag} NAME=VALUE (VALUE is read as JSON, "
                       "else as text).")
    try:
        return name, json.loads(text)
    except json.JSONDecodeError:
        return name, text


@contextlib.contextmanager
def explains_missing_inputs(dr: Driver, outputs: Sequence[str], context: Context) -> Iterator[None]:
    """Add to a missing-inputs error how to give those values on the command line."""
    try:
        yield
    except MissingInputsError as error:
        hint = missing_inputs_hint(dr, outputs, context, error)
        raise CliError(f"MissingInputsError: {error}\n{hint}") from None


_TYPED_SAMPLES: tuple[Any, ...] = (0, 0.5, "text", True, [], {})
"""One value of each kind ``--input NAME=VALUE`` can produce."""


def missing_inputs_hint(dr: Driver, outputs: Sequence[str], context: Context,
                        error: MissingInputsError) -> str:
    """The flags that would supply the missing inputs: ``--input NAME=VALUE`` for values a
    command line can hold (numbers, text, booleans, JSON lists and objects), a ``.py`` context
    file for the rest (DataFrames, Series, ...)."""
    provided = {*context.config, *context.inputs, *context.overrides}
    needed = [n for n in dr.inputs_needed(outputs) if n not in provided]
    missing = [n for n in needed if n in error.missing] or needed
    typed = [n for n in missing
             if any(value_matches(v, dr.graph.nodes[n].type) for v in _TYPED_SAMPLES)]
    built = [n for n in missing if n not in typed]
    lines = []
    if typed:
        flags = " ".join(f"--input {n}=VALUE" for n in typed)
        lines.append(f"On the command line add {flags} (VALUE is read as JSON, else as text; "
                     "--config KEY=VALUE works too),")
    if built:
        kinds = ", ".join(f"{n} ({type_name(dr.graph.nodes[n].type)})" for n in built)
        lines.append(f"{'or ' if typed else ''}build {kinds} in a .py context file "
                     f"(inputs = {{{built[0]!r}: ...}}) and pass --context ctx.py.")
    elif lines:
        lines.append("or put them under \"inputs\" in a --context file.")
    return "\n".join(lines)


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


class ListOptionCommand(click.Command):
    """A command whose ``--final-vars`` takes several values after one flag
    (``--final-vars a b c``), as well as one per flag (``--final-vars a --final-vars b``).

    click options take one value each, so the words after the flag, up to the next option or
    the next ``.py`` file, are spread into one ``--final-vars`` per word before parsing.
    """

    list_options = ("--final-vars",)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, spread_list_options(args, self.list_options))


def spread_list_options(args: Sequence[str], flags: Sequence[str]) -> list[str]:
    """``["--final-vars", "a", "b", "-o", "x"]`` → ``["--final-vars", "a", "--final-vars",
    "b", "-o", "x"]``.

    >>> spread_list_options(["m.py", "--final-vars", "a", "b", "-o", "x"], ["--final-vars"])
    ['m.py', '--final-vars', 'a', '--final-vars', 'b', '-o', 'x']
    """
    spread: list[str] = []
    flag: str | None = None
    given = False
    for index, word in enumerate(args):
        if word == "--":
            spread.extend(args[index:])
            flag = None
            break
        if flag is not None and not word.startswith("-") and not word.endswith(".py"):
            spread.extend((flag, word))
            given = True
            continue
        if flag is not None and not given:
            spread.append(flag)  # no value after the flag: click reports it
        flag = None
        if word in flags:
            flag, given = word, False
        else:
            spread.append(word)
    if flag is not None and not given:
        spread.append(flag)
    return spread


modules_argument = click.argument("modules", nargs=-1, required=True)
context_option = click.option("--context", "-c", "context_path", type=click.Path(),
                              help="JSON or .py file with config, inputs, overrides, final_vars.")
config_option = click.option(
    "--config", "config_items", multiple=True, metavar="KEY=VALUE",
    help="A config value (repeatable; VALUE is read as JSON, else as text). Wins over the "
         "context file.")
input_option = click.option(
    "--input", "input_items", multiple=True, metavar="NAME=VALUE",
    help="An input value (repeatable; VALUE is read as JSON, else as text). Wins over the "
         "context file; DataFrames and Series need a .py context file.")
final_vars_option = click.option(
    "--final-vars", "final_vars", multiple=True, metavar="NODE ...",
    help="Outputs to compute: --final-vars a b c. Replaces final_vars of the context.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="dataflow")
def main() -> None:
    """dataflow: look at, check, list, run and diff dataflows of plain Python functions.

    MODULES are import paths (my_pkg.features) or .py file paths. Context files (JSON or .py)
    hold config, inputs, overrides and final_vars (or Hamilton's HAMILTON_CONFIG, ...).
    """


@main.command(cls=ListOptionCommand)
@modules_argument
@click.option("--output", "-o", required=True, type=click.Path(),
              help="Picture to write; the suffix picks the format (.svg, .png, .pdf, .dot).")
@context_option
@config_option
@input_option
@final_vars_option
@click.option("--upstream-of", multiple=True, metavar="NODE",
              help="Draw only NODE and what it depends on (repeatable).")
@click.option("--downstream-of", multiple=True, metavar="NODE",
              help="Draw only NODE and what depends on it (repeatable).")
@click.option("--max-hops", type=click.IntRange(min=0),
              help="With --upstream-of/--downstream-of: stop this many edges away.")
@click.option("--modules-view", is_flag=True,
              help="One box per module with node counts (for very large graphs).")
@click.option("--execution", is_flag=True,
              help="Draw what executing final_vars (--final-vars or the context's) would run.")
@click.option("--orient", type=click.Choice(ORIENTATIONS), default="LR", show_default=True,
              help="Direction of the edges.")
@click.option("--hide-inputs", is_flag=True, help="Leave external inputs and config out.")
@click.option("--no-legend", is_flag=True, help="Leave the legend out.")
@click.option("--keep-dot", is_flag=True, help="Also write the DOT source next to the picture.")
@reports_errors
def view(modules: tuple[str, ...], output: str, context_path: str | None,
         config_items: tuple[str, ...], input_items: tuple[str, ...],
         final_vars: tuple[str, ...], upstream_of: tuple[str, ...],
         downstream_of: tuple[str, ...], max_hops: int | None, modules_view: bool,
         execution: bool, orient: str, hide_inputs: bool, no_legend: bool,
         keep_dot: bool) -> None:
    """Draw the lineage of MODULES to a picture file."""
    context = with_command_line(load_context(context_path), config_items, input_items,
                                final_vars)
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
            raise CliError("--execution needs the outputs to draw: --final-vars NODE ... or "
                           "final_vars in the --context file.")
        with explains_missing_inputs(dr, context.final_vars, context):
            dr.visualize_execution(context.final_vars, inputs=context.inputs,
                                   overrides=context.overrides, show_legend=not no_legend,
                                   **common)
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


@main.command(cls=ListOptionCommand)
@modules_argument
@context_option
@config_option
@input_option
@final_vars_option
@reports_errors
def validate(modules: tuple[str, ...], context_path: str | None, config_items: tuple[str, ...],
             input_items: tuple[str, ...], final_vars: tuple[str, ...]) -> None:
    """Build the graph of MODULES and, given final_vars (--final-vars or the context's), check
    that request (outputs exist, inputs present and of the right type) without running
    anything."""
    context = with_command_line(load_context(context_path), config_items, input_items,
                                final_vars)
    dr = build_driver(modules, context)
    nodes = len(dr.graph)
    if context.final_vars:
        with explains_missing_inputs(dr, context.final_vars, context):
            dr.validate_execution(context.final_vars, inputs=context.inputs,
                                  overrides=context.overrides)
        click.echo(f"ok: {nodes} nodes; executing {context.final_vars} is valid")
    else:
        click.echo(f"ok: {nodes} nodes build into a valid graph")


@main.command(name="ls")
@modules_argument
@context_option
@config_option
@click.option("--tag", "tags", multiple=True, metavar="KEY=VALUE",
              help="Only nodes with this tag (repeatable: all must match; KEY alone: any value).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON records instead of a table.")
@reports_errors
def list_nodes(modules: tuple[str, ...], context_path: str | None,
               config_items: tuple[str, ...], tags: tuple[str, ...], as_json: bool) -> None:
    """List the nodes of MODULES with their types, roles, tags and module:line."""
    context = with_command_line(load_context(context_path), config_items)
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


@main.command(cls=ListOptionCommand)
@modules_argument
@context_option
@config_option
@input_option
@click.option("--output", "-o", type=click.Path(),
              help="Write the result here (.parquet, .csv, .json or .pkl); print it otherwise.")
@final_vars_option
@reports_errors
def run(modules: tuple[str, ...], context_path: str | None, config_items: tuple[str, ...],
        input_items: tuple[str, ...], output: str | None, final_vars: tuple[str, ...]) -> None:
    """Execute MODULES for final_vars (--final-vars or the context's) and write the result as
    a DataFrame."""
    context = with_command_line(load_context(context_path), config_items, input_items,
                                final_vars)
    outputs = context.final_vars
    if not outputs:
        raise CliError("Nothing to compute: give --final-vars NODE ... or final_vars in the "
                       "--context file.")
    target = Path(output) if output else None
    if target is not None:
        if target.suffix not in RESULT_SUFFIXES:
            raise CliError(f"Cannot write {output!r}: use a suffix among "
                           f"{', '.join(RESULT_SUFFIXES)}.")
        if not target.parent.exists():
            raise CliError(f"Directory {str(target.parent)!r} does not exist.")
        if target.suffix == ".parquet":
            require_parquet_engine(target)
    dr = build_driver(modules, context)
    with explains_missing_inputs(dr, outputs, context):
        values = dr.raw_execute(outputs, overrides=context.overrides, inputs=context.inputs)
    frame = base.PandasDataFrameResult().build_result(**values)
    if target is None:
        click.echo(frame.to_string())
        return
    _write_frame(frame, target)
    click.echo(f"wrote {output} ({_count(len(frame), 'row')}, "
               f"{_count(len(frame.columns), 'column')})")


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def require_parquet_engine(target: Path) -> None:
    """Refuse a ``.parquet`` output before running anything when pandas has no parquet engine
    (pyarrow or fastparquet), saying what to install."""
    for engine in ("pyarrow", "fastparquet"):
        try:
            importlib.import_module(engine)
            return
        except ImportError:
            continue
    extra = ""
    if "parquet" in _declared_extras():
        extra = (" (or install dataflow with its parquet extra: pip install -e '.[parquet]' "
                 "in the dataflow source tree)")
    raise CliError(f"Writing {str(target)!r} needs pyarrow, which is not installed: "
                   f"pip install pyarrow{extra}. Or write .csv, .json or .pkl instead.")


def _declared_extras() -> list[str]:
    try:
        return importlib.metadata.metadata("dataflow").get_all("Provides-Extra") or []
    except importlib.metadata.PackageNotFoundError:
        return []


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
@config_option
@click.option("--view", "view_path", type=click.Path(),
              help="Also draw the graph with added / removed / changed nodes coloured.")
@click.option("--json", "as_json", is_flag=True, help="Print the diff as JSON.")
@reports_errors
def diff(modules: tuple[str, ...], git_ref: str, context_path: str | None,
         config_items: tuple[str, ...], view_path: str | None, as_json: bool) -> None:
    """Nodes of MODULES added, removed and changed since git revision REF (changed = the
    defining function's code differs, ignoring whitespace, comments and docstrings)."""
    context = with_command_line(load_context(context_path), config_items)
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
