"""``@check_output(schema=...)``: a pandera schema checks a pandas or polars DataFrame / Series.

Imported only when a ``schema=`` check is declared (``dataflow[pandera]``), never at
``import dataflow``. The schema may be a pandera ``DataFrameSchema`` (pandas' or
``pandera.polars``'), a ``SeriesSchema``, or a ``DataFrameModel`` class.

The checked value is never changed: pandera validates a copy whenever the schema could
transform what it checks (coercion, parsers, defaults, added or filtered columns, dropped
rows), so upstream and downstream nodes see the object the function returned, with its dtypes
(Hamilton validates in place: its issue #278). On a column node (``@extract_columns`` without
``target_``), a ``DataFrameSchema`` checks only that column's part, so only the columns a run
uses are checked.
"""

from __future__ import annotations

import collections
import typing
from typing import Any

import pandera.errors
from pandera.api.base.schema import BaseSchema
from pandera.api.dataframe.model import DataFrameModel

from dataflow.data_quality.base import BaseDefaultValidator, ValidationResult, runtime_class

__all__ = ["PanderaSchemaValidator", "schema_of"]

_FRAMES = {("pandas", "DataFrame"), ("polars", "DataFrame"), ("polars", "LazyFrame")}
_COLUMNS = {("pandas", "Series"), ("polars", "Series")}


def _library_kind(datatype: Any) -> str | None:
    """``"frame"`` / ``"column"`` for pandas' and polars' DataFrame / Series types (pandera's
    ``DataFrame[Schema]`` annotations included, by their base classes), else ``None``."""
    runtime = runtime_class(datatype)
    for cls in getattr(runtime, "__mro__", ()):
        key = (cls.__module__.split(".")[0], cls.__name__)
        if key in _FRAMES:
            return "frame"
        if key in _COLUMNS:
            return "column"
    return None


def schema_of(schema: Any) -> BaseSchema:
    """``schema`` as a pandera schema object (a ``DataFrameModel`` class becomes its schema)."""
    if isinstance(schema, type) and issubclass(schema, DataFrameModel):
        return schema.to_schema()
    if isinstance(schema, BaseSchema):
        return schema
    raise ValueError(f"schema= takes a pandera DataFrameSchema, SeriesSchema or DataFrameModel "
                     f"class; got {schema!r}")


def _changes_data(schema: Any) -> bool:
    """Whether validating with ``schema`` may write into what it checks."""
    parts = [schema, *getattr(schema, "columns", {}).values()]
    index = getattr(schema, "index", None)
    if index is not None:
        parts.append(index)
    return bool(
        getattr(schema, "add_missing_columns", False) or getattr(schema, "strict", None) == "filter"
        or any(getattr(p, "coerce", False) or getattr(p, "parsers", None)
               or getattr(p, "default", None) is not None
               or getattr(p, "drop_invalid_rows", False) for p in parts))


def _private_copy(value: Any, schema: Any) -> Any:
    """What pandera may look at (and, with ``inplace``, write into) without touching ``value``:
    polars values as they are (immutable); for pandas a shallow copy (a new object, so even
    pandera's accessor bookkeeping stays off ``value``), deep when the schema may write and
    writes would reach ``value`` (pandas before 3 without copy-on-write)."""
    module = type(value).__module__.split(".")[0]
    if module != "pandas":
        return value
    from dataflow.base import _copy_needed

    return value.copy(deep=_changes_data(schema) and _copy_needed())


def _records(failure_cases: Any) -> list[dict[str, Any]]:
    if hasattr(failure_cases, "to_dicts"):  # polars
        return list(failure_cases.to_dicts())
    return list(failure_cases.to_dict("records"))


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def summarize(failure_cases: Any, rows: int) -> list[dict[str, Any]]:
    """pandera's failure cases grouped into problems, one per (column, check), in the order
    pandera found them: ``{"column", "check", "failing_rows", "examples"}``
    (``failing_rows`` is ``None`` for a problem of the whole column, such as its dtype)."""
    groups: dict[tuple[Any, str], list[dict[str, Any]]] = collections.defaultdict(list)
    for record in _records(failure_cases):
        column = None if _is_missing(record.get("column")) else record["column"]
        groups[(column, str(record.get("check")))].append(record)
    problems = []
    for (column, check), records in groups.items():
        whole = all(_is_missing(r.get("index")) for r in records)
        problems.append({
            "column": column, "check": check,
            "failing_rows": None if whole else len(records),
            "examples": [r.get("failure_case") for r in records[:5]],
        })
    return problems


