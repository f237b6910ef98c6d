"""``dataflow models ...``: the model envelope on the command line.

``dataflow models batch QUERY --input features.parquet --output scores.parquet`` scores a file
or a DuckDB table with the latest model the tag query selects. The registry is ``--registry``,
else ``DATAFLOW_REGISTRY``, else the per-user one.

Only the commands import :mod:`dataflow.envelope` (SQLAlchemy, pandas), so ``dataflow --help``
stays quick.
"""

from __future__ import annotations

import json
from typing import Any

import click

from dataflow.cli.errors import CliError, reports_errors

registry_option = click.option(
    "--registry", "registry_url", metavar="URL_OR_DIR",
    help="The registry: a directory, a SQLAlchemy URL (default: $DATAFLOW_REGISTRY, else the "
         "per-user registry).")
artifacts_option = click.option(
    "--artifacts", metavar="URL_OR_DIR",
    help="Where a database-URL registry keeps its model files (an fsspec URL or a directory).")


def open_registry(url: str | None, artifacts: str | None) -> Any:
    from dataflow.envelope import Registry

    return Registry(url, artifacts=artifacts)


def parse_target(text: str, what: str) -> Any:
    """``path.parquet``/``path.csv``, or ``DB.duckdb::TABLE`` for a DuckDB table."""
    from dataflow.envelope import Table

    database, separator, table = text.rpartition("::")
    if not separator:
        return text
    if not database or not table:
        raise CliError(f"--{what} {text!r}: a DuckDB table is written FILE.duckdb::TABLE.")
    return Table(database, table)


@click.group(name="models")
def models() -> None:
    """The model envelope: score, serve and look at saved models."""


@models.command()
@click.argument("query", required=False, default="")
@click.option("--input", "-i", "input_", required=True, metavar="FILE|DB::TABLE",
              help="What to score: a .parquet or .csv file, or FILE.duckdb::TABLE.")
@click.option("--output", "-o", required=True, metavar="FILE|DB::TABLE",
              help="Where the predictions go (written atomically): .parquet, .csv or "
                   "FILE.duckdb::TABLE.")
@click.option("--model", "model_id", type=int, help="Score with this model id, not a query.")
@click.option("--chunk-rows", type=click.IntRange(min=1), default=100_000, show_default=True,
              help="Rows read, predicted and written at a time (memory is flat in the input).")
@click.option("--keep", "keep_columns", multiple=True, metavar="COLUMN",
              help="An input column copied beside the predictions (repeatable).")
@click.option("--progress/--no-progress", default=None,
              help="Show a progress bar (default: on runs longer than two seconds).")
@registry_option
@artifacts_option
@reports_errors
def batch(query: str, input_: str, output: str, model_id: int | None, chunk_rows: int,
          keep_columns: tuple[str, ...], progress: bool | None, registry_url: str | None,
          artifacts: str | None) -> None:
    """Score a file or table with the latest model QUERY selects.

    QUERY is the tag query, e.g. "canonical_name=client_ltv region in (US,CA)". The run
    (model id, rows, input, output, duration) is printed as JSON and logged on the model.
    """
    from dataflow import envelope

    if not query and model_id is None:
        raise CliError("give a tag QUERY (e.g. 'canonical_name=client_ltv') or --model ID.")
    run = envelope.batch_predict(query or None, input=parse_target(input_, "input"),
                                 output=parse_target(output, "output"), chunk_rows=chunk_rows,
                                 keep_columns=keep_columns, model=model_id, progress=progress,
                                 registry=open_registry(registry_url, artifacts))
    click.echo(json.dumps(run.record(), indent=2))


@models.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option("--port", type=click.IntRange(min=0, max=65535), default=8000, show_default=True,
              help="The port to listen on.")
@click.option("--poll", "poll_interval", type=click.FloatRange(min=0.05), default=1.0,
              show_default=True, help="Seconds between looks at the registry for new models.")
@registry_option
@artifacts_option
@reports_errors
def serve(host: str, port: int, poll_interval: float, registry_url: str | None,
          artifacts: str | None) -> None:
    """Serve every deployment rule over HTTP (FastAPI; needs dataflow[serve]).

    Each rule (envelope.deploy) answers POST PATH with its newest matching model, swapped in
    without a restart when a newer one is saved or tagged. /health, /rules, PATH/metadata and
    the OpenAPI page /docs come with it.
    """
    from dataflow.envelope.service import serve as run

    run(open_registry(registry_url, artifacts), host=host, port=port,
        poll_interval=poll_interval)


