"""The model operations dashboard: a web page over a registry (Dash, plotly).

Choose tags, and see the models they select: a time series of a metric across them, a scatter
of two metrics, the curves (or confusion matrices) of a few models side by side, and a table of
the models and their tags. ``dataflow models dashboard`` serves it; :func:`create_app` builds it
(tests and other servers mount ``app.server``, a Flask app). Everything the page loads — Dash's
and plotly's JavaScript, the styles — is served by the app itself: nothing comes from the
internet.

The page is read from the registry when it loads (new tags and metrics appear on reload) and
every choice queries the registry again (``find`` and ``metrics`` of the selected models).

>>> app = create_app(Registry(tmp_dir))  # doctest: +SKIP
>>> app.run(host="127.0.0.1", port=8050)  # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd
import plotly.graph_objects as go
from dash import ALL, Dash, Input, Output, State, dcc, html
from plotly.colors import qualitative
from plotly.subplots import make_subplots

from dataflow.envelope.dashboard_data import (
    ALL_MODELS,
    X_AXES,
    Structured,
    metric_names,
    models_frame,
    models_with,
    scatter_points,
    selection_query,
    series_points,
    structured_values,
    tag_choices,
)
from dataflow.envelope.query import format_query, query_from
from dataflow.envelope.registry import Registry

if TYPE_CHECKING:
    from dataflow.envelope.registry import ModelRecord

MAX_CURVE_MODELS = 4
"""How many models' curves are drawn side by side at most (the newest matching by default)."""
DEFAULT_GROUP_BY = "canonical_name"
TEMPLATE = "plotly_white"
PALETTE = qualitative.Plotly


# --- figures -----------------------------------------------------------------------------------

def _empty(title: str, why: str) -> go.Figure:
    figure = go.Figure()
    figure.update_layout(title=title, template=TEMPLATE, xaxis={"visible": False},
                         yaxis={"visible": False},
                         annotations=[{"text": why, "showarrow": False, "xref": "paper",
                                       "yref": "paper", "x": 0.5, "y": 0.5}])
    return figure


def model_colours(records: Sequence[ModelRecord]) -> dict[int, str]:
    """A colour per model (by id), so a model has the same colour in every chart."""
    ids = sorted(record.id for record in records)
    return {model_id: PALETTE[n % len(PALETTE)] for n, model_id in enumerate(ids)}


def timeseries_figure(points: pd.DataFrame, name: str | None, x: str = "logged_at",
                      colours: Mapping[int, str] | None = None) -> go.Figure:
    """A line per series of :func:`~dataflow.envelope.dashboard_data.series_points` (in the
    model's colour of ``colours`` when a series is a model's)."""
    title = f"{name} over {'logging time' if x == 'logged_at' else 'model creation time'}"
    if not name or points.empty:
        return _empty(title if name else "time series", "no values of this metric for the "
                      "selected models" if name else "no numeric metric logged")
    figure = go.Figure()
    for series, rows in points.groupby("series", sort=False):
        colour = (colours or {}).get(int(rows["model_id"].iloc[0])) if x == "logged_at" else None
        figure.add_trace(go.Scatter(
            x=rows["x"], y=rows["value"], mode="lines+markers", name=str(series),
            line={"color": colour}, marker={"color": colour},
            customdata=rows["model_id"],
            hovertemplate="model %{customdata}<br>%{x}<br>" + name + "=%{y}<extra></extra>"))
    figure.update_layout(title=title, template=TEMPLATE, xaxis_title=x, yaxis_title=name,
                         legend_title="model" if x == "logged_at" else "")
    return figure


def scatter_figure(points: pd.DataFrame, x_name: str | None, y_name: str | None) -> go.Figure:
    """A point per model of :func:`~dataflow.envelope.dashboard_data.scatter_points`, coloured
    by series."""
    title = f"{y_name} against {x_name}"
    if not x_name or not y_name or points.empty:
        return _empty(title if x_name and y_name else "scatter",
                      "no model has both metrics" if x_name and y_name
                      else "choose two numeric metrics")
    figure = go.Figure()
    for series, rows in points.groupby("series", sort=True):
        figure.add_trace(go.Scatter(
            x=rows["x"], y=rows["y"], mode="markers+text", name=str(series),
            text=rows["model_id"].astype(str), textposition="top center",
            customdata=rows["label"], marker={"size": 11},
            hovertemplate="%{customdata}<br>" + f"{x_name}=%{{x}}<br>{y_name}=%{{y}}"
                          "<extra></extra>"))
    figure.update_layout(title=title, template=TEMPLATE, xaxis_title=x_name, yaxis_title=y_name,
                         showlegend=len(figure.data) > 1 or points["series"].iloc[0] != ALL_MODELS)
    return figure


