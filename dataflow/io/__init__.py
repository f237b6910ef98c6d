"""Loading and saving: loader/saver base classes, their registry, ``from_`` / ``to``.

>>> import json, os, tempfile
>>> from dataflow import ad_hoc_utils, driver
>>> from dataflow.io import to
>>> def stats() -> dict: return {"rows": 3}
>>> dr = driver.Builder().with_modules(ad_hoc_utils.create_temporary_module(stats)).build()
>>> with tempfile.TemporaryDirectory() as d:
...     metadata, extra = dr.materialize(
...         to.json(id="stats_json", dependencies=["stats"], path=os.path.join(d, "s.json")),
...         additional_vars=["stats"])
...     json.load(open(os.path.join(d, "s.json"))), extra
({'rows': 3}, {'stats': {'rows': 3}})

Built-in formats: pandas ``csv``, ``parquet``, ``feather``, ``json``, ``pickle``, ``excel``
(when openpyxl is installed), ``sql`` (any DB-API connection); numpy ``npy``; generic
``json``, ``pickle``, ``file``, ``literal``, ``environment``; polars ``csv``, ``parquet``,
``feather``/``ipc``, ``json``, ``ndjson``, ``avro``, ``spreadsheet``, ``database`` (and ``scan_*``
loaders for ``LazyFrame`` nodes). pandas, polars and numpy are imported only when their formats
load or save. See ``docs/io.md`` and ``docs/polars.md``.
"""

from __future__ import annotations

import importlib.util

from dataflow.io import default_data_loaders, pandas_formats, polars_formats
from dataflow.io.data_adapters import AdapterCommon, DataLoader, DataSaver
from dataflow.io.registry import (
    LOADER_REGISTRY,
    SAVER_REGISTRY,
    FormatTypeError,
    UnknownFormatError,
    register_adapter,
)
from dataflow.io.utils import atomic_path, get_dataframe_metadata, get_file_metadata


def _register_builtins() -> None:
    has_excel = importlib.util.find_spec("openpyxl") is not None
    for adapter in (*default_data_loaders.ADAPTERS, *pandas_formats.ADAPTERS,
                    *polars_formats.ADAPTERS):
        if adapter.name() == "excel" and not has_excel:
            continue
        register_adapter(adapter)


_register_builtins()

from dataflow.io.materialization import Extract, Materialize, from_, to  # noqa: E402
from dataflow.io.nodes import MaterializerError  # noqa: E402

__all__ = [
    "LOADER_REGISTRY",
    "SAVER_REGISTRY",
    "AdapterCommon",
    "DataLoader",
    "DataSaver",
    "Extract",
    "FormatTypeError",
    "Materialize",
    "MaterializerError",
    "UnknownFormatError",
    "atomic_path",
    "from_",
    "get_dataframe_metadata",
    "get_file_metadata",
    "register_adapter",
    "to",
]
