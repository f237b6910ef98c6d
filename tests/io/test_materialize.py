"""``from_`` / ``to`` and ``Driver.materialize``: shapes, parameters, errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from dataflow import ad_hoc_utils, base, driver
from dataflow.errors import DataflowError, DuplicateNodeError
from dataflow.function_modifiers import source, value
from dataflow.io import FormatTypeError, MaterializerError, UnknownFormatError, from_, to


def frame() -> pd.DataFrame:
    return pd.DataFrame({"a": [1, 2, 3], "b": [4.0, 5.0, 6.0]})


def a(frame: pd.DataFrame) -> pd.Series:
    return frame["a"]


def b(frame: pd.DataFrame) -> pd.Series:
    return frame["b"]


def stats(a: pd.Series) -> dict:
    return {"total": int(a.sum())}


def _driver() -> driver.Driver:
    module = ad_hoc_utils.create_temporary_module(frame, a, b, stats)
    return driver.Builder().with_modules(module).build()


def test_materialize_returns_metadata_by_id_and_the_additional_vars(tmp_path: Path) -> None:
    dr = _driver()
    metadata, extra = dr.materialize(
        to.csv(id="frame_csv", dependencies=["frame"], path=str(tmp_path / "f.csv")),
        to.csv(id="ab_csv", dependencies=["a", "b"], combine=base.PandasDataFrameResult(),
               path=str(tmp_path / "ab.csv")),
        to.json(id="stats_json", dependencies=["stats"], path=str(tmp_path / "s.json")),
        additional_vars=["stats"],
    )
    assert set(metadata) == {"frame_csv", "ab_csv", "stats_json"}
    assert metadata["ab_csv"]["dataframe_metadata"]["column_names"] == ["a", "b"]
    assert metadata["stats_json"]["file_metadata"]["path"] == str(tmp_path / "s.json")
    assert extra == {"stats": {"total": 6}}
    assert json.loads((tmp_path / "s.json").read_text()) == {"total": 6}
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "ab.csv"), frame())
    assert "frame_csv" not in dr.graph.nodes  # the driver's own graph is unchanged


def test_from_replaces_the_node_it_targets(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    pd.DataFrame({"a": [10, 20], "b": [1.0, 2.0]}).to_csv(path, index=False)
    metadata, extra = _driver().materialize(from_.csv(target="frame", path=str(path)),
                                             additional_vars=["stats"])
    assert metadata == {} and extra == {"stats": {"total": 30}}


def test_parameters_take_source_and_value(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    frame().to_csv(path, index=False)
    metadata, extra = _driver().materialize(
        from_.csv(target="frame", path=source("input_path")),
        to.json(id="out", dependencies=["stats"], path=value(str(tmp_path / "o.json"))),
        additional_vars=["b"], inputs={"input_path": str(path)})
    assert json.loads((tmp_path / "o.json").read_text()) == {"total": 6}
    assert extra["b"].tolist() == [4.0, 5.0, 6.0]


def test_a_loader_can_supply_an_input(tmp_path: Path) -> None:
    def doubled(number: int) -> int:
        return number * 2

    dr = driver.Builder().with_modules(ad_hoc_utils.create_temporary_module(doubled)).build()
    _, extra = dr.materialize(from_.literal(target="number", value=21),
                              additional_vars=["doubled"])
    assert extra == {"doubled": 42}


def test_overrides_apply(tmp_path: Path) -> None:
    _, extra = _driver().materialize(
        additional_vars=["stats"], overrides={"a": pd.Series([5, 5])})
    assert extra == {"stats": {"total": 10}}


def test_an_unknown_format_has_a_did_you_mean() -> None:
    with pytest.raises(UnknownFormatError, match=r"to\.csvv.*Did you mean 'csv'"):
        to.csvv(id="x", dependencies=["frame"], path="x.csv")
    with pytest.raises(AttributeError, match=r"from_\.parqet.*Did you mean 'parquet'"):
        from_.parqet(target="frame", path="x")


def test_a_format_that_does_not_fit_the_type_names_materializer_and_node(tmp_path: Path) -> None:
    with pytest.raises(FormatTypeError,
                       match=r"to\.csv\(id='s'\) saving node 'stats'.*cannot save dict.*"
                             r"Formats for dict: .*json.*pickle"):
        _driver().materialize(to.csv(id="s", dependencies=["stats"], path=str(tmp_path / "x")))


def test_a_missing_file_names_the_loader_and_the_node(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.csv")
    with pytest.raises(FileNotFoundError,
                       match=r"from_\.csv\(target='frame'\) for node 'frame'") as raised:
        _driver().materialize(from_.csv(target="frame", path=missing), additional_vars=["a"])
    assert raised.value.filename == missing


def test_misuse_is_refused_when_the_materializer_is_made() -> None:
    with pytest.raises(MaterializerError, match="combine="):
        to.csv(id="x", dependencies=["a", "b"], path="x.csv")
    with pytest.raises(MaterializerError, match="unknown parameter.*pathh.*accepts.*path"):
        to.csv(id="x", dependencies=["a"], pathh="x.csv")
    with pytest.raises(MaterializerError, match="needs the parameters"):
        from_.csv(target="frame")
    with pytest.raises(MaterializerError, match="dependencies= must be"):
        to.json(id="x", dependencies="stats", path="x")


def test_unknown_dependencies_and_clashing_ids_are_errors(tmp_path: Path) -> None:
    dr = _driver()
    with pytest.raises(MaterializerError, match="'stat'.*Did you mean 'stats'"):
        dr.materialize(to.json(id="x", dependencies=["stat"], path=str(tmp_path / "x")))
    with pytest.raises(DuplicateNodeError):
        dr.materialize(to.json(id="a", dependencies=["stats"], path=str(tmp_path / "x")))
    with pytest.raises(MaterializerError, match="share the id"):
        dr.materialize(to.json(id="x", dependencies=["stats"], path=str(tmp_path / "x")),
                       to.json(id="x", dependencies=["stats"], path=str(tmp_path / "y")))
    with pytest.raises(DataflowError, match="needs materializers"):
        dr.materialize()


def test_an_any_typed_node_picks_its_saver_by_the_value(tmp_path: Path) -> None:
    def anything() -> Any:
        return pd.DataFrame({"x": [1]})

    dr = driver.Builder().with_modules(ad_hoc_utils.create_temporary_module(anything)).build()
    metadata, _ = dr.materialize(
        to.json(id="j", dependencies=["anything"], filepath_or_buffer=str(tmp_path / "a.json")))
    assert metadata["j"]["dataframe_metadata"]["rows"] == 1


def test_materialize_runs_on_a_threaded_executor(tmp_path: Path) -> None:
    from dataflow.execution import executors

    module = ad_hoc_utils.create_temporary_module(frame, a, b, stats)
    dr = (driver.Builder().with_modules(module)
          .enable_dynamic_execution(allow_experimental_mode=True)
          .with_local_executor(executors.MultiThreadingExecutor(2)).build())
    metadata, extra = dr.materialize(
        to.json(id="s", dependencies=["stats"], path=str(tmp_path / "s.json")),
        additional_vars=["stats"])
    assert extra == {"stats": {"total": 6}} and "s" in metadata


def test_builder_with_materializers_adds_their_nodes(tmp_path: Path) -> None:
    import pickle

    module = ad_hoc_utils.create_temporary_module(frame, a, b, stats)
    dr = (driver.Builder().with_modules(module)
          .with_materializers(
              to.json(id="stats_json", dependencies=["stats"], path=str(tmp_path / "s.json")),
              from_.literal(target="frame", value=pd.DataFrame({"a": [9], "b": [1.0]})))
          .build())
    assert {"stats_json", "load_data.frame"} <= set(dr.graph.nodes)
    out = dr.execute(["stats_json", "stats"])
    assert out["stats"] == {"total": 9}
    assert out["stats_json"]["file_metadata"]["path"] == str(tmp_path / "s.json")
    assert json.loads((tmp_path / "s.json").read_text()) == {"total": 9}
    assert dr.materialize(additional_vars=["stats"]) == ({}, {"stats": {"total": 9}})
    again = pickle.loads(pickle.dumps(dr))
    assert "stats_json" in again.graph.nodes


def test_the_async_driver_refuses_materialize_clearly(tmp_path: Path) -> None:
    import asyncio

    from dataflow import async_driver

    async def build() -> Any:
        module = ad_hoc_utils.create_temporary_module(frame, a, b, stats)
        return await async_driver.Builder().with_modules(module).build()

    dr = asyncio.run(build())
    with pytest.raises(DataflowError, match="not supported by the async driver"):
        dr.materialize(to.json(id="s", dependencies=["stats"], path=str(tmp_path / "s.json")))


@pytest.mark.parametrize("engine", ["sqlite", "duckdb"])
def test_sql_through_materialize(engine: str) -> None:
    if engine == "duckdb":
        connection = pytest.importorskip("duckdb").connect(":memory:")
    else:
        import sqlite3

        connection = sqlite3.connect(":memory:")
    dr = _driver()
    metadata, _ = dr.materialize(
        to.sql(id="frame_sql", dependencies=["frame"], table_name="frames",
               db_connection=connection, index=False))
    assert metadata["frame_sql"]["sql_metadata"]["rows"] == 3
    _, extra = dr.materialize(
        from_.sql(target="frame", query_or_table="SELECT a * 10 AS a, b FROM frames",
                  db_connection=connection),
        additional_vars=["stats", "load_data.frame"])
    assert extra["stats"] == {"total": 60}
    loaded, load_metadata = extra["load_data.frame"]  # the loader's (value, metadata)
    assert load_metadata["dataframe_metadata"]["column_names"] == ["a", "b"]
    assert load_metadata["sql_metadata"]["rows"] == 3


def test_a_sourced_parameter_types_its_input() -> None:
    from dataflow.errors import DataflowError as Refused

    with pytest.raises(Refused, match=r"p: expected str \| os.PathLike\[str\], got int"):
        _driver().materialize(from_.csv(target="frame", path=source("p")),
                              additional_vars=["a"], inputs={"p": 5})
