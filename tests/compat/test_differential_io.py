"""Loading and saving against Hamilton 1.90 on the same module: the same nodes, the same loaded
values, the same ``materialize`` return shapes and metadata keys."""

from __future__ import annotations

import importlib
import textwrap
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tests.compat.differential import SIDES, Twins, twins_from_source

MODULE = textwrap.dedent("""
    import pandas as pd
    from hamilton.function_modifiers import dataloader, datasaver, load_from, save_to, source

    def frame() -> pd.DataFrame:
        return pd.DataFrame({"a": [1, 2, 3], "b": [4.0, 5.0, 6.0]})

    def a(frame: pd.DataFrame) -> pd.Series:
        return frame["a"]

    def b(frame: pd.DataFrame) -> pd.Series:
        return frame["b"]

    def stats(a: pd.Series) -> dict:
        return {"total": int(a.sum())}

    @load_from.csv(path=source("csv_path"))
    def loaded_total(df: pd.DataFrame) -> float:
        return float(df["a"].sum())

    @load_from.csv(path=source("csv_path"))
    def loaded_b(df: pd.DataFrame) -> float:
        return float(df["b"].sum())

    @save_to.json(path=source("json_path"), output_name_="stats_json")
    def saved_stats(stats: dict) -> dict:
        return stats

    @dataloader()
    def raw(csv_path: str) -> tuple[pd.DataFrame, dict]:
        loaded = pd.read_csv(csv_path)
        return loaded, {"rows": len(loaded)}

    @datasaver()
    def raw_saved(raw: pd.DataFrame, copy_path: str) -> dict:
        raw.to_csv(copy_path, index=False)
        return {"path": copy_path}
""")


def _twins(tmp_path: Path) -> Twins:
    twins = twins_from_source(MODULE, tmp_path / "io_module.py")
    for side in SIDES:
        assert twins.side(side).error is None, twins.side(side).error
    return twins


def _paths(tmp_path: Path, side: str) -> dict[str, str]:
    folder = tmp_path / side
    folder.mkdir(exist_ok=True)
    source = tmp_path / "source.csv"
    if not source.exists():
        pd.DataFrame({"a": [1, 2, 3], "b": [0.5, None, 2.5]}).to_csv(source, index=False)
    return {"csv_path": str(source), "json_path": str(folder / "stats.json"),
            "copy_path": str(folder / "copy.csv")}


def _framework(side: str, module: str) -> Any:
    return importlib.import_module(f"{side}.{module}")


def test_decorated_nodes_match_hamilton(tmp_path: Path) -> None:
    twins = _twins(tmp_path)
    names = {side: {v.name for v in twins.side(side).driver.list_available_variables()}
             for side in SIDES}
    assert names["dataflow"] == names["hamilton"]
    for side in SIDES:
        variables = {v.name: v for v in twins.side(side).driver.list_available_variables()}
        assert variables["loaded_total.load_data.df"].tags["hamilton.data_loader.node"] == "df"
        assert variables["stats_json"].tags["hamilton.data_saver.sink"] == "json"


def test_decorated_execution_matches_hamilton(tmp_path: Path) -> None:
    twins = _twins(tmp_path)
    wanted = ["loaded_total", "loaded_b", "stats_json", "raw", "raw_saved",
              "loaded_total.select_data.df"]
    out = {side: twins.side(side).driver.execute(wanted, inputs=_paths(tmp_path, side))
           for side in SIDES}
    df, ham = out["dataflow"], out["hamilton"]
    assert df["loaded_total"] == ham["loaded_total"] and df["loaded_b"] == ham["loaded_b"]
    pd.testing.assert_frame_equal(df["raw"], ham["raw"])
    pd.testing.assert_frame_equal(df["loaded_total.select_data.df"],
                                  ham["loaded_total.select_data.df"])  # same dtypes too
    assert set(df["stats_json"]) == set(ham["stats_json"]) == {"file_metadata"}
    assert set(ham["stats_json"]["file_metadata"]) <= set(df["stats_json"]["file_metadata"])
    assert (Path(_paths(tmp_path, "dataflow")["json_path"]).read_bytes()
            == Path(_paths(tmp_path, "hamilton")["json_path"]).read_bytes())


