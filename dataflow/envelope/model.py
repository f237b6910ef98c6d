"""Saving a model into its envelope, and loading it back as a checked callable."""

from __future__ import annotations

import datetime as dt
import threading
import types
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import cloudpickle
import pandas as pd

from dataflow.envelope import describe
from dataflow.envelope.database import default_location
from dataflow.envelope.query import a_type
from dataflow.envelope.registry import Registry, check_tags
from dataflow.errors import DataflowError, close_names

if TYPE_CHECKING:
    from dataflow.envelope.registry import ModelRecord

SAMPLE_ROWS = 1000
"""Rows of ``api_input`` the model is run on at save time (schemas and statistics)."""


class ModelRefusedError(DataflowError):
    """``save_model`` refused a model (it fails on its own ``api_input``, or is not callable)."""


class InputSchemaError(DataflowError):
    """A loaded model was called with input that does not fit its stored schema."""


@dataclass(frozen=True)
class Envelope:
    """A saved model's description: what it takes and returns, what it needs, who saved it.

    Returned by :func:`save_model` and :meth:`Registry.get`; :meth:`load` gives the model.
    """

    id: int
    description: str
    tags: dict[str, str]
    created_at: dt.datetime
    artifact: str
    call: str
    """``"predict"`` for an object with a ``predict`` method, else ``"call"``."""
    input_schema: dict[str, str]
    """Column → dtype of the input (from ``api_input``)."""
    output_kind: str
    """What the model returns: ``frame``, ``series``, ``array``, ``list`` or ``scalar``."""
    output_schema: dict[str, str]
    input_stats: dict[str, dict[str, Any]]
    output_stats: dict[str, dict[str, Any]]
    environment: dict[str, Any]
    code: dict[str, str]
    """Module name → source of the custom modules saved with the model."""
    saved: dict[str, Any]
    """Who, when, where: user, host, saved_at, pid, cwd, argv, executable."""
    sample_rows: int
    registry: Registry | None = field(default=None, compare=False, repr=False)

    @property
    def requirements(self) -> list[str]:
        """``name==version`` lines of the distributions the model's code imports."""
        return describe.requirement_lines(self.environment)

    def load(self) -> LoadedModel:
        """The saved model, as a checked callable."""
        return self._registry().load(self.id)

    def log_metrics(self, **metrics: Any) -> None:
        """Record metrics of this model (see :func:`log_metrics`)."""
        self._registry().log_metrics(self.id, **metrics)

    def add_tags(self, **tags: str) -> None:
        """Set tags on this model (see :meth:`Registry.add_tags`)."""
        self._registry().add_tags(self.id, **tags)

    def _registry(self) -> Registry:
        if self.registry is None:
            raise DataflowError(f"model {self.id} has no registry attached; use "
                                "Registry(...).load(id).")
        return self.registry


def details_of(envelope: Envelope) -> dict[str, Any]:
    """What the registry stores as JSON for an envelope (everything but what has columns)."""
    return {name: getattr(envelope, name) for name in DETAIL_FIELDS}


DETAIL_FIELDS = ("call", "input_schema", "output_kind", "output_schema", "input_stats",
                 "output_stats", "environment", "code", "saved", "sample_rows")

_NUMBER, _TEXT = "number", "text"


def _dtype_class(dtype_name: str) -> str:
    """Families of dtypes that may stand for each other at call time."""
    lowered = dtype_name.lower()
    if lowered.startswith(("int", "uint", "float")):
        return _NUMBER
    if lowered == "bool" or lowered == "boolean":
        return "bool"
    if lowered.startswith("datetime"):
        return "datetime"
    if lowered.startswith("timedelta"):
        return "timedelta"
    if lowered in ("object", "string", "str", "category") or lowered.startswith("string"):
        return _TEXT
    return lowered


