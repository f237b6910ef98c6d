"""The config files of a training pipeline, as pydantic models: the single definition from which
both the validation errors and the JSON Schema (for editors) come.

Four kinds of file:

* an **extract file** maps dataset names to extracts (:class:`SqlExtract`,
  :class:`DataflowExtract`, :class:`FileExtract`, told apart by ``operator``);
* a **model file** (:class:`ModelConfig`): name, description, tags, the trainer's dotted path,
  its constructor arguments and where each of its inputs comes from;
* a **tuning file** (:class:`TuningConfig`) and a **backtest file** (:class:`BacktestConfig`),
  each pointing at a model file.

Paths in a file are relative to that file. Errors name the file, the line and the key, with a
did-you-mean for misspelt keys and for dotted paths that do not import.

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "m.yaml").write_text("model_name: m\\nmodel_trainr: x.Y\\n")
>>> try:
...     load_model_config(d / "m.yaml")
... except ConfigError as e:
...     print(str(e).replace(str(d), "DIR"))
DIR/m.yaml, line 2, key model_trainr: unknown key. Did you mean 'model_trainer'? (and 2 more ...)
"""

from __future__ import annotations

import datetime
import importlib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    RootModel,
    ValidationError,
    ValidationInfo,
    model_validator,
)

from dataflow.errors import did_you_mean
from dataflow.training.yaml_source import ConfigError, Lines, load_yaml

__all__ = [
    "BacktestConfig",
    "ConfigError",
    "DataflowExtract",
    "Dependency",
    "ExtractFile",
    "FileExtract",
    "ModelConfig",
    "ParameterSpec",
    "SplitConfig",
    "SqlExtract",
    "TuningConfig",
    "import_dotted",
    "json_schemas",
    "load_backtest_config",
    "load_extract_file",
    "load_model_config",
    "load_tuning_config",
    "set_dotted",
]


def _relative(value: Path | None, info: ValidationInfo) -> Path | None:
    """A path relative to the config file it was written in."""
    if value is None:
        return None
    base = (info.context or {}).get("base_dir")
    return value if value.is_absolute() or base is None else Path(base) / value


RelPath = Annotated[Path, AfterValidator(_relative)]


def _registry_location(registry: str, info: ValidationInfo) -> str:
    """A registry directory relative to the config file; URLs as they are."""
    base = (info.context or {}).get("base_dir")
    if "://" in registry or base is None or Path(registry).is_absolute():
        return registry
    return str(Path(base) / registry)


RegistryLocation = Annotated[str, AfterValidator(_registry_location)]


def import_dotted(path: str) -> Any:
    """The object at dotted ``path`` (``package.module.Name``); an ImportError with a
    did-you-mean on the part that does not resolve."""
    parts = path.split(".")
    module = None
    for cut in range(len(parts), 0, -1):
        name = ".".join(parts[:cut])
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name is not None and not name.startswith(error.name):
                raise  # the module exists but imports something missing
            continue
        obj: Any = module
        for i, attr in enumerate(parts[cut:]):
            if not hasattr(obj, attr):
                known = [n for n in dir(obj) if not n.startswith("_")]
                where = ".".join(parts[:cut + i])
                raise ImportError(f"{where!r} has no {attr!r}.{did_you_mean(attr, known)}")
            obj = getattr(obj, attr)
        return obj
    top = parts[0]
    import pkgutil

    known = [m.name for m in pkgutil.iter_modules()]
    raise ImportError(f"no module named {top!r}.{did_you_mean(top, known)}")


def _importable(value: str) -> str:
    try:
        import_dotted(value)
    except ImportError as error:
        raise ValueError(f"{value!r} does not import: {error}") from None
    return value