@pytest.mark.parametrize("fmt", ["csv", "parquet", "feather", "pickle", "json"])
def test_materialize_matches_hamilton(tmp_path: Path, fmt: str) -> None:
    twins = _twins(tmp_path)
    results = {}
    for side in SIDES:
        materialization = _framework(side, "io.materialization")
        base = _framework(side, "base")
        folder = tmp_path / side
        folder.mkdir(exist_ok=True)
        path_key = "filepath_or_buffer" if fmt == "json" else "path"
        saver = getattr(materialization.to, fmt)
        results[side] = twins.side(side).driver.materialize(
            saver(id="frame_out", dependencies=["frame"], **{path_key: str(folder / "f")}),
            saver(id="ab_out", dependencies=["a", "b"], combine=base.PandasDataFrameResult(),
                  **{path_key: str(folder / "ab")}),
            materialization.to.json(id="stats_out", dependencies=["stats"],
                                    path=str(folder / "s.json")),
            additional_vars=["stats", "a"],
        )
    (df_meta, df_extra), (ham_meta, ham_extra) = results["dataflow"], results["hamilton"]
    assert set(df_meta) == set(ham_meta)
    for key in ham_meta:
        assert set(df_meta[key]) == set(ham_meta[key]), key
        assert set(ham_meta[key]["file_metadata"]) <= set(df_meta[key]["file_metadata"])
        if "dataframe_metadata" in ham_meta[key]:
            assert df_meta[key]["dataframe_metadata"] == ham_meta[key]["dataframe_metadata"]
    assert set(df_extra) == set(ham_extra) == {"stats", "a"}
    assert df_extra["stats"] == ham_extra["stats"]
    pd.testing.assert_series_equal(df_extra["a"], ham_extra["a"])
    if fmt in ("csv", "json"):  # text formats: byte for byte the same file
        for name in ("f", "ab"):
            assert ((tmp_path / "dataflow" / name).read_bytes()
                    == (tmp_path / "hamilton" / name).read_bytes())


@pytest.mark.parametrize("fmt", ["csv", "parquet", "feather"])
def test_loading_with_from_matches_hamilton(tmp_path: Path, fmt: str) -> None:
    twins = _twins(tmp_path)
    path = tmp_path / f"frame.{fmt}"
    frame = pd.DataFrame({"a": [7, 8], "b": [1.5, None]})
    getattr(frame, f"to_{fmt}")(path, **({"index": False} if fmt == "csv" else {}))
    results = {}
    for side in SIDES:
        materialization = _framework(side, "io.materialization")
        results[side] = twins.side(side).driver.materialize(
            getattr(materialization.from_, fmt)(target="frame", path=str(path)),
            additional_vars=["frame", "stats"])
    (df_meta, df_extra), (ham_meta, ham_extra) = results["dataflow"], results["hamilton"]
    assert df_meta == ham_meta == {}
    pd.testing.assert_frame_equal(df_extra["frame"], ham_extra["frame"])
    assert df_extra["stats"] == ham_extra["stats"]


# -- intended differences (tests/compat/intended_differences.py, ids io-*) ----------------------


def test_io_decorators_under_future_annotations(tmp_path: Path) -> None:
    source = "from __future__ import annotations\n" + MODULE
    twins = twins_from_source(source, tmp_path / "future_io.py")
    assert "must return a dict" in str(twins.hamilton.error)  # Hamilton #1297
    assert twins.dataflow.error is None
    out = twins.dataflow.driver.execute(["raw_saved"], inputs=_paths(tmp_path, "dataflow"))
    assert out["raw_saved"] == {"path": _paths(tmp_path, "dataflow")["copy_path"]}


def test_io_metadata_extras(tmp_path: Path) -> None:
    twins = _twins(tmp_path)
    extra = {}
    for side in SIDES:
        folder = tmp_path / side
        folder.mkdir(exist_ok=True)
        to = _framework(side, "io.materialization").to
        metadata, _ = twins.side(side).driver.materialize(
            to.csv(id="out", dependencies=["frame"], path=str(folder / "f.csv")))
        extra[side] = set(metadata["out"]["file_metadata"])
    assert extra["dataflow"] - extra["hamilton"] == {"sha256"}
    variables = {v.name: v for v in twins.dataflow.driver.list_available_variables()}
    assert variables["stats_json"].tags["dataflow.materializer"] == "saver"


def test_io_atomic_write_options(tmp_path: Path) -> None:
    from hamilton.io.materialization import to as hamilton_to

    from dataflow.io import MaterializerError
    from dataflow.io import to as dataflow_to

    hamilton_to.csv(id="x", dependencies=["frame"], path="x.csv", mode="a")  # accepted
    with pytest.raises(MaterializerError, match="unknown parameter.*mode"):
        dataflow_to.csv(id="x", dependencies=["frame"], path="x.csv", mode="a")


def test_io_sql_dbapi(tmp_path: Path) -> None:
    from dataflow.io import registry

    saver = registry.adapter_for("saver", "sql", pd.DataFrame, "t")
    with pytest.raises(TypeError, match="DB-API connection.*URL string"):
        saver(table_name="t", db_connection="sqlite:///x.db").save_data(pd.DataFrame({"a": [1]}))


def test_io_error_types(tmp_path: Path) -> None:
    from hamilton.function_modifiers.base import InvalidDecoratorException

    from dataflow.io import FormatTypeError

    twins = _twins(tmp_path)
    errors = {}
    for side in SIDES:
        to = _framework(side, "io.materialization").to
        with pytest.raises(Exception) as raised:  # noqa: B017 - the types differ, see below
            twins.side(side).driver.materialize(
                to.csv(id="out", dependencies=["stats"], path=str(tmp_path / "x.csv")))
        errors[side] = raised.value
    assert isinstance(errors["hamilton"], InvalidDecoratorException)
    assert isinstance(errors["dataflow"], FormatTypeError)
    assert "to.csv(id='out') saving node 'stats'" in str(errors["dataflow"])