def structured_figure(values: Sequence[Structured], name: str | None, overlay: bool = False,
                      colours: Mapping[int, str] | None = None) -> go.Figure:
    """The curves (or matrices) of a few models: side by side, one panel per model sharing
    their axes, or curves overlaid in one panel (``overlay=True``)."""
    if not name or not values:
        return _empty(name or "curves", "no curve of this metric for the selected models"
                      if name else "no curve or matrix logged")
    curves_only = all(not value.matrix for value in values)
    panels = 1 if overlay and curves_only else len(values)
    figure = make_subplots(rows=1, cols=panels, shared_yaxes=curves_only,
                           subplot_titles=None if panels == 1 else [v.label for v in values],
                           horizontal_spacing=0.04 if curves_only else 0.08)
    for column, value in enumerate(values, start=1):
        column = 1 if panels == 1 else column
        if value.matrix:
            figure.add_trace(go.Heatmap(z=[list(row) for row in value.matrix], name=value.label,
                                        coloraxis="coloraxis", texttemplate="%{z}"),
                             row=1, col=column)
            figure.update_yaxes(autorange="reversed", dtick=1, row=1, col=column)
            figure.update_xaxes(dtick=1, row=1, col=column)
            continue
        colour = (colours or {}).get(value.model_id)
        figure.add_trace(go.Scatter(x=list(value.x), y=list(value.y), mode="lines+markers",
                                    name=value.label, line={"color": colour},
                                    hovertemplate=f"{value.label}<br>{value.x_name}=%{{x}}<br>"
                                                  f"{value.y_name}=%{{y}}<extra></extra>"),
                         row=1, col=column)
        figure.update_xaxes(title_text=value.x_name, row=1, col=column)
        if column == 1:
            figure.update_yaxes(title_text=value.y_name, row=1, col=column)
    figure.update_layout(title=f"{name}: {len(values)} model{'s' if len(values) != 1 else ''}",
                         template=TEMPLATE, showlegend=panels == 1 and len(values) > 1,
                         coloraxis={"colorscale": "Blues"})
    return figure


# --- the page ----------------------------------------------------------------------------------

def _registry(registry: Registry | str | os.PathLike[str] | None) -> Registry:
    return registry if isinstance(registry, Registry) else Registry(registry)


def _dropdown(id_: str, options: Sequence[str], value: Any, **more: Any) -> dcc.Dropdown:
    return dcc.Dropdown(id=id_, options=list(options), value=value, **more)


def _labelled(label: str, control: Any, width: str = "15rem") -> html.Div:
    return html.Div([html.Label(label, style={"fontWeight": "600", "fontSize": "0.85rem"}),
                     control], style={"width": width, "display": "inline-block",
                                      "verticalAlign": "top", "marginRight": "1rem"})


def layout(registry: Registry) -> html.Div:
    """The page as the registry is now: a filter per tag key, the chart controls, the charts and
    the table (their content comes from :func:`update`)."""
    records = registry.find()
    choices = tag_choices(records)
    numbers, structured = metric_names(registry.metrics())
    filters = [_labelled(key, dcc.Dropdown(id={"type": "tag-filter", "key": key},
                                           options=values, value=[], multi=True,
                                           placeholder="any"), width="12rem")
               for key, values in choices.items()]
    group_by = DEFAULT_GROUP_BY if DEFAULT_GROUP_BY in choices else None
    section = {"marginTop": "1rem"}
    return html.Div([
        html.H2("Models"),
        html.Div(f"registry: {registry.engine.url.render_as_string(hide_password=True)}",
                 style={"color": "#666", "fontSize": "0.85rem"}),
        html.Div(filters or [html.Em("no models in this registry yet")], id="tag-filters",
                 style=section),
        html.Div(id="match-count", style={**section, "fontWeight": "600"}),
        html.Div([
            _labelled("metric", _dropdown("metric", numbers, numbers[0] if numbers else None)),
            _labelled("against", dcc.RadioItems(id="x-axis", options=list(X_AXES),
                                                value="logged_at", inline=True)),
            _labelled("group by tag", _dropdown("group-by", list(choices), group_by)),
        ], style=section),
        dcc.Graph(id="timeseries"),
        html.Div([
            _labelled("scatter x", _dropdown("scatter-x", numbers,
                                             numbers[0] if numbers else None)),
            _labelled("scatter y", _dropdown("scatter-y", numbers,
                                             numbers[1 if len(numbers) > 1 else 0]
                                             if numbers else None)),
        ], style=section),
        dcc.Graph(id="scatter"),
        html.Div([
            _labelled("curve", _dropdown("curve-metric", structured,
                                         structured[0] if structured else None)),
            _labelled("models", _dropdown("curve-models", [], [], multi=True), width="30rem"),
            _labelled("", dcc.Checklist(id="overlay", options=["overlay"], value=[])),
        ], style=section),
        dcc.Graph(id="curves"),
        html.H3("Selected models", style=section),
        html.Table(id="models-table", style={"borderCollapse": "collapse",
                                              "fontSize": "0.85rem"}),
    ], style={"fontFamily": "sans-serif", "margin": "1rem 2rem"})


