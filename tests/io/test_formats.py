"""Every built-in format: what is saved loads back equal, and metadata has Hamilton's keys."""

from __future__ import annotations

import dataclasses
import os
import sqlite3
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from dataflow.io import LOADER_REGISTRY, SAVER_REGISTRY, registry
from dataflow.io.utils import file_sha256

FRAME = pd.DataFrame({"a": [1, 2, 3], "b": [0.5, 1.5, None], "c": ["x", "y", "z"]})
FILE_KEYS = {"__version__", "path", "size", "last_modified", "timestamp", "scheme", "notes",
             "sha256"}
FRAME_KEYS = {"__version__", "rows", "columns", "column_names", "datatypes"}


def _roundtrip(fmt: str, value: Any, type_: Any, save: dict[str, Any],
               load: dict[str, Any]) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    saver = registry.adapter_for("saver", fmt, type_, f"test {fmt}")
    loader = registry.adapter_for("loader", fmt, type_, f"test {fmt}")
    saved = saver(**save).save_data(value)
    loaded, metadata = loader(**load).load_data(type_)
    return loaded, saved, metadata


@pytest.mark.parametrize("fmt", ["csv", "parquet", "feather", "pickle", "excel"])
def test_pandas_file_formats_roundtrip(tmp_path: Path, fmt: str) -> None:
    path = str(tmp_path / f"frame.{'xlsx' if fmt == 'excel' else fmt}")
    save = {"path": path, **({"index": False} if fmt == "excel" else {})}
    load = {"path": path, **({} if fmt == "pickle" else {"dtype_backend": None})}
    loaded, saved, metadata = _roundtrip(fmt, FRAME, pd.DataFrame, save, load)
    pd.testing.assert_frame_equal(loaded, FRAME)
    assert set(saved["file_metadata"]) == FILE_KEYS
    assert saved["file_metadata"]["size"] == os.path.getsize(path)
    assert saved["file_metadata"]["sha256"] == file_sha256(path)
    assert saved["dataframe_metadata"] == {
        "__version__": "1.0.0", "rows": 3, "columns": 3, "column_names": ["a", "b", "c"],
        "datatypes": [str(t) for t in FRAME.dtypes]}
    assert set(metadata["dataframe_metadata"]) == FRAME_KEYS
    assert list(tmp_path.iterdir()) == [Path(path)]  # no temporary file left behind


def test_pandas_json_is_chosen_for_frames_and_generic_json_for_dicts(tmp_path: Path) -> None:
    frame_path, dict_path = str(tmp_path / "f.json"), str(tmp_path / "d.json")
    loaded, _, _ = _roundtrip("json", FRAME, pd.DataFrame, {"filepath_or_buffer": frame_path},
                              {"filepath_or_buffer": frame_path})
    pd.testing.assert_frame_equal(loaded, FRAME)
    loaded, saved, _ = _roundtrip("json", {"k": [1, 2]}, dict, {"path": dict_path},
                                  {"path": dict_path})
    assert loaded == {"k": [1, 2]} and "dataframe_metadata" not in saved


def test_generic_formats_roundtrip(tmp_path: Path) -> None:
    obj = {"nested": (1, 2.0, "3"), "set": {1, 2}}
    pkl = str(tmp_path / "o.pkl")
    assert _roundtrip("pickle", obj, object, {"path": pkl}, {"path": pkl})[0] == obj
    txt = str(tmp_path / "t.txt")
    assert _roundtrip("file", "héllo\n", str, {"path": txt}, {"path": txt})[0] == "héllo\n"
    literal = registry.adapter_for("loader", "literal", Any, "t")
    assert literal(value=[1]).load_data(list) == ([1], {})


