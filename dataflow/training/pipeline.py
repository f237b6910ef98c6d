"""Compile a model config (and the extract files it names) into a dataflow module, and run it
with the normal driver.

The module holds one node per dataset the trainer needs (and the datasets those depend on),
then ``training_data`` → ``split_data`` → ``train_data`` / ``test_data`` (the hold-out split)
→ ``trainer`` → ``trained_model`` → ``metrics`` → ``saved_model``. Its source is generated, kept in
:attr:`Pipeline.source` (and readable by ``inspect``), and each extract's query or settings is a
literal in its node's code: the cache sees a changed query as changed code and reuses an
unchanged extract's frame when only the trainer changed.

>>> import pathlib, tempfile
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "extracts.yaml").write_text(
...     "points:\\n  operator: sql\\n"
...     "  query: select x, 2 * x + 1 as y from range(10) t(x)\\n")
>>> _ = (d / "model.yaml").write_text(
...     "model_name: line\\n"
...     "model_trainer: dataflow.training.SKLearnTrainer\\n"
...     "constructor_args: {estimator: sklearn.linear_model.LinearRegression, target: y}\\n"
...     "dependencies:\\n"
...     "  - {train_param_name: data, file: extracts.yaml, file_param_name: points}\\n")
>>> pipeline = compile_pipeline(d / "model.yaml")
>>> pipeline.extract_nodes
['points']
>>> round(pipeline.driver().execute(["metrics"])["metrics"]["rmse"], 6)
0.0
"""

from __future__ import annotations

import hashlib
import linecache
import os
import sys
import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dataflow.errors import did_you_mean
from dataflow.training.config import (
    DataflowExtract,
    ExtractFile,
    ModelConfig,
    load_extract_file,
    load_model_config,
)
from dataflow.training.extracts import extract_spec
from dataflow.training.yaml_source import ConfigError

__all__ = ["STEP_NODES", "Pipeline", "compile_model", "compile_pipeline"]

STEP_NODES = ("training_data", "split_data", "train_data", "test_data", "trainer",
              "trained_model", "metrics", "saved_model")
"""The nodes after the extracts, in order."""


@dataclass
class Pipeline:
    """A compiled model config: the generated ``module``, its ``source``, the extract nodes."""

    config: ModelConfig
    config_path: Path | None
    module: types.ModuleType
    source: str
    extract_nodes: list[str]
    specs: dict[str, dict[str, Any]] = field(default_factory=dict)

    def builder(self, cache: bool | str | os.PathLike[str] | None = None,
                executor: Any = None) -> Any:
        """A :class:`~dataflow.driver.Builder` over the module. ``cache``: a directory (or True
        for the config's ``cache_dir``, else ``.dataflow_cache`` beside the model file); only the
        extracts are cached — the trainer's code lives outside the graph, so its steps always
        run. ``executor``: a local executor (``MultiThreadingExecutor(2)``, ...)."""
        from dataflow import driver

        builder = driver.Builder().with_modules(self.module)
        if cache:
            if cache is True:
                base = self.config_path.parent if self.config_path else Path.cwd()
                cache = self.config.cache_dir or base / ".dataflow_cache"
            builder = builder.with_cache(path=cache, default=self.extract_nodes,
                                         default_behavior="disable")
        if executor is not None:
            refuse_fresh_worker_processes(executor, self.config.model_name)
            builder = (builder.enable_dynamic_execution(allow_experimental_mode=True)
                       .with_local_executor(executor))
        return builder

    def driver(self, cache: bool | str | os.PathLike[str] | None = None,
               executor: Any = None) -> Any:
        return self.builder(cache, executor).build()

    def run(self, final_vars: Sequence[str] = ("metrics", "saved_model"),
            cache: bool | str | os.PathLike[str] | None = None,
            executor: Any = None) -> dict[str, Any]:
        """Run the pipeline: by default train, evaluate and save; the requested values."""
        result: dict[str, Any] = self.driver(cache, executor).execute(list(final_vars))
        return result