def _selected(keys: Sequence[Mapping[str, Any]], values: Sequence[Any]) -> dict[str, list[str]]:
    return selection_query({key["key"]: value for key, value in zip(keys, values)})


CELL = {"border": "1px solid #ddd", "padding": "0.25rem 0.75rem", "textAlign": "left"}


def models_table(records: Sequence[ModelRecord]) -> list[html.Thead | html.Tbody]:
    """The rows of the models table: id, when saved, description, then a column per tag."""
    frame = models_frame(records)
    frame["created_at"] = [moment.strftime("%Y-%m-%d %H:%M:%S") for moment in frame["created_at"]]
    head = html.Thead(html.Tr([html.Th(column, style={**CELL, "background": "#f4f4f4"})
                               for column in frame.columns]))
    body = html.Tbody([html.Tr([html.Td("" if value is None else str(value), style=CELL)
                                for value in row]) for row in frame.itertuples(index=False)])
    return [head, body]


def create_app(registry: Registry | str | os.PathLike[str] | None = None, *,
               title: str = "dataflow models") -> Dash:
    """The dashboard of a registry (a :class:`Registry`, a directory or URL, or the default
    registry) as a Dash app; ``app.run(host=..., port=...)`` serves it, ``app.server`` is its
    Flask app. Its scripts and styles are served locally (``serve_locally``)."""
    registry = _registry(registry)
    app = Dash(__name__, title=title, serve_locally=True, update_title="",
               suppress_callback_exceptions=True)
    app.layout = lambda: layout(registry)

    @app.callback(Output("curve-models", "options"), Output("curve-models", "value"),
                  Input({"type": "tag-filter", "key": ALL}, "value"),
                  Input("curve-metric", "value"),
                  State({"type": "tag-filter", "key": ALL}, "id"),
                  State("curve-models", "value"))
    def curve_models(tag_values: list[Any], name: str | None, tag_ids: list[dict[str, str]],
                     chosen: list[int] | None) -> tuple[list[dict[str, Any]], list[int]]:
        records = registry.find(_selected(tag_ids, tag_values))
        metrics = registry.metrics(_selected(tag_ids, tag_values), names=[name] if name else [])
        ids = models_with(metrics, records, name) if name else []
        labels = {record.id: record for record in records}
        options = [{"label": f"{i}: {labels[i].description}", "value": i} for i in ids]
        kept = [i for i in chosen or [] if i in ids]
        return options, kept or ids[:MAX_CURVE_MODELS]

    @app.callback(Output("timeseries", "figure"), Output("scatter", "figure"),
                  Output("curves", "figure"), Output("models-table", "children"),
                  Output("match-count", "children"),
                  Input({"type": "tag-filter", "key": ALL}, "value"),
                  Input("metric", "value"), Input("x-axis", "value"), Input("group-by", "value"),
                  Input("scatter-x", "value"), Input("scatter-y", "value"),
                  Input("curve-metric", "value"), Input("curve-models", "value"),
                  Input("overlay", "value"),
                  State({"type": "tag-filter", "key": ALL}, "id"))
    def update(tag_values: list[Any], metric: str | None, x: str, group_by: str | None,
               scatter_x: str | None, scatter_y: str | None, curve: str | None,
               curve_ids: list[int] | None, overlay: list[str],
               tag_ids: list[dict[str, str]]) -> tuple[Any, ...]:
        query = _selected(tag_ids, tag_values)
        records = registry.find(query)
        metrics = registry.metrics(query, names=sorted(
            {name for name in (metric, scatter_x, scatter_y, curve) if name}))
        colours = model_colours(records)
        count = f"{len(records)} model{'s' if len(records) != 1 else ''} selected"
        if query:
            count += " by " + format_query(query_from(query))
        return (
            timeseries_figure(series_points(metrics, records, metric, x, group_by)
                              if metric else pd.DataFrame(), metric, x, colours),
            scatter_figure(scatter_points(metrics, records, scatter_x, scatter_y, group_by)
                           if scatter_x and scatter_y else pd.DataFrame(), scatter_x, scatter_y),
            structured_figure(structured_values(metrics, records, curve, curve_ids or [])
                              if curve else [], curve, overlay=bool(overlay), colours=colours),
            models_table(records), count)

    return app


def serve(registry: Registry | str | os.PathLike[str] | None = None, host: str = "127.0.0.1",
          port: int = 8050, debug: bool = False) -> None:
    """Serve the dashboard until interrupted (Flask's threaded server: a tool for a team, not
    a public site)."""
    create_app(registry).run(host=host, port=port, debug=debug,
                             dev_tools_disable_version_check=True)  # no call to plotly.com


__all__ = ["MAX_CURVE_MODELS", "create_app", "layout", "model_colours", "models_table",
           "scatter_figure", "serve", "structured_figure", "timeseries_figure"]