def _describe(problem: dict[str, Any], rows: int) -> str:
    column, check, examples = problem["column"], problem["check"], problem["examples"]
    if check == "column_in_dataframe":
        return f"column {examples[0]!r} is missing"
    where = f"column {column!r}" if column is not None else "the frame"
    if problem["failing_rows"] is None:
        return f"{where}: {check} fails (found {', '.join(map(str, examples))})"
    shown = ", ".join(map(repr, examples)) + (", ..." if problem["failing_rows"] > 5 else "")
    return f"{where}: {check} fails on {problem['failing_rows']} of {rows} rows (e.g. {shown})"


def _height(value: Any) -> int:
    try:
        return len(value)
    except TypeError:  # a LazyFrame has no length before it is collected
        return 0


class PanderaSchemaValidator(BaseDefaultValidator):
    """Validates a pandas / polars DataFrame or Series against a pandera schema, reporting every
    problem at once (``lazy=True``) with its column, check and count of failing rows.

    ``column``: on a column node, check the series as that column of the schema (only that
    column's part of a ``DataFrameSchema``)."""

    def __init__(self, schema: Any, importance: str, column: str | None = None) -> None:
        super().__init__(importance)
        self.schema = schema_of(schema)
        self.column = column

    @classmethod
    def arg(cls) -> str:
        return "schema"

    @classmethod
    def name(cls) -> str:
        return "pandera_schema_validator"

    @classmethod
    def applies_to(cls, datatype: Any) -> bool:
        return _library_kind(datatype) is not None

    @classmethod
    def for_node(cls, schema: Any, importance: str, node_name: str,
                 node_type: Any) -> PanderaSchemaValidator | None:
        """The validator of ``schema`` on the node ``node_name`` of type ``node_type``: a
        ``DataFrameSchema`` on a column node checks that column only (``None`` when the schema
        has no such column: an unused part of the schema is not checked)."""
        checked: Any = schema_of(schema)
        if _library_kind(node_type) != "column" or not hasattr(checked, "columns"):
            return cls(checked, importance)
        if node_name not in checked.columns:
            return None
        frame_wide = [what for what, present in (
            ("checks", bool(checked.checks)), ("strict", bool(checked.strict)),
            ("unique", bool(getattr(checked, "unique", None))),
            ("index", getattr(checked, "index", None) is not None)) if present]
        if frame_wide:
            raise ValueError(
                f"the schema has frame-wide parts ({', '.join(frame_wide)}) that cannot be "
                f"checked on column {node_name!r} alone; check the whole frame with "
                "target_='<the function's name>'")
        column_schema = type(checked)({node_name: checked.columns[node_name]},
                                      coerce=checked.coerce)
        return cls(column_schema, importance, column=node_name)

    def description(self) -> str:
        what = f"column {self.column!r}" if self.column else "The value"
        name = getattr(self.schema, "name", None) or type(self.schema).__name__
        return f"{what} matches the pandera schema {name}."

    def validate(self, dataset: Any) -> ValidationResult:
        checked = dataset.to_frame(self.column) if self.column else dataset
        checked = _private_copy(checked, self.schema)
        rows = _height(checked)
        try:
            pandas = type(checked).__module__.split(".")[0] == "pandas"
            # inplace: pandera writes into our private copy rather than making its own
            outcome = (self.schema.validate(checked, lazy=True, inplace=True) if pandas
                       else self.schema.validate(checked, lazy=True))
            if hasattr(outcome, "dask"):
                outcome.compute()
        except pandera.errors.SchemaErrors as error:
            problems = summarize(error.failure_cases, rows)
            return ValidationResult(
                passes=False,
                message=f"{len(problems)} problem(s): "
                        + "; ".join(_describe(p, rows) for p in problems) + ".",
                diagnostics={"schema_errors": error.schema_errors, "problems": problems,
                             "data_size": rows})
        return ValidationResult(True, "The value matches the pandera schema.",
                                {"data_size": rows})


VALIDATORS: tuple[type[BaseDefaultValidator], ...] = (PanderaSchemaValidator,)
TYPES = {PanderaSchemaValidator: "pandas / polars DataFrame or Series"}


def schema_from_annotation(annotation: Any) -> Any:
    """The ``DataFrameModel`` of a ``pandera.typing`` annotation (``DataFrame[Schema]``), or
    ``None``."""
    for arg in typing.get_args(annotation):
        if isinstance(arg, type) and issubclass(arg, DataFrameModel):
            return arg
    return None