def _datasets_needed(config: ModelConfig,
                     files: Mapping[Path, ExtractFile]) -> dict[str, tuple[Path, Any]]:
    """Dataset name → (file, extract), for the datasets the dependencies name and the ones
    those take as inputs."""
    needed: dict[str, tuple[Path, Any]] = {}

    def add(path: Path, name: str, key: str) -> None:
        datasets = files[path].root
        if name not in datasets:
            raise ConfigError(f"{path} has no dataset {name!r}.{did_you_mean(name, datasets)}",
                              config_path_of(config), key=key)
        extract = datasets[name]
        if name in needed and needed[name] != (path, extract):
            raise ConfigError(f"two datasets are called {name!r} ({needed[name][0]} and "
                              f"{path}): rename one", config_path_of(config))
        needed[name] = (path, extract)
        if isinstance(extract, DataflowExtract):
            for other in extract.dataset_inputs.values():
                add(path, other, key)

    for i, dependency in enumerate(config.dependencies):
        add(Path(dependency.file), dependency.file_param_name, f"dependencies[{i}].file_param_name")
    return needed


def config_path_of(config: ModelConfig) -> str | None:
    return getattr(config, "_path", None)


def _ordered(needed: dict[str, tuple[Path, Any]]) -> list[str]:
    """Dataset names, each after the datasets it takes as inputs."""
    order: list[str] = []

    def visit(name: str) -> None:
        if name in order:
            return
        extract = needed[name][1]
        if isinstance(extract, DataflowExtract):
            for other in extract.dataset_inputs.values():
                visit(other)
        order.append(name)

    for name in needed:
        visit(name)
    return order


def _generate(config: ModelConfig, needed: dict[str, tuple[Path, Any]],
              specs: dict[str, dict[str, Any]]) -> str:
    lines = [
        f'"""Training pipeline of model {config.model_name!r} (generated by dataflow.training)."""',
        "import datetime  # noqa: F401  (dates in literals)",
        "from typing import Any",
        "from dataflow.training import extracts as _extracts, steps as _steps",
        "",
    ]
    for name in _ordered(needed):
        extract = needed[name][1]
        inputs = list(extract.dataset_inputs.values()) if isinstance(extract,
                                                                      DataflowExtract) else []
        params = ", ".join(f"{i}: Any" for i in dict.fromkeys(inputs))
        passed = ", ".join(f"{i}={i}" for i in dict.fromkeys(inputs))
        lines += [
            "",
            f"def {name}({params}) -> Any:",
            f'    """Dataset {name!r} ({extract.operator} extract of {needed[name][0].name})."""',
            f"    return _extracts.run_extract({specs[name]!r}{', ' if passed else ''}{passed})",
            "",
        ]
    deps = list(dict.fromkeys(d.file_param_name for d in config.dependencies))
    mapping = ", ".join(f"{d.train_param_name!r}: {d.file_param_name}"
                        for d in config.dependencies)
    split = config.split
    lines += [
        "",
        f"def training_data({', '.join(f'{d}: Any' for d in deps)}) -> dict:",
        '    """The trainer\'s datasets by parameter name."""',
        f"    return {{{mapping}}}",
        "",
        "",
        "def split_data(training_data: dict) -> tuple:",
        '    """(train, test): the hold-out split of the datasets."""',
        (f"    return _steps.holdout(training_data, {split.time_column!r}, {split.test_days!r})"
         if split else "    return training_data, training_data"),
        "",
        "",
        "def train_data(split_data: tuple) -> dict:",
        '    """What the model is fitted on."""',
        "    return split_data[0]",
        "",
        "",
        "def test_data(split_data: tuple) -> dict:",
        '    """What the model is evaluated on."""',
        "    return split_data[1]",
        "",
        "",
        "def trainer() -> Any:",
        f'    """{config.model_trainer} with the config\'s constructor_args."""',
        f"    return _steps.build_trainer({config.model_trainer!r}, {config.constructor_args!r})",
        "",
        "",
        "def trained_model(trainer: Any, train_data: dict) -> Any:",
        "    return _steps.train(trainer, train_data)",
        "",
        "",
        "def metrics(trainer: Any, trained_model: Any, test_data: dict) -> dict:",
        "    return _steps.evaluate(trainer, trained_model, test_data)",
        "",
        "",
        "def saved_model(trained_model: Any, metrics: dict) -> Any:",
        '    """Where the model went."""',
        f"    return _steps.save_model({save_settings(config)!r}, trained_model, metrics)",
        "",
    ]
    return "\n".join(lines)