DottedPath = Annotated[str, AfterValidator(_importable)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SqlExtract(_Model):
    """A query: ``sql`` (a Jinja-templated ``.sql`` file) or ``query`` (inline), rendered with
    ``template`` and run with ``params`` bound (DuckDB writes them ``$name``, SQLAlchemy
    ``:name``). On an embedded DuckDB (``database``: a file, or in memory when left out) unless
    ``url`` (a SQLAlchemy URL) is given."""

    operator: Literal["sql"]
    sql: RelPath | None = None
    query: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    template: dict[str, Any] = Field(default_factory=dict)
    database: RelPath | None = None
    url: str | None = None

    @model_validator(mode="after")
    def _one_query(self) -> SqlExtract:
        if (self.sql is None) == (self.query is None):
            raise ValueError("give exactly one of 'sql' (a .sql file) and 'query' (inline SQL)")
        if self.database is not None and self.url is not None:
            raise ValueError("give 'database' (a DuckDB file) or 'url' (SQLAlchemy), not both")
        return self


class DataflowExtract(_Model):
    """A frame computed by the driver: ``modules`` (dotted paths) with ``config``, asking for
    ``final_vars``; ``inputs`` are values, ``dataset_inputs`` name other datasets of the same
    file whose frames are passed as inputs."""

    operator: Literal["dataflow"]
    modules: list[DottedPath]
    config: dict[str, Any] = Field(default_factory=dict)
    final_vars: list[str]
    inputs: dict[str, Any] = Field(default_factory=dict)
    dataset_inputs: dict[str, str] = Field(default_factory=dict)


class FileExtract(_Model):
    """A file read by a ``dataflow.io`` loader: ``format`` (``parquet``, ``csv``, ...; by
    default the file's suffix) with ``kwargs`` for the loader."""

    operator: Literal["file"]
    path: RelPath
    format: str | None = None
    kwargs: dict[str, Any] = Field(default_factory=dict)


Extract = Annotated[SqlExtract | DataflowExtract | FileExtract, Field(discriminator="operator")]


class ExtractFile(RootModel[dict[str, Extract]]):
    """Dataset name → extract."""

    @model_validator(mode="after")
    def _names(self) -> ExtractFile:
        for name, extract in self.root.items():
            if not name.isidentifier():
                raise ValueError(f"dataset name {name!r} is not a Python identifier")
            if isinstance(extract, DataflowExtract):
                for param, other in extract.dataset_inputs.items():
                    if other not in self.root or other == name:
                        raise ValueError(
                            f"{name}.dataset_inputs.{param}: no other dataset {other!r} in this "
                            f"file.{did_you_mean(other, self.root)}")
        return self


class Dependency(_Model):
    """The trainer's parameter ``train_param_name`` gets dataset ``file_param_name`` of the
    extract file ``file``."""

    train_param_name: str
    file: RelPath
    file_param_name: str


class SplitConfig(_Model):
    """How a run holds out data for ``evaluate``: the last ``test_days`` days of
    ``time_column`` in every dependency frame that has that column."""

    time_column: str
    test_days: int = Field(gt=0)


class ModelConfig(_Model):
    """``save_to: envelope`` (the default) saves the trained model with ``dataflow.envelope``
    (to ``registry``: a directory relative to this file or a database URL; the default registry
    when left out) with ``tags`` and ``model_description``, ``code`` (dotted module paths) pickled
    by value, and logs its metrics; ``save_to: directory`` pickles it to ``output_dir``."""

    model_name: str
    model_description: str = ""
    tags: dict[str, str] = Field(default_factory=dict)
    model_trainer: DottedPath
    constructor_args: dict[str, Any] = Field(default_factory=dict)
    dependencies: list[Dependency]
    split: SplitConfig | None = None
    save_to: Literal["envelope", "directory"] = "envelope"
    registry: RegistryLocation | None = None
    code: list[DottedPath] = Field(default_factory=list)
    output_dir: RelPath = Field(Path("models"), validate_default=True)
    cache_dir: RelPath | None = None


class ParameterSpec(_Model):
    """One hyperparameter. Grid: ``min``, ``max``, ``step`` (or ``choices``). Gaussian process:
    ``min``, ``max`` (bounds), ``log``, ``type`` int / float, or ``choices`` (categorical)."""

    type: Literal["float", "int", "categorical"] = "float"
    min: float | None = None
    max: float | None = None
    step: float | None = None
    log: bool = False
    choices: list[Any] | None = None

    @model_validator(mode="after")
    def _bounds(self) -> ParameterSpec:
        if self.type == "categorical" or self.choices is not None:
            if not self.choices:
                raise ValueError("a categorical parameter needs a non-empty 'choices' list")
            return self
        if self.min is None or self.max is None or self.min > self.max:
            raise ValueError("a numeric parameter needs 'min' <= 'max'")
        if self.log and self.min <= 0:
            raise ValueError("'log: true' needs 'min' > 0")
        if self.step is not None and self.step <= 0:
            raise ValueError("'step' must be > 0")
        return self


class TuningConfig(_Model):
    model: RelPath
    n_function_compute_workers: int = Field(1, ge=1)
    executor: Literal["threads", "processes"] = "processes"
    tuning_type: Literal["grid", "gaussian_process", "tpe"]
    parameters: dict[str, ParameterSpec]
    n_trials: int | None = Field(None, ge=1)
    n_initial_trials: int = Field(4, ge=1)
    metric: str
    direction: Literal["minimize", "maximize"] = "minimize"
    seed: int = 0

    @model_validator(mode="after")
    def _grid_steps(self) -> TuningConfig:
        if self.tuning_type == "grid":
            for name, spec in self.parameters.items():
                if spec.choices is None and spec.step is None:
                    raise ValueError(f"parameters.{name}: a grid needs 'step' (or 'choices')")
        elif self.n_trials is None:
            raise ValueError(f"tuning_type {self.tuning_type!r} needs n_trials")
        return self


class BacktestConfig(_Model):
    model: RelPath
    strategy: Literal["sliding_time_window", "expanding_window"]
    time_column: str
    days_backward: int = Field(gt=0)
    train_size: int = Field(gt=0)
    test_size: int = Field(gt=0)
    step: int = Field(gt=0)
    end_date: datetime.date | None = None
    n_function_compute_workers: int = Field(1, ge=1)
    executor: Literal["threads", "processes"] = "processes"
    metric: str | None = None


M = TypeVar("M", bound=BaseModel)


def _key_text(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _data_loc(loc: tuple[Any, ...], data: Any) -> tuple[Any, ...]:
    """pydantic's ``loc`` less the parts that are not keys in the data (union tags, root)."""
    out: list[Any] = []
    node = data
    for part in loc:
        in_mapping = isinstance(node, Mapping) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and part < len(node)
        if in_mapping or in_list:
            out.append(part)
            node = node[part]
    return tuple(out)


def _field_names(model: type[BaseModel], data: Any, loc: tuple[Any, ...]) -> list[str]:
    """The keys allowed where ``loc`` (an unknown key) is, for the did-you-mean."""
    parent_loc = loc[:-1]
    node = data
    for part in parent_loc:
        node = node[part]
    if isinstance(node, Mapping):
        op = node.get("operator")
        by_op: dict[str, type[BaseModel]] = {"sql": SqlExtract, "dataflow": DataflowExtract,
                                             "file": FileExtract}
        if op in by_op:
            return list(by_op[op].model_fields)
        if parent_loc and parent_loc[-1:] and isinstance(parent_loc[-1], int):
            return list(Dependency.model_fields)
        if len(parent_loc) >= 2 and parent_loc[-2] == "parameters":
            return list(ParameterSpec.model_fields)
        if parent_loc and parent_loc[-1] == "split":
            return list(SplitConfig.model_fields)
    return list(model.model_fields)


def _best_guess(name: str, known: list[str]) -> str:
    import difflib

    found = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return f" Did you mean {found[0]!r}?" if found else f" Known: {', '.join(known)}."


def validate(model: type[M], data: Any, lines: Lines, path: str | os.PathLike[str]) -> M:
    """``data`` (read from ``path``) as ``model``; a :class:`ConfigError` naming the file, line
    and key of the first problem (and how many others there are)."""
    try:
        return model.model_validate(data, context={"base_dir": Path(path).parent})
    except ValidationError as error:
        # an unknown key first: a misspelt key also makes the key it meant "missing"
        problems = sorted(error.errors(), key=lambda p: p["type"] != "extra_forbidden")
        first = problems[0]
        loc = _data_loc(tuple(first["loc"]), data)
        message = first["msg"]
        if first["type"] == "extra_forbidden":
            known = _field_names(model, data, loc)
            message = f"unknown key.{_best_guess(str(loc[-1]), known)}"
        elif first["type"] == "missing":
            loc = _data_loc(tuple(first["loc"][:-1]), data)
            message = f"missing key {first['loc'][-1]!r}"
        elif first["type"] == "union_tag_invalid":
            ctx = first.get("ctx", {})
            tags = [t.strip(" '") for t in str(ctx.get("expected_tags", "")).split(",")]
            loc = (*loc, "operator")
            message = (f"unknown operator {ctx.get('tag')!r}; use one of {', '.join(tags)}."
                       f"{_best_guess(str(ctx.get('tag')), tags)}")
        elif first["type"] == "value_error":
            message = message.removeprefix("Value error, ")
        if len(problems) > 1:
            message += f" (and {len(problems) - 1} more ...)"
        # a key given by an override (--set) has no line in the file
        line = lines.get(loc, None if first["type"] == "extra_forbidden" else lines.get(()))
        raise ConfigError(message, path, line, _key_text(loc) or None) from None


def set_dotted(data: dict[str, Any], dotted: str, value: Any) -> None:
    """``data`` with ``a.b.c`` set to ``value`` (the ``--set`` override), creating mappings."""
    parts = dotted.split(".")
    node = data
    for part in parts[:-1]:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise ConfigError(f"--set {dotted}: {part!r} is not a mapping")
    node[parts[-1]] = value


def _load(model: type[M], path: str | os.PathLike[str], variables: Mapping[str, Any] | None,
          overrides: Mapping[str, Any] | None = None) -> M:
    data, lines = load_yaml(path, variables)
    if not isinstance(data, dict):
        raise ConfigError("the file must hold a mapping of keys", path, 1)
    for dotted, value in (overrides or {}).items():
        set_dotted(data, dotted, value)
    return validate(model, data, lines, path)


def load_extract_file(path: str | os.PathLike[str],
                      variables: Mapping[str, Any] | None = None) -> ExtractFile:
    return _load(ExtractFile, path, variables)


def load_model_config(path: str | os.PathLike[str], variables: Mapping[str, Any] | None = None,
                      overrides: Mapping[str, Any] | None = None) -> ModelConfig:
    return _load(ModelConfig, path, variables, overrides)


def load_tuning_config(path: str | os.PathLike[str],
                       variables: Mapping[str, Any] | None = None) -> TuningConfig:
    return _load(TuningConfig, path, variables)


def load_backtest_config(path: str | os.PathLike[str],
                         variables: Mapping[str, Any] | None = None) -> BacktestConfig:
    return _load(BacktestConfig, path, variables)


def json_schemas() -> dict[str, dict[str, Any]]:
    """The JSON Schema of each kind of config file, for editors (``dataflow train --schema``)."""
    return {
        "extracts": ExtractFile.model_json_schema(),
        "model": ModelConfig.model_json_schema(),
        "tuning": TuningConfig.model_json_schema(),
        "backtest": BacktestConfig.model_json_schema(),
    }
