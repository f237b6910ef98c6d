"""Notebook magics (Hamilton's ``hamilton.plugins.jupyter_magic``): a cell becomes a module.

Load it in a notebook with ``%load_ext dataflow.plugins.jupyter_magic``; then a cell starting
with ``%%cell_to_module NAME`` defines the module ``NAME`` from the cell's functions, builds a
driver on it and, on request, draws it (``--display``) and runs it (``--execute``)::

    %%cell_to_module features --display --execute
    def spend() -> float:
        return 10.0

    def doubled(spend: float) -> float:
        return spend * 2

The options are Hamilton's: ``-d/--display [VAR]`` (VAR: a dict of drawing options in the
notebook), ``-x/--execute [VAR]`` (VAR: a list of outputs; else every function node),
``-b/--builder VAR`` (a ``driver.Builder`` to start from, for adapters and config),
``-c/--config VAR|KEY=VALUE ...|JSON``, ``-i/--inputs VAR``, ``-o/--overrides VAR``,
``--show_results``, ``-w/--write_to_file [PATH]`` and ``-m/--module_name NAME``. After the
cell, ``NAME`` is the module, the cell's functions are defined in the notebook, and with
``--execute`` every computed value is a notebook variable (``a.b`` named ``a__b``).

Needs IPython (a notebook or ``ipython``); importing this module imports IPython.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments
from IPython.display import display
from IPython.utils.process import arg_split

from dataflow import ad_hoc_utils, driver
from dataflow.errors import DataflowError, did_you_mean
from dataflow.graph import topological_order

RETIRED_OPTIONS = {
    "-r": "no longer does anything (every %%cell_to_module builds a fresh driver)",
    "--rebuild-drivers": "no longer does anything (every %%cell_to_module builds a fresh driver)",
    "-v": "no longer does anything",
    "--verbose": "no longer does anything",
    "--hide_results": "is the default now; --show_results prints results",
}
"""Options Hamilton's magic accepts and ignores (with a note); kept so old notebooks run."""

KNOWN_OPTIONS = ("--display", "--execute", "--builder", "--config", "--inputs", "--overrides",
                 "--show_results", "--write_to_file", "--module_name", "--display_cache")


def parse_config(text: str, namespace: Mapping[str, Any]) -> dict[str, Any]:
    """The value of ``-c/--config``: the name of a notebook variable, ``KEY=VALUE`` pairs
    (each VALUE read as JSON, else as text, as on the ``dataflow`` command line) or a JSON
    object.

    >>> parse_config("region=north n_days=30", {})
    {'region': 'north', 'n_days': 30}
    >>> parse_config('{"n_days": 30}', {})
    {'n_days': 30}
    """
    if text in namespace:
        value = namespace[text]
        if not isinstance(value, Mapping):
            raise UsageError(f"--config {text}: the notebook variable {text!r} holds a "
                             f"{type(value).__name__}, not a dict of config values.")
        return dict(value)
    stripped = text.strip().strip("'\"")
    if stripped.startswith("{"):
        try:
            loaded = json.loads(stripped)
        except json.JSONDecodeError as error:
            raise UsageError(f"--config {text}: not valid JSON ({error}).") from None
        if not isinstance(loaded, dict):
            raise UsageError(f"--config {text}: a JSON object is needed.")
        return loaded
    config: dict[str, Any] = {}
    for pair in stripped.split():
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(
                f"--config {text}: give the name of a dict in the notebook, KEY=VALUE pairs "
                "(quote several: -c \"a=1 b=2\") or a JSON object."
                + did_you_mean(text, [n for n in namespace if not n.startswith("_")]))
        try:
            config[key] = json.loads(value)
        except json.JSONDecodeError:
            config[key] = value
    return config


def _normalised(name: str) -> str:
    """A node name as a notebook variable: ``a.b`` (pipe steps, subdags) becomes ``a__b``."""
    return name.replace(".", "__")