def save_settings(config: ModelConfig) -> dict[str, Any]:
    """What the save step needs of the model config, as plain values."""
    return {"save_to": config.save_to, "registry": config.registry, "code": config.code,
            "output_dir": str(config.output_dir), "model_name": config.model_name,
            "model_description": config.model_description, "tags": config.tags}


def compile_model(config: ModelConfig, config_path: str | os.PathLike[str] | None = None,
                  variables: Mapping[str, Any] | None = None) -> Pipeline:
    """The pipeline of an already loaded model config."""
    files: dict[Path, ExtractFile] = {}
    for dependency in config.dependencies:
        path = Path(dependency.file)
        if path not in files:
            files[path] = load_extract_file(path, variables)
    needed = _datasets_needed(config, files)
    clash = set(needed) & set(STEP_NODES)
    if clash:
        raise ConfigError(f"dataset name(s) {sorted(clash)} are taken by the pipeline's own "
                          "steps: rename them", config_path)
    specs = {name: extract_spec(extract) for name, (_path, extract) in needed.items()}
    source = _generate(config, needed, specs)
    digest = hashlib.sha256(source.encode()).hexdigest()[:12]
    module_name = f"dataflow_training_{_identifier(config.model_name)}_{digest}"
    filename = f"<dataflow.training {config.model_name}>"
    module = types.ModuleType(module_name)
    module.__file__ = filename
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    sys.modules[module_name] = module  # so that annotations resolve and functions pickle
    exec(compile(source, filename, "exec", dont_inherit=True), module.__dict__)
    return Pipeline(config, Path(config_path) if config_path else None, module, source,
                    _ordered(needed), specs)


def refuse_fresh_worker_processes(executor: Any, model_name: str) -> None:
    """A pipeline's module is generated in this process: a worker process started by ``spawn``
    or ``forkserver`` cannot import it (its steps would fail to unpickle there and the pool
    would break), only a ``fork``ed one inherits it. Raises before anything runs."""
    import multiprocessing

    if not getattr(executor, "sends_to_processes", False):
        return
    method = (getattr(executor, "start_method", None)
              or multiprocessing.get_start_method(allow_none=True)
              or multiprocessing.get_all_start_methods()[0])
    if method == "fork":
        return
    from dataflow.errors import DataflowError

    fork = ("use MultiProcessingExecutor(n, start_method='fork'), or "
            if "fork" in multiprocessing.get_all_start_methods() else "use ")
    raise DataflowError(
        f"training pipeline {model_name!r}: {executor!r} starts its workers by {method!r}, and "
        "such a worker cannot import the pipeline's module (it is generated in this process); "
        f"{fork}MultiThreadingExecutor(n). Tuning and backtests run their trials on processes "
        "started any way: their functions live in dataflow.training.")


def _identifier(text: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in text)


def compile_pipeline(model_path: str | os.PathLike[str],
                     overrides: Mapping[str, Any] | None = None,
                     variables: Mapping[str, Any] | None = None) -> Pipeline:
    """Load the model config at ``model_path`` (``overrides``: dotted key → value, as
    ``--set``) and compile it."""
    config = load_model_config(model_path, variables, overrides)
    return compile_model(config, model_path, variables)
