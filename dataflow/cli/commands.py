"""The ``dataflow`` commands: ``view``, ``validate``, ``ls``, ``run`` and ``diff``.

Each command reads its values, builds a :class:`~dataflow.driver.Driver` and calls one library
method — what it does, a user can do in three lines of Python. Reading MODULES, context files,
flags and output files lives in the sibling modules; errors become ``Error: ...`` through
:func:`~dataflow.cli.errors.reports_errors`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import click

from dataflow import base
from dataflow.cli import listing, materialized, result_files
from dataflow.cli.context import Context, load_context, with_command_line
from dataflow.cli.errors import CliError, reports_errors
from dataflow.cli.models import models
from dataflow.cli.modules import load_modules
from dataflow.cli.options import (
    ListOptionCommand,
    config_option,
    context_option,
    final_vars_option,
    input_option,
    modules_argument,
)
from dataflow.cli.request_hints import explains_request_errors, unread_inputs
from dataflow.driver import Driver
from dataflow.lineage.diff import diff_with_revision
from dataflow.lineage.export import node_record
from dataflow.lineage.render import ORIENTATIONS

LARGE_GRAPH = 1500
"""``view`` suggests the module view above this many nodes."""


def build_driver(modules: Sequence[str], context: Context) -> Driver:
    """The driver every command but ``diff`` works with: MODULES and the context's config,
    results as a dict (``diff`` calls :func:`~dataflow.lineage.diff.diff_with_revision`)."""
    return Driver(context.config, *load_modules(modules), adapter=base.DictResult())


def note_unread_inputs(dr: Driver, input_items: Sequence[str], outputs: Sequence[str]) -> None:
    """Warn about ``--input`` names no node reads (a misspelt name would be ignored)."""
    names = [item.partition("=")[0] for item in input_items]
    for note in unread_inputs(dr, names, outputs):
        click.echo(f"warning: {note}", err=True)


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
        note_unread_inputs(dr, input_items, context.final_vars)
        with explains_request_errors(dr, context.final_vars, context):
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
    note_unread_inputs(dr, input_items, context.final_vars)
    if context.final_vars:
        with explains_request_errors(dr, context.final_vars, context):
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
    tag_filter = listing.tag_filter_from(tags)
    names = [v.name for v in dr.list_available_variables(tag_filter=tag_filter or None)]
    records = [node_record(dr.graph.nodes[n]) for n in names]
    if tag_filter and not records:
        note = listing.no_match_note(tag_filter, [n.tags for n in dr.graph.nodes.values()])
        click.echo(f"note: --tag kept no node: {note}", err=True)
    if as_json:
        click.echo(json.dumps(records, indent=2))
        return
    for line in listing.node_table(records):
        click.echo(line)


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
    target = result_files.checked_target(output) if output else None
    dr = build_driver(modules, context)
    note_unread_inputs(dr, input_items, outputs)
    with explains_request_errors(dr, outputs, context):
        values = dr.raw_execute(outputs, overrides=context.overrides, inputs=context.inputs)
    for name in materialized.saver_names(dr.graph.nodes, list(values)):  # @save_to, @datasaver
        click.echo(materialized.saved_line(name, values.pop(name)))
    if not values:
        return
    try:
        frame = base.PandasDataFrameResult().build_result(**values)
    except base.ResultError as error:
        raise CliError(f"ResultError: {error}\ndataflow run writes one DataFrame: leave such "
                       "outputs out of --final-vars (dataflow validate checks them without "
                       "building a DataFrame).") from None
    if target is None:
        click.echo(frame.to_string())
        return
    result_files.write_frame(frame, target)
    click.echo(f"wrote {output} ({result_files.frame_size(frame)})")


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
    result = diff_with_revision(load_modules(modules), git_ref, context.config)
    if view_path:
        result.write_picture(view_path)
    changes = result.changes
    click.echo(json.dumps(changes.as_dict(), indent=2) if as_json else str(changes))


main.add_command(models)