class LoadedModel:
    """A model loaded from the registry: call it as the saved one (``model(frame)``, or
    ``model.predict(frame)``); the input is checked against the stored schema first and
    reduced to the stored columns, in their order."""

    def __init__(self, envelope: Envelope, model: Any) -> None:
        self.envelope = envelope
        self.model = model
        self._call = model.predict if envelope.call == "predict" else model

    @classmethod
    def from_bytes(cls, envelope: Envelope, data: bytes) -> LoadedModel:
        return cls(envelope, cloudpickle.loads(data))

    def __repr__(self) -> str:
        name = self.envelope.tags.get("canonical_name", self.envelope.description)
        return f"<LoadedModel {self.envelope.id} {name!r}>"

    def check_input(self, data: Any) -> pd.DataFrame:
        """``data`` as the frame the model takes; :class:`InputSchemaError` names missing and
        mistyped columns."""
        where = f"model {self.envelope.id} ({self.envelope.description!r})"
        rows = isinstance(data, list) and all(isinstance(row, Mapping) for row in data)
        if isinstance(data, Mapping) or rows:
            try:
                data = pd.DataFrame(data)
            except ValueError as error:  # scalars, or columns of different lengths
                raise InputSchemaError(
                    f"{where}: this dict is not a table ({error}): give a dict of columns "
                    "(lists of one length), or one row as a list of one dict: "
                    "model([{'column': value, ...}]).") from error
        if not isinstance(data, pd.DataFrame):
            raise InputSchemaError(f"{where} takes a pandas DataFrame (or a dict of columns, "
                                   f"or a list of row dicts), not {a_type(data)}.")
        expected = self.envelope.input_schema
        label = {str(c): c for c in data.columns}  # the schema names columns by str(label)
        present = list(label)
        problems = []
        missing = [c for c in expected if c not in present]
        for column in missing:
            hint = close_names(column, [c for c in present if c not in expected])
            problems.append(f"column {column!r} ({expected[column]}) is missing"
                            + (f" (did you mean {' or '.join(map(repr, hint))}?)"
                               if hint else ""))
        named = [str(c) for c in data.columns]
        for column, dtype in expected.items():
            if named.count(column) > 1:  # which one the model would get is anyone's guess
                problems.append(f"column {column!r} appears {named.count(column)} times")
            elif column in present:
                given = str(data[label[column]].dtype)
                if _dtype_class(given) != _dtype_class(dtype):
                    problems.append(f"column {column!r} is {given}, expected {dtype}")
        if problems:
            raise InputSchemaError(f"{where}: the input does not fit the saved schema: "
                                   + "; ".join(problems) + ".")
        wanted = [label[column] for column in expected]
        if list(data.columns) != wanted:
            data = data[wanted]
        return data

    def __call__(self, data: Any) -> Any:
        return self._call(self.check_input(data))

    def predict(self, data: Any) -> Any:
        return self(data)


def _callable_of(model: Any) -> tuple[str, Any]:
    predict = getattr(model, "predict", None)
    if callable(predict) and not isinstance(model, types.FunctionType):
        return "predict", predict
    if callable(model):
        return "call", model
    raise ModelRefusedError(
        f"save_model: {a_type(model)} is neither callable nor has a predict method; "
        "save a function of a DataFrame, a callable object, or an object with .predict(frame).")


def _name_of(model: Any) -> str:
    return getattr(model, "__qualname__", None) or type(model).__qualname__


