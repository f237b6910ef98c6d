"""Running the extracts of an extract file: each returns a frame.

An extract reaches the pipeline as a plain dict (the config model dumped, the SQL already
rendered by Jinja), so that the node that runs it has it in its code and the cache sees a
change of query as a change of code.

>>> run_extract({"operator": "sql", "query": "select $n as n", "params": {"n": 3},
...              "database": None, "url": None})["n"].tolist()
[3]
"""

from __future__ import annotations

import collections
from pathlib import Path
from typing import Any

from dataflow.training.config import DataflowExtract, FileExtract, SqlExtract, import_dotted
from dataflow.training.yaml_source import render

__all__ = ["EXECUTIONS", "extract_spec", "run_extract"]

EXECUTIONS: collections.Counter[str] = collections.Counter()
"""How many extracts of each operator ran in this process (``EXECUTIONS["sql"]``)."""


def extract_spec(extract: SqlExtract | DataflowExtract | FileExtract) -> dict[str, Any]:
    """The extract as the plain dict :func:`run_extract` takes: paths as strings, a ``sql``
    file read and rendered with its ``template`` variables into ``query``."""
    spec = extract.model_dump(mode="json")
    if isinstance(extract, SqlExtract):
        if extract.sql is not None:
            text = Path(extract.sql).read_text(encoding="utf-8")
            spec["query"] = render(text, extract.sql, extract.template)
        else:
            spec["query"] = render(extract.query or "", "<query>", extract.template)
        spec.pop("sql"), spec.pop("template")
        spec["params"] = extract.params  # keep dates as dates (bound by the database)
    if isinstance(extract, DataflowExtract):
        spec["inputs"], spec["config"] = extract.inputs, extract.config
    return spec


def run_extract(spec: dict[str, Any], **datasets: Any) -> Any:
    """The frame the extract ``spec`` gives; ``datasets`` are the frames of the datasets a
    dataflow extract takes as inputs."""
    EXECUTIONS[spec["operator"]] += 1
    if spec["operator"] == "sql":
        return _run_sql(spec)
    if spec["operator"] == "dataflow":
        return _run_dataflow(spec, datasets)
    return _run_file(spec)


def _run_sql(spec: dict[str, Any]) -> Any:
    if spec.get("url"):
        import pandas as pd
        import sqlalchemy

        engine = sqlalchemy.create_engine(spec["url"])
        try:
            with engine.connect() as connection:
                return pd.read_sql(sqlalchemy.text(spec["query"]), connection,
                                   params=spec["params"])
        finally:
            engine.dispose()
    import duckdb

    database = spec.get("database")
    duck = duckdb.connect(database or ":memory:", read_only=bool(database))
    try:
        return duck.execute(spec["query"], spec["params"] or None).df()
    finally:
        duck.close()


def _run_dataflow(spec: dict[str, Any], datasets: dict[str, Any]) -> Any:
    from dataflow import base, driver

    modules = [import_dotted(m) for m in spec["modules"]]
    dr = (driver.Builder().with_modules(*modules).with_config(spec["config"])
          .with_adapters(base.PandasDataFrameResult()).build())
    inputs = {**spec["inputs"],
              **{param: datasets[name] for param, name in spec["dataset_inputs"].items()}}
    return dr.execute(spec["final_vars"], inputs=inputs)


def _run_file(spec: dict[str, Any]) -> Any:
    import pandas as pd

    from dataflow.io.registry import adapter_for

    path = spec["path"]
    fmt = spec.get("format") or Path(path).suffix.lstrip(".")
    loader = adapter_for("loader", fmt, pd.DataFrame, f"file extract {path}")
    data, _metadata = loader(path=path, **spec["kwargs"]).load_data(pd.DataFrame)
    return data
