"""What the model dashboard draws, as plain pandas: the tags to choose from, the models a choice
selects, and the points, curves and matrices of their metrics.

No web library here: each function takes the registry's records (``Registry.find``) and its tidy
metrics (``Registry.metrics``) and returns a frame or a list, so the dashboard's content is tested
without a browser. :mod:`dataflow.envelope.dashboard` turns them into plotly figures.

>>> tag_choices([]), selection_query({"region": ["US"], "owner": []})
({}, {'region': ['US']})
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from dataflow.envelope.registry import ModelRecord

X_AXES = ("logged_at", "created_at")
"""What a metric's time series is drawn against: when each value was logged, or when each
model was saved (its latest value)."""
CURVE_AXES = (("fpr", "tpr"), ("recall", "precision"), ("x", "y"))
"""Known (x, y) pairs of a curve logged as a dict of lists; otherwise its first two lists."""
ALL_MODELS = "all models"


def tag_choices(records: Iterable[ModelRecord]) -> dict[str, list[str]]:
    """Every tag key of the models, with the values it takes, sorted."""
    found: dict[str, set[str]] = {}
    for record in records:
        for key, value in record.tags.items():
            found.setdefault(key, set()).add(value)
    return {key: sorted(found[key]) for key in sorted(found)}


def selection_query(selected: Mapping[str, Sequence[str] | str | None]) -> dict[str, list[str]]:
    """The tag query of a choice in the dashboard: keys with no value chosen match anything."""
    query: dict[str, list[str]] = {}
    for key, values in selected.items():
        if values:
            query[key] = [values] if isinstance(values, str) else list(values)
    return query


def model_label(record: ModelRecord) -> str:
    """How a model is named in legends: its id and description, shortened."""
    description = record.description if len(record.description) <= 32 else (
        record.description[:31] + "…")
    return f"{record.id}: {description}"


def models_frame(records: Sequence[ModelRecord]) -> pd.DataFrame:
    """One row per model, newest first: id, created_at, description, then a column per tag."""
    keys = sorted({key for record in records for key in record.tags})
    rows = [{"id": r.id, "created_at": r.created_at, "description": r.description,
             **{key: r.tags.get(key) for key in keys}} for r in records]
    return pd.DataFrame(rows, columns=["id", "created_at", "description", *keys])


def metric_names(metrics: pd.DataFrame) -> tuple[list[str], list[str]]:
    """(numeric metric names, structured metric names the dashboard can draw), each with the
    best to show first: the numbers logged most often (a loss logged over training), then by
    name; curves before matrices, then by name."""
    counts = metrics.loc[metrics["value"].notna(), "name"].value_counts()
    numbers = sorted(counts.index, key=lambda name: (-counts[name], name))
    kinds: dict[str, int] = {}
    for name, value in zip(metrics["name"], metrics["structured"]):
        if value is not None and name not in kinds:
            kind = 0 if curve_xy(value) else 1 if matrix_of(value) else None
            if kind is not None:
                kinds[name] = kind
    return numbers, sorted(kinds, key=lambda name: (kinds[name], name))


def _latest(metrics: pd.DataFrame, name: str, column: str) -> pd.DataFrame:
    """The last value logged of one metric per model (rows in logging order)."""
    rows = metrics[(metrics["name"] == name) & metrics[column].notna()]
    return rows.drop_duplicates("model_id", keep="last")


def _group(record: ModelRecord, group_by: str | None) -> str:
    if not group_by:
        return ALL_MODELS
    return record.tags.get(group_by) or f"{group_by} not set"


def series_points(metrics: pd.DataFrame, records: Sequence[ModelRecord], name: str,
                  x: str = "logged_at", group_by: str | None = None) -> pd.DataFrame:
    """The points of a metric's time series across models: columns model_id, x, value, series.

    ``x="logged_at"``: every value logged, one series per model (how the metric moved);
    ``x="created_at"``: each model's latest value at the time the model was saved, one series
    per value of the tag ``group_by`` (how successive models compare).
    """
    if x not in X_AXES:
        raise ValueError(f"series_points(x={x!r}): x is one of {', '.join(X_AXES)}")
    by_id = {record.id: record for record in records}
    columns = ["model_id", "x", "value", "series"]
    if x == "logged_at":
        rows = metrics[(metrics["name"] == name) & metrics["value"].notna()
                       & metrics["model_id"].isin(by_id)]
        points = pd.DataFrame({"model_id": rows["model_id"], "x": rows["logged_at"],
                               "value": rows["value"],
                               "series": [model_label(by_id[i]) for i in rows["model_id"]]})
    else:
        rows = _latest(metrics, name, "value")
        rows = rows[rows["model_id"].isin(by_id)]
        points = pd.DataFrame({"model_id": rows["model_id"],
                               "x": [by_id[i].created_at for i in rows["model_id"]],
                               "value": rows["value"],
                               "series": [_group(by_id[i], group_by) for i in rows["model_id"]]})
    order = ["model_id", "x"] if x == "logged_at" else ["series", "x"]
    return points.sort_values(order, kind="stable").reset_index(drop=True)[columns]


def scatter_points(metrics: pd.DataFrame, records: Sequence[ModelRecord], x_name: str,
                   y_name: str, group_by: str | None = None) -> pd.DataFrame:
    """One point per model that has both metrics (their latest values): columns model_id,
    label, x, y, series (the value of the tag ``group_by``)."""
    by_id = {record.id: record for record in records}
    x_rows = _latest(metrics, x_name, "value").set_index("model_id")["value"]
    y_rows = _latest(metrics, y_name, "value").set_index("model_id")["value"]
    ids = [i for i in by_id if i in x_rows.index and i in y_rows.index]
    return pd.DataFrame({"model_id": pd.Series(ids, dtype="int64"),
                         "label": [model_label(by_id[i]) for i in ids],
                         "x": pd.Series([x_rows[i] for i in ids], dtype="float64"),
                         "y": pd.Series([y_rows[i] for i in ids], dtype="float64"),
                         "series": [_group(by_id[i], group_by) for i in ids]})


def _numbers(value: Any) -> list[float] | None:
    if not isinstance(value, list) or not value:
        return None
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        return None
    return [float(v) for v in value]


def curve_xy(value: Any) -> tuple[str, list[float], str, list[float]] | None:
    """(x name, xs, y name, ys) of a structured metric that is a curve, else None.

    A dict of equal-length lists of numbers (``{"fpr": [...], "tpr": [...]}``: the known pairs
    of :data:`CURVE_AXES` first, else its first two lists), or a list of numbers (drawn against
    its index).
    """
    if isinstance(value, Mapping):
        lists = {key: numbers for key, item in value.items()
                 if (numbers := _numbers(item)) is not None}
        pairs = [pair for pair in CURVE_AXES if set(pair) <= set(lists)]
        if not pairs and len(lists) >= 2:
            pairs = [tuple(list(lists)[:2])]  # type: ignore[list-item]
        for x_key, y_key in pairs:
            if len(lists[x_key]) == len(lists[y_key]):
                return x_key, lists[x_key], y_key, lists[y_key]
        return None
    numbers = _numbers(value)
    if numbers is not None:
        return "index", [float(i) for i in range(len(numbers))], "value", numbers
    return None


def matrix_of(value: Any) -> list[list[float]] | None:
    """A structured metric that is a matrix (a confusion matrix: a list of equal-length lists of
    numbers), else None."""
    if not isinstance(value, list) or not value:
        return None
    rows = [_numbers(row) for row in value]
    if any(row is None for row in rows) or len({len(row or []) for row in rows}) != 1:
        return None
    return [row for row in rows if row is not None]


@dataclass(frozen=True)
class Structured:
    """One model's latest value of a structured metric, as the dashboard draws it: a curve
    (``x``/``y`` with their names) or a ``matrix``."""

    model_id: int
    label: str
    x_name: str = ""
    x: tuple[float, ...] = ()
    y_name: str = ""
    y: tuple[float, ...] = ()
    matrix: tuple[tuple[float, ...], ...] = ()


def structured_values(metrics: pd.DataFrame, records: Sequence[ModelRecord], name: str,
                      model_ids: Iterable[int]) -> list[Structured]:
    """The latest value of a structured metric of each of the models, in the order given; models
    without one, or whose value is neither a curve nor a matrix, are left out."""
    by_id = {record.id: record for record in records}
    latest = _latest(metrics, name, "structured").set_index("model_id")["structured"]
    found = []
    for model_id in model_ids:
        if model_id not in by_id or model_id not in latest.index:
            continue
        value, label = latest[model_id], model_label(by_id[model_id])
        if (curve := curve_xy(value)) is not None:
            x_name, xs, y_name, ys = curve
            found.append(Structured(model_id, label, x_name, tuple(xs), y_name, tuple(ys)))
        elif (matrix := matrix_of(value)) is not None:
            found.append(Structured(model_id, label,
                                    matrix=tuple(tuple(row) for row in matrix)))
    return found


def models_with(metrics: pd.DataFrame, records: Sequence[ModelRecord], name: str) -> list[int]:
    """Ids of the models (newest first) that have a drawable value of the structured metric."""
    drawable = {i for i, n, v in zip(metrics["model_id"], metrics["name"], metrics["structured"])
                if n == name and v is not None and (curve_xy(v) or matrix_of(v))}
    return [record.id for record in records if record.id in drawable]
