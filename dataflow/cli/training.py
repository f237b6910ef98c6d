"""``dataflow train``, ``dataflow tune``, ``dataflow backtest``: run a training config.

Thin layers over :mod:`dataflow.training`: ``train`` is ``compile_pipeline(...).run()``,
``tune`` is :func:`dataflow.training.tuning.tune`, ``backtest`` is
:func:`dataflow.training.backtest.backtest`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from dataflow.cli.commands import main
from dataflow.cli.errors import CliError, reports_errors


def _overrides(items: tuple[str, ...]) -> dict[str, Any]:
    """``--set a.b=value`` items as dotted key → value (the value read as YAML: ``false``,
    ``0.5``, ``[1, 2]``)."""
    import yaml

    out: dict[str, Any] = {}
    for item in items:
        key, sep, text = item.partition("=")
        if not sep or not key:
            raise CliError(f"--set {item!r}: write KEY=VALUE (constructor_args.alpha=0.5)")
        out[key] = yaml.safe_load(text)
    return out


def _config_errors(error: Exception) -> CliError:
    return CliError(str(error))


def _where_saved(saved: Any) -> str:
    """``model 3 in <registry>`` for an envelope, the path for a file."""
    if hasattr(saved, "id") and hasattr(saved, "registry"):
        return f"model {saved.id} in {saved.registry!r}"
    return str(saved)


@main.command()
@click.argument("model_config", type=click.Path(exists=True, dir_okay=False))
@click.option("--set", "set_items", multiple=True, metavar="KEY=VALUE",
              help="Override a key of the model config (constructor_args.fit_intercept=false).")
@click.option("--view", type=click.Path(), help="Draw the pipeline (.svg, .png, .pdf) here.")
@click.option("--dry-run", is_flag=True, help="Compile and check, draw with --view; run nothing.")
@click.option("--no-cache", is_flag=True, help="Run every extract again.")
@click.option("--threads", type=int, default=None, help="Run the steps on this many threads.")
@reports_errors
def train(model_config: str, set_items: tuple[str, ...], view: str | None, dry_run: bool,
          no_cache: bool, threads: int | None) -> None:
    """Train, evaluate and save the model of MODEL_CONFIG (a model .yaml)."""
    from dataflow.training.config import ConfigError
    from dataflow.training.pipeline import compile_pipeline

    try:
        pipeline = compile_pipeline(model_config, overrides=_overrides(set_items))
    except ConfigError as error:
        raise _config_errors(error) from None
    executor = None
    if threads:
        from dataflow.execution.executors import MultiThreadingExecutor

        executor = MultiThreadingExecutor(threads)
    dr = pipeline.driver(cache=not no_cache, executor=executor)
    outputs = ["metrics", "saved_model"]
    if view:
        dr.visualize_execution(outputs, output_file_path=view)
        click.echo(f"drew the pipeline to {view}")
    if dry_run:
        dr.validate_execution(outputs)
        from dataflow.training.pipeline import STEP_NODES

        steps = [*pipeline.extract_nodes, *STEP_NODES]
        click.echo(f"pipeline of {pipeline.config.model_name!r} is valid: " + " -> ".join(steps))
        return
    result = dr.execute(outputs)
    click.echo(json.dumps({"metrics": result["metrics"],
                           "saved": _where_saved(result["saved_model"])},
                          indent=2, default=str))


@main.command()
@click.argument("tuning_config", type=click.Path(exists=True, dir_okay=False))
@click.option("--plot", type=click.Path(), help="Plot each hyperparameter against the metric.")
@click.option("--trials", type=click.Path(), help="Write every trial as CSV here.")
@reports_errors
def tune(tuning_config: str, plot: str | None, trials: str | None) -> None:
    """Search the hyperparameters of TUNING_CONFIG; save the best model."""
    from dataflow.training.config import ConfigError
    from dataflow.training.tuning import tune as run_tuning

    try:
        result = run_tuning(tuning_config)
    except ConfigError as error:
        raise _config_errors(error) from None
    for trial in result.failed:
        click.echo(f"warning: trial {trial['number']} {trial['params']} failed: "
                   f"{trial['error']}", err=True)
    if plot:
        result.plot(plot)
    if trials:
        result.table().to_csv(Path(trials), index=False)
    click.echo(json.dumps({"best_params": result.best_params, "best_value": result.best_value,
                           "saved": _where_saved(result.saved)}, indent=2, default=str))


@main.command()
@click.argument("backtest_config", type=click.Path(exists=True, dir_okay=False))
@click.option("--plot", type=click.Path(), help="Plot the windows against the metric.")
@click.option("--table", type=click.Path(), help="Write the per-window metrics as CSV here.")
@reports_errors
def backtest(backtest_config: str, plot: str | None, table: str | None) -> None:
    """Train and evaluate the model of BACKTEST_CONFIG on each time window."""
    from dataflow.training.backtest import backtest as run_backtest
    from dataflow.training.config import ConfigError

    try:
        result = run_backtest(backtest_config)
    except ConfigError as error:
        raise _config_errors(error) from None
    for window in result.failed:
        click.echo(f"warning: window {window['window']} failed: {window['error']}", err=True)
    if plot:
        result.plot(plot)
    frame = result.table()
    if table:
        frame.to_csv(Path(table), index=False)
    click.echo(frame.to_string(index=False))


@main.command(name="training-schema")
@click.argument("directory", type=click.Path(file_okay=False))
@reports_errors
def training_schema(directory: str) -> None:
    """Write the JSON Schema of each training config file (extracts, model, tuning, backtest)
    to DIRECTORY, for editors (NAME.schema.json)."""
    from dataflow.io.utils import atomic_path
    from dataflow.training.config import json_schemas

    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    for name, schema in json_schemas().items():
        path = target / f"{name}.schema.json"
        with atomic_path(path) as tmp, open(tmp, "w") as out:
            json.dump(schema, out, indent=2)
        click.echo(f"wrote {path}")