@models.command()
@click.argument("query", required=False, default="")
@click.option("--all", "all_", is_flag=True, help="Every match, not only the newest.")
@registry_option
@artifacts_option
@reports_errors
def find(query: str, all_: bool, registry_url: str | None, artifacts: str | None) -> None:
    """List the models a tag QUERY selects (newest first) as JSON lines."""
    registry = open_registry(registry_url, artifacts)
    for record in registry.find(query or None, latest=not all_):
        click.echo(json.dumps({"id": record.id, "description": record.description,
                               "tags": record.tags,
                               "created_at": record.created_at.isoformat()}))


def _print_tags(registry: Any, model_id: int) -> None:
    click.echo(json.dumps({"id": model_id, "tags": registry.get(model_id).tags}))


@models.command()
@click.argument("model_id", metavar="ID", type=int)
@click.argument("tags", metavar="KEY=VALUE...", nargs=-1, required=True)
@registry_option
@artifacts_option
@reports_errors
def tag(model_id: int, tags: tuple[str, ...], registry_url: str | None,
        artifacts: str | None) -> None:
    """Set tags on model ID (registry.add_tags): a new value replaces the old, the history
    keeps both. Prints the model's tags as JSON."""
    values = {}
    for item in tags:
        key, separator, value = item.partition("=")
        if not separator:
            raise CliError(f"{item!r}: write KEY=VALUE, e.g. passes_tests=true (to remove a "
                           "tag: dataflow models untag ID KEY).")
        values[key] = value
    registry = open_registry(registry_url, artifacts)
    registry.add_tags(model_id, **values)
    _print_tags(registry, model_id)


@models.command()
@click.argument("model_id", metavar="ID", type=int)
@click.argument("keys", metavar="KEY...", nargs=-1, required=True)
@registry_option
@artifacts_option
@reports_errors
def untag(model_id: int, keys: tuple[str, ...], registry_url: str | None,
          artifacts: str | None) -> None:
    """Remove tags from model ID (registry.remove_tags), all or none: a KEY the model does not
    have is an error and nothing is removed. Prints the model's tags as JSON."""
    registry = open_registry(registry_url, artifacts)
    registry.remove_tags(model_id, *keys)
    _print_tags(registry, model_id)


@models.command()
@click.argument("rule")
@click.argument("directory", type=click.Path(file_okay=False))
@registry_option
@artifacts_option
@reports_errors
def export(rule: str, directory: str, registry_url: str | None, artifacts: str | None) -> None:
    """Write a deployable DIRECTORY for deployment RULE: the model, service.py,
    requirements.txt and a Dockerfile."""
    from dataflow.envelope.service import export_service

    root = export_service(rule, directory, registry=open_registry(registry_url, artifacts))
    click.echo(f"wrote {root}: " + ", ".join(sorted(p.name for p in root.iterdir())))


@models.command()
@click.argument("name")
@click.option("--query", "-q", required=True, help="The tag query the rule serves.")
@click.option("--require", "requirements", multiple=True, metavar="KEY=VALUE",
              help="A tag the served model must also have (repeatable).")
@click.option("--path", default=None, help="Where it is served (default /NAME).")
@registry_option
@artifacts_option
@reports_errors
def deploy(name: str, query: str, requirements: tuple[str, ...], path: str | None,
           registry_url: str | None, artifacts: str | None) -> None:
    """Store (or replace) deployment rule NAME."""
    from dataflow import envelope

    require = {}
    for item in requirements:
        key, separator, value = item.partition("=")
        if not separator:
            raise CliError(f"--require {item!r}: write KEY=VALUE, e.g. passes_tests=true.")
        require[key] = value
    rule = envelope.deploy(name, query=query, require=require, path=path,
                           registry=open_registry(registry_url, artifacts))
    click.echo(json.dumps(rule.record()))


@models.command()
@registry_option
@artifacts_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="The address to listen on (0.0.0.0: every interface).")
@click.option("--port", type=click.IntRange(min=0, max=65535), default=8050, show_default=True,
              help="The port to listen on.")
@reports_errors
def dashboard(registry_url: str | None, artifacts: str | None, host: str, port: int) -> None:
    """Serve the model dashboard: choose tags, see the metrics of the models they select.

    A web page (Dash) with a time series of a metric across the models, a scatter of two
    metrics, their curves side by side and a table of the models and their tags. Everything it
    loads is served locally. Stop it with Ctrl-C.
    """
    try:
        from dataflow.envelope.dashboard import serve
    except ImportError as missing:
        raise CliError(f"the dashboard needs {missing.name}: pip install '.[dashboard]'") \
            from missing
    click.echo(f"dashboard of {open_registry(registry_url, artifacts)!r} at http://{host}:{port}/")
    serve(open_registry(registry_url, artifacts), host=host, port=port)
