"""The HTTP side of a served model: pydantic request/response models generated from the stored
schemas, and the prediction route.

This module imports nothing from dataflow (only pandas, pydantic and FastAPI), so
``export_service`` copies it, unchanged, into a deployable directory, where it serves one
exported model with ``python service.py`` (see :func:`main`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import inspect
import json
import math
import re
from collections.abc import Callable, Mapping
from typing import Any, Optional

import pandas as pd
from fastapi import APIRouter, FastAPI, HTTPException
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field, create_model, model_validator


def python_type(dtype_name: str) -> Any:
    """The JSON-side type of a column of this pandas dtype."""
    lowered = dtype_name.lower()
    if lowered.startswith(("int", "uint")):
        return int
    if lowered.startswith("float"):
        return Optional[float]  # a missing value is null  # noqa: UP045
    if lowered in ("bool", "boolean"):
        return bool
    if lowered.startswith("datetime"):
        return dt.datetime
    if lowered.startswith("timedelta"):
        return dt.timedelta
    if lowered in ("object", "string", "str", "category") or lowered.startswith("string"):
        return str
    return Any


def _class_name(name: str) -> str:
    words = re.split(r"[^A-Za-z0-9]+", name)
    return "".join(word[:1].upper() + word[1:] for word in words if word) or "Model"


def _fields(schema: Mapping[str, str], wrap: Callable[[Any], Any]) -> dict[str, Any]:
    return {f"c{i}": (wrap(python_type(dtype)), Field(alias=column))
            for i, (column, dtype) in enumerate(schema.items())}


def request_model(name: str, input_schema: Mapping[str, str]) -> type[BaseModel]:
    """``{"records": [{column: value, ...}, ...]}`` (or the bare list of records) or
    ``{"columns": {column: [values]}}``: one field per stored input column, so a wrong or
    missing one is a 422 naming it."""
    config = ConfigDict(populate_by_name=False, extra="ignore")
    row = create_model(f"{name}Row", __config__=config,
                       **_fields(input_schema, lambda kind: kind))
    columns = create_model(f"{name}Columns", __config__=config,
                           **_fields(input_schema, lambda kind: list[kind]))  # type: ignore[valid-type]

    def bare_list(cls: Any, data: Any) -> Any:
        return {"records": data} if isinstance(data, list) else data

    def one_of(self: Any) -> Any:
        if (self.records is None) == (self.columns is None):
            raise ValueError("give exactly one of 'records' (a list of row objects) and "
                             "'columns' (an object of equal-length lists)")
        if self.columns is not None:
            lengths = {column: len(values) for column, values
                       in self.columns.model_dump(by_alias=True).items()}
            if len(set(lengths.values())) > 1:
                raise ValueError(f"the columns have different lengths: {lengths}")
        return self

    validators: dict[str, Any] = {"bare_list": model_validator(mode="before")(bare_list),
                                  "one_of": model_validator(mode="after")(one_of)}
    model: type[BaseModel] = create_model(
        f"{name}Request",
        __validators__=validators,
        records=(Optional[list[row]], None),  # type: ignore[valid-type]  # noqa: UP045
        columns=(Optional[columns], None),  # noqa: UP045
    )
    return model


def response_model(name: str, output_kind: str, output_schema: Mapping[str, str]) -> Any:
    """``{"model_id": ..., "predictions": [...]}``: values for a model returning one column
    (a Series, an array, a list), row objects for one returning a frame."""
    if plain_values(output_kind, output_schema):
        (dtype,) = output_schema.values()
        predictions: Any = list[python_type(dtype)]  # type: ignore[misc]
    else:
        row = create_model(f"{name}Prediction", **_fields(output_schema, lambda kind: kind))
        predictions = list[row]  # type: ignore[valid-type]
    return create_model(f"{name}Response", model_id=(int, ...), predictions=(predictions, ...))


def plain_values(output_kind: str, output_schema: Mapping[str, str]) -> bool:
    return output_kind != "frame" and len(output_schema) == 1


def frame_of(body: Any, input_schema: Mapping[str, str]) -> pd.DataFrame:
    """The validated request as the frame the model takes (its columns, in their order)."""
    if body.records is not None:
        rows = [record.model_dump(by_alias=True) for record in body.records]
        frame = pd.DataFrame(rows, columns=list(input_schema))
    else:
        frame = pd.DataFrame(body.columns.model_dump(by_alias=True), columns=list(input_schema))
    for column, dtype in input_schema.items():
        if str(frame[column].dtype) != dtype:
            with contextlib.suppress(TypeError, ValueError):  # the model's check names it
                frame[column] = frame[column].astype(dtype)
    return frame


def _plain(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item"):
        return _plain(value.item())
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


def predictions_of(output: Any, output_kind: str,
                   output_schema: Mapping[str, str]) -> list[Any]:
    """A model's output as the response's ``predictions``."""
    if isinstance(output, pd.DataFrame):
        frame = output
    elif isinstance(output, pd.Series):
        frame = output.to_frame()
    else:
        array = output
        if (hasattr(array, "ndim") and array.ndim == 0) or not hasattr(array, "__len__"):
            array = [array]
        frame = pd.DataFrame(array)
    if plain_values(output_kind, output_schema):
        return [_plain(value) for value in frame.iloc[:, 0].tolist()]
    frame.columns = [str(column) for column in frame.columns]
    return [{key: _plain(value) for key, value in row.items()}
            for row in frame.to_dict(orient="records")]


class Served:
    """One model behind one path: its callable, schemas and generated request/response models.

    ``predict(frame)`` is the model (checked); the routes close over one ``Served``, so a
    request that started on a model finishes on it, whatever is swapped in meanwhile."""

    def __init__(self, name: str, path: str, model_id: int, predict: Callable[[Any], Any],
                 input_schema: Mapping[str, str], output_kind: str,
                 output_schema: Mapping[str, str], metadata: Mapping[str, Any]) -> None:
        self.name, self.path, self.model_id, self.predict = name, path, model_id, predict
        self.input_schema, self.output_kind = dict(input_schema), output_kind
        self.output_schema = dict(output_schema)
        self.metadata = dict(metadata)
        title = _class_name(name)
        self.request = request_model(title, self.input_schema)
        self.response = response_model(title, output_kind, self.output_schema)

    def routes(self, refuse: Callable[[Exception], Exception | None] | None = None
               ) -> list[APIRoute]:
        """``POST path`` (predict) and ``GET path/metadata``."""
        served = self

        def predict(body: Any) -> Any:
            frame = frame_of(body, served.input_schema)
            try:
                output = served.predict(frame)
            except Exception as error:
                mapped = refuse(error) if refuse is not None else None
                if mapped is not None:
                    raise mapped from error
                raise
            return {"model_id": served.model_id,
                    "predictions": predictions_of(output, served.output_kind,
                                                  served.output_schema)}

        predict.__signature__ = inspect.Signature([  # type: ignore[attr-defined]
            inspect.Parameter("body", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                              annotation=self.request)])

        def metadata() -> dict[str, Any]:
            return served.metadata

        router = APIRouter()
        router.add_api_route(self.path, predict, methods=["POST"], response_model=self.response,
                             name=f"{self.name}: predict", tags=[self.name],
                             summary=f"Predict with the model rule {self.name!r} serves "
                                     f"(now model {self.model_id})")
        router.add_api_route(f"{self.path}/metadata", metadata, methods=["GET"],
                             name=f"{self.name}: metadata", tags=[self.name],
                             summary="The served model: id, tags, schemas")
        return [route for route in router.routes if isinstance(route, APIRoute)]


def unavailable_routes(name: str, path: str, reason: str) -> list[APIRoute]:
    """What a rule with no model to serve answers: 503 with the reason."""

    def predict() -> Any:
        raise HTTPException(status_code=503, detail=reason)

    def metadata() -> Any:
        raise HTTPException(status_code=503, detail=reason)

    router = APIRouter()
    router.add_api_route(path, predict, methods=["POST"], name=f"{name}: predict", tags=[name],
                         summary=f"Rule {name!r}: no model to serve", status_code=503)
    router.add_api_route(f"{path}/metadata", metadata, methods=["GET"],
                         name=f"{name}: metadata", tags=[name])
    return [route for route in router.routes if isinstance(route, APIRoute)]


def exported_app(directory: str) -> FastAPI:
    """The app of a directory ``export_service`` wrote: ``model.pkl`` and ``service.json``."""
    import pathlib

    import cloudpickle

    root = pathlib.Path(directory)
    spec = json.loads((root / "service.json").read_text())
    model = cloudpickle.loads((root / "model.pkl").read_bytes())
    call = model.predict if spec["call"] == "predict" else model
    columns = list(spec["input_schema"])

    def predict(frame: pd.DataFrame) -> Any:
        return call(frame[columns])

    served = Served(spec["rule"]["name"], spec["rule"]["path"], spec["model"]["id"], predict,
                    spec["input_schema"], spec["output_kind"], spec["output_schema"],
                    spec["model"])
    app = FastAPI(title=f"{spec['rule']['name']} (model {served.model_id})")

    @app.get("/health")
    def health() -> dict[str, Any]:
        return {"status": "ok", "rules": {served.name: served.model_id}}

    app.router.routes.extend(served.routes())
    return app


def main() -> None:
    """``python service.py [--host H] [--port N]`` in an exported directory."""
    import argparse
    import pathlib

    import uvicorn

    parser = argparse.ArgumentParser(description="Serve the exported model over HTTP.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    arguments = parser.parse_args()
    app = exported_app(str(pathlib.Path(__file__).resolve().parent))
    uvicorn.run(app, host=arguments.host, port=arguments.port)


if __name__ == "__main__":
    main()