def save_model(model: Any, description: str, tags: Mapping[str, str] | None = None,
               api_input: pd.DataFrame | None = None,
               code: Iterable[types.ModuleType] = (),
               registry: Registry | None = None) -> Envelope:
    """Save a model (a function of a DataFrame, a callable object, or an object with
    ``predict``) with its description and string tags; returns its :class:`Envelope`.

    The model is run on a sample of ``api_input`` first: its input and output schemas and
    statistics come from that run, and a model that fails on its own input is refused. The
    environment (Python, the pinned distributions its code imports), the source of the ``code``
    modules (which are also pickled by value, so they need not be installed where the model is
    loaded) and who/when/where are stored with it.

    >>> import tempfile, pandas as pd
    >>> registry = Registry(tempfile.mkdtemp())
    >>> def ltv(frame: pd.DataFrame) -> pd.Series:
    ...     return frame["spend"] * 3
    >>> saved = save_model(ltv, description="3x spend", tags={"canonical_name": "ltv"},
    ...                    api_input=pd.DataFrame({"spend": [1.0, 2.0]}), registry=registry)
    >>> saved.input_schema, saved.output_schema
    ({'spend': 'float64'}, {'spend': 'float64'})
    >>> registry.load(saved.id)(pd.DataFrame({"spend": [10.0]})).tolist()
    [30.0]
    """
    call, function = _callable_of(model)
    if not isinstance(description, str) or not description.strip():
        raise ModelRefusedError("save_model: description= is required (a sentence saying what "
                                "the model predicts, for whom).")
    tags = check_tags(dict(tags or {}), "save_model(tags=...)")
    if not isinstance(api_input, pd.DataFrame) or api_input.empty:
        raise ModelRefusedError(
            "save_model: api_input= is required: a pandas DataFrame with at least one row of "
            "what the model is called with (its schema and a sample are stored), not "
            f"{'an empty DataFrame' if isinstance(api_input, pd.DataFrame) else repr(api_input)}.")
    code = list(code)
    sources = describe.code_sources(code)
    sample = api_input
    if len(api_input) > SAMPLE_ROWS:
        sample = api_input.sample(n=SAMPLE_ROWS, random_state=0).sort_index()
    try:
        output = function(sample.copy())
    except Exception as error:
        raise ModelRefusedError(
            f"save_model refused {_name_of(model)!r}: it fails on its own api_input "
            f"({len(sample)} rows, columns {list(map(str, sample.columns))}) with "
            f"{type(error).__name__}: {error}") from error
    output_kind, output = describe.output_frame(output)
    registry = registry if registry is not None else _default_registry()
    registry._check_writable("save a model")
    artifact = registry.artifacts.write(lambda file: _pickle(model, code, file))
    saved = describe.provenance()
    fields: dict[str, Any] = {
        "call": call,
        "input_schema": describe.schema_of(api_input),
        "output_kind": output_kind,
        "output_schema": describe.schema_of(output),
        "input_stats": describe.frame_stats(sample),
        "output_stats": describe.frame_stats(output),
        "environment": describe.environment(describe.modules_used_by(model, code)),
        "code": sources,
        "saved": saved,
        "sample_rows": len(sample),
    }
    model_id, created_at = registry._insert_model(
        description=description, tags=tags, artifact=artifact, user=saved["user"],
        host=saved["host"], details=fields)
    return Envelope(id=model_id, description=description, tags=dict(sorted(tags.items())),
                    created_at=created_at, artifact=artifact, registry=registry, **fields)


_PICKLE_LOCK = threading.Lock()


def _pickle(model: Any, code: list[types.ModuleType], file: Any) -> None:
    """Pickle ``model`` into ``file``, with the ``code`` modules by value."""
    with _PICKLE_LOCK:  # registering by value is process-wide
        registered = []
        for module in code:
            try:
                cloudpickle.register_pickle_by_value(module)
                registered.append(module)
            except ValueError:  # already registered by the caller
                pass
        try:
            cloudpickle.dump(model, file, protocol=5)  # streamed into the temporary file
        finally:
            for module in registered:
                cloudpickle.unregister_pickle_by_value(module)


_DEFAULT: dict[str, Registry] = {}


def _default_registry() -> Registry:
    location = default_location()
    if location not in _DEFAULT:
        _DEFAULT[location] = Registry(location)
    return _DEFAULT[location]


def registry_of(model: Any, registry: Registry | None) -> Registry:
    """The registry given, else the envelope's own, else the default one."""
    if registry is not None:
        return registry
    own = getattr(model, "registry", None)
    if isinstance(own, Registry):
        return own
    loaded = getattr(model, "envelope", None)
    if loaded is not None and isinstance(getattr(loaded, "registry", None), Registry):
        return loaded.registry
    return _default_registry()


def log_metrics(model_or_id: int | Envelope | ModelRecord | LoadedModel,
                registry: Registry | None = None, **metrics: Any) -> None:
    """Record metrics of a saved model, timestamped, from any process: numbers
    (``training_loss=0.12``) and structured values (``roc_curve={"fpr": [...], "tpr": [...]}``,
    arrays, DataFrames: stored as JSON).

    ``model_or_id`` is an id, an envelope, a record or a loaded model; the registry is the one
    given, else the envelope's, else the default one.
    """
    model_id: Any = model_or_id
    if isinstance(model_or_id, LoadedModel):
        model_id = model_or_id.envelope.id
    registry_of(model_or_id, registry).log_metrics(getattr(model_id, "id", model_id), **metrics)


__all__ = ["Envelope", "InputSchemaError", "LoadedModel", "ModelRefusedError", "log_metrics",
           "save_model"]