def test_environment_loader(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATAFLOW_IO_A", "1")
    loader = registry.adapter_for("loader", "environment", dict, "t")
    assert loader(names=("DATAFLOW_IO_A",)).load_data(dict)[0] == {"DATAFLOW_IO_A": "1"}
    with pytest.raises(KeyError, match="DATAFLOW_IO_MISSING"):
        loader(names=("DATAFLOW_IO_MISSING",)).load_data(dict)


def test_npy_roundtrip(tmp_path: Path) -> None:
    array = np.arange(12, dtype=np.float32).reshape(3, 4)
    path = str(tmp_path / "a.npy")
    loaded, saved, metadata = _roundtrip("npy", array, np.ndarray, {"path": path},
                                         {"path": path})
    np.testing.assert_array_equal(loaded, array)
    assert saved["array_metadata"]["shape"] == [3, 4]
    assert metadata["array_metadata"]["dtype"] == "float32"


def _duckdb() -> Any:
    duckdb = pytest.importorskip("duckdb")
    return duckdb.connect(":memory:")


@pytest.mark.parametrize("connect", [lambda: sqlite3.connect(":memory:"), _duckdb],
                         ids=["sqlite", "duckdb"])
def test_sql_roundtrip_on_a_dbapi_connection(connect: Any) -> None:
    connection = connect()
    frame = pd.DataFrame({"a": [1, 2, 3], "b": [0.5, 1.5, 2.5], "c": ["x", "y", "z"]})
    saver = registry.adapter_for("saver", "sql", pd.DataFrame, "t")
    loader = registry.adapter_for("loader", "sql", pd.DataFrame, "t")
    saved = saver(table_name="t1", db_connection=connection, index=False).save_data(frame)
    assert saved["sql_metadata"]["rows"] == 3 and saved["sql_metadata"]["table_name"] == "t1"
    loaded, metadata = loader(query_or_table="t1", db_connection=connection).load_data(
        pd.DataFrame)
    pd.testing.assert_frame_equal(loaded, frame)
    query = "SELECT a, c FROM t1 WHERE a > 1 ORDER BY a"
    loaded, metadata = loader(query_or_table=query, db_connection=connection).load_data(
        pd.DataFrame)
    assert loaded.to_dict("list") == {"a": [2, 3], "c": ["y", "z"]}
    assert metadata["sql_metadata"]["query"] == query
    with pytest.raises(ValueError, match="already exists"):
        saver(table_name="t1", db_connection=connection, index=False).save_data(frame)
    saver(table_name="t1", db_connection=connection, if_exists="append",
          index=False).save_data(frame)
    assert len(loader(query_or_table="t1", db_connection=connection).load_data(
        pd.DataFrame)[0]) == 6
    saver(table_name="t1", db_connection=connection, if_exists="replace").save_data(frame.head(1))
    assert loader(query_or_table="t1", db_connection=connection).load_data(
        pd.DataFrame)[0].columns.tolist() == ["index", "a", "b", "c"]  # index=True by default
    assert len(loader(query_or_table="t1", db_connection=connection).load_data(
        pd.DataFrame)[0]) == 1


def test_failed_sql_write_rolls_back() -> None:
    connection = sqlite3.connect(":memory:")
    saver = registry.adapter_for("saver", "sql", pd.DataFrame, "t")
    saver(table_name="t", db_connection=connection, index=False).save_data(
        pd.DataFrame({"a": [1]}))
    bad = pd.DataFrame({"a": [2, object()]})  # the second row cannot be bound
    with pytest.raises((sqlite3.ProgrammingError, sqlite3.InterfaceError)):  # 3.10: InterfaceError
        saver(table_name="t", db_connection=connection, if_exists="append",
              index=False).save_data(bad)
    assert connection.execute("SELECT a FROM t").fetchall() == [(1,)]


def test_every_builtin_format_is_registered() -> None:
    expected = {"csv", "parquet", "feather", "json", "pickle", "excel", "sql", "npy"}
    assert expected | {"file"} <= set(SAVER_REGISTRY)
    assert expected | {"file", "literal", "environment"} <= set(LOADER_REGISTRY)


def test_a_plugin_format_is_registered_and_wins_for_its_type(tmp_path: Path) -> None:
    @dataclasses.dataclass
    class UpperText(registry.DataSaver):  # type: ignore[name-defined]
        path: str

        @classmethod
        def applicable_types(cls) -> list[type]:
            return [str]

        @classmethod
        def name(cls) -> str:
            return "file"

        def save_data(self, data: Any) -> dict[str, Any]:
            Path(self.path).write_text(data.upper())
            return {}

    registry.register_adapter(UpperText)
    try:
        assert registry.adapter_for("saver", "file", str, "t") is UpperText
        assert registry.adapter_for("saver", "file", bytes, "t") is not UpperText
    finally:
        SAVER_REGISTRY["file"].remove(UpperText)


def test_adapters_must_be_dataclasses() -> None:
    class NotADataclass(registry.DataLoader):  # type: ignore[name-defined]
        @classmethod
        def applicable_types(cls) -> list[type]:
            return [str]

        @classmethod
        def name(cls) -> str:
            return "nodc"

        def load_data(self, type_: type) -> tuple[Any, dict[str, Any]]:
            return "", {}

    with pytest.raises(TypeError, match="dataclass"):
        registry.register_adapter(NotADataclass)


@pytest.mark.parametrize("connect", [lambda: sqlite3.connect(":memory:"), _duckdb],
                         ids=["sqlite", "duckdb"])
def test_failed_sql_replace_keeps_the_old_table(connect: Any) -> None:
    connection = connect()
    saver = registry.adapter_for("saver", "sql", pd.DataFrame, "t")
    saver(table_name="t", db_connection=connection, index=False).save_data(
        pd.DataFrame({"a": [1]}))
    bad = pd.DataFrame({"a": [2, object()]})  # the second row cannot be bound
    with pytest.raises(Exception):  # noqa: B017 - each driver raises its own class
        saver(table_name="t", db_connection=connection, if_exists="replace",
              index=False).save_data(bad)
    assert connection.execute("SELECT a FROM t").fetchall() == [(1,)]


def test_readers_return_nullable_dtypes_by_default_as_hamiltons_do(tmp_path: Path) -> None:
    path = str(tmp_path / "f.csv")
    FRAME.to_csv(path, index=False)
    loader = registry.adapter_for("loader", "csv", pd.DataFrame, "t")
    loaded, _ = loader(path=path).load_data(pd.DataFrame)
    assert [str(t) for t in loaded.dtypes[:2]] == ["Int64", "Float64"]


def test_excel_is_registered_only_with_openpyxl() -> None:
    import importlib.util

    has_openpyxl = importlib.util.find_spec("openpyxl") is not None
    assert ("excel" in SAVER_REGISTRY) == ("excel" in LOADER_REGISTRY) == has_openpyxl


def test_hamiltons_import_paths() -> None:
    from dataflow import registry as hamilton_path_registry
    from dataflow.io import data_adapters, default_data_loaders, materialization, utils

    assert hamilton_path_registry.register_adapter is registry.register_adapter
    assert data_adapters.DataLoader and default_data_loaders.JSONDataLoader
    assert materialization.from_ and materialization.to
    assert callable(utils.get_file_and_dataframe_metadata)