@magics_class
class DataflowMagics(Magics):
    """``%%cell_to_module``: turn a notebook cell into a dataflow module."""

    def _variable(self, option: str, name: str, kinds: tuple[type, ...]) -> Any:
        namespace = self.shell.user_ns  # type: ignore[union-attr]
        if name not in namespace:
            public = [n for n in namespace if not n.startswith("_")]
            raise UsageError(f"{option} {name}: no notebook variable named {name!r}."
                             + did_you_mean(name, public))
        value = namespace[name]
        if not isinstance(value, kinds):
            wanted = " or ".join(k.__name__ for k in kinds)
            raise UsageError(f"{option} {name}: {name!r} is a {type(value).__name__}; "
                             f"a {wanted} is needed.")
        return value

    def _parse(self, line: str) -> Any:
        parser = self.cell_to_module.parser  # type: ignore[attr-defined]
        args, unknown = parser.parse_known_args(arg_split(line))
        for option in unknown:
            note = RETIRED_OPTIONS.get(option)
            if note is None:
                raise UsageError(f"%%cell_to_module: unknown option {option!r}."
                                 + did_you_mean(option, KNOWN_OPTIONS)
                                 + " See %%cell_to_module? for every option.")
            print(f"note: {option} {note}.")
        return args

    @magic_arguments()
    @argument("name", nargs="?", help="Name of the module this cell defines.")
    @argument("-m", "--module_name", help="The module's name (same as the positional NAME).")
    @argument("-d", "--display", nargs="?", const=True,
              help="Draw the dataflow (what --execute runs, with -x). VAR: the name of a dict "
                   "of drawing options for display_all_functions / visualize_execution.")
    @argument("--display_cache", action="store_true",
              help="Hamilton's cache view; refused here (dataflow has no run cache to show).")
    @argument("-x", "--execute", nargs="?", const=True,
              help="Run the dataflow. VAR: the name of a list of outputs; else every function "
                   "node. Computed values become notebook variables.")
    @argument("-b", "--builder",
              help="Name of a driver.Builder to start from (adapters, config); it is copied.")
    @argument("-c", "--config",
              help="Config: the name of a dict, KEY=VALUE pairs or a JSON object.")
    @argument("-i", "--inputs", help="Name of a dict of inputs for --execute / --display.")
    @argument("-o", "--overrides", help="Name of a dict of overrides for --execute / --display.")
    @argument("--show_results", action="store_true",
              help="With --execute, display each computed value.")
    @argument("-w", "--write_to_file", nargs="?", const=True,
              help="Also write the cell to a file: PATH, else NAME.py.")
    @cell_magic
    def cell_to_module(self, line: str, cell: str) -> None:
        """Define module NAME from this cell's functions, build a driver on it, and on request
        draw it (--display) and run it (--execute).

        %%cell_to_module features --display --execute
        def spend() -> float:
            return 10.0
        """
        args = self._parse(line)
        if args.name and args.module_name and args.name != args.module_name:
            raise UsageError(f"%%cell_to_module: two names, {args.name!r} and "
                             f"{args.module_name!r}; give one.")
        name = args.name or args.module_name
        if not name or not name.isidentifier():
            raise UsageError("%%cell_to_module needs the module's name, a Python identifier: "
                             "%%cell_to_module features [options]" +
                             (f" (got {name!r})." if name else "."))
        if args.display_cache:
            raise UsageError("--display_cache shows Hamilton's run cache; dataflow has no run "
                             "cache to show. Leave the option out.")
        namespace = self.shell.user_ns  # type: ignore[union-attr]
        base = self._variable("--builder", args.builder, (driver.Builder,)) \
            if args.builder else driver.Builder()
        inputs = self._variable("--inputs", args.inputs, (Mapping,)) if args.inputs else {}
        overrides = self._variable("--overrides", args.overrides, (Mapping,)) \
            if args.overrides else {}
        drawing = self._variable("--display", args.display, (Mapping,)) \
            if isinstance(args.display, str) else {}
        outputs = self._variable("--execute", args.execute, (list, tuple)) \
            if isinstance(args.execute, str) else None
        config = parse_config(args.config, namespace) if args.config else {}
        if config and base.config:
            raise UsageError(f"--config and --builder {args.builder} both give config; put "
                             "the config in one of them.")

        if args.write_to_file:
            target = Path(args.write_to_file if isinstance(args.write_to_file, str)
                          else f"{name}.py")
            target.write_text(cell)
        self.shell.ex(cell)  # type: ignore[union-attr]  # the functions, in the notebook too
        module = ad_hoc_utils.module_from_source(cell, name)
        self.shell.push({name: module})  # type: ignore[union-attr]

        builder = copy.copy(base)
        builder.modules, builder.config = [*base.modules, module], {**base.config, **config}
        builder.adapters = list(base.adapters)
        try:
            dr = builder.build()
            final_vars = list(outputs) if outputs is not None else _function_nodes(dr)
            if args.display:
                if args.execute:
                    picture = dr.visualize_execution(final_vars, inputs=inputs,
                                                     overrides=overrides, **drawing)
                else:
                    picture = dr.display_all_functions(**drawing)
                display(picture)
            if not args.execute:
                return
            results = dr.raw_execute(final_vars, overrides=overrides, inputs=inputs)
        except DataflowError as error:
            raise UsageError(f"{type(error).__name__}: {error}") from None
        self.shell.push({_normalised(n): v for n, v in results.items()})  # type: ignore
        if args.show_results:
            display(*results.values())


def _function_nodes(dr: driver.Driver) -> list[str]:
    """Every node a function computes, dependencies first (what ``--execute`` runs)."""
    names = [v.name for v in dr.list_available_variables() if not v.is_external_input]
    return topological_order(dr.graph, names)


def load_ipython_extension(ipython: Any) -> None:
    """Called by ``%load_ext dataflow.plugins.jupyter_magic``."""
    ipython.register_magics(DataflowMagics)


__all__: Sequence[str] = ("DataflowMagics", "load_ipython_extension", "parse_config")
