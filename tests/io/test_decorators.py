"""``@load_from``, ``@save_to``, ``@dataloader``, ``@datasaver``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from dataflow import ad_hoc_utils, driver
from dataflow.errors import DecoratorError
from dataflow.function_modifiers import dataloader, datasaver, load_from, save_to, source
from dataflow.function_modifiers.adapters import load_from as load_from_hamilton_path
from tests.io import decorated_module


def _inputs(tmp_path: Path) -> dict[str, Any]:
    pd.DataFrame({"a": [1, 2], "b": [10.0, 20.0]}).to_csv(tmp_path / "f.csv", index=False)
    (tmp_path / "settings.json").write_text(json.dumps({"scale": 3}))
    (tmp_path / "lines.txt").write_text("x\ny\nz")
    return {"frame_path": str(tmp_path / "f.csv"),
            "settings_path": str(tmp_path / "settings.json"),
            "report_path": str(tmp_path / "report.json"),
            "lines_path": str(tmp_path / "lines.txt"),
            "copy_path": str(tmp_path / "copy.txt")}


def test_every_decorator_under_future_annotations(tmp_path: Path) -> None:
    dr = driver.Builder().with_modules(decorated_module).build()
    out = dr.execute(["report_json", "report", "raw_lines", "lines_copy"],
                     inputs=_inputs(tmp_path))
    assert out["report"] == {"a": 3.0, "b": 30.0, "scaled": 9.0}
    assert json.loads((tmp_path / "report.json").read_text()) == out["report"]
    assert out["report_json"]["file_metadata"]["path"] == str(tmp_path / "report.json")
    assert out["raw_lines"] == ["x", "y", "z"]
    assert out["lines_copy"] == {"path": str(tmp_path / "copy.txt"), "rows": 3}
    assert (tmp_path / "copy.txt").read_text() == "x\ny\nz"


def test_node_names_and_tags_follow_hamilton() -> None:
    dr = driver.Builder().with_modules(decorated_module).build()
    nodes = dr.graph.nodes
    for fn in ("total_a", "total_b"):  # one loader pair per function: no clash (#232)
        assert nodes[f"{fn}.load_data.frame"].tags["hamilton.data_loader.source"] == "csv"
        select = nodes[f"{fn}.select_data.frame"]
        assert select.tags["hamilton.data_loader.node"] == "frame"
        assert select.type is pd.DataFrame
    assert [d.name for d in nodes["total_a"].dependencies] == ["total_a.select_data.frame"]
    assert nodes["report_json"].tags["hamilton.data_saver.sink"] == "json"
    assert "save.unsaved" in nodes  # Hamilton's default name
    assert nodes["raw_lines"].type is list
    assert nodes["raw_lines.loader"].tags["hamilton.data_loader.has_metadata"] is True
    assert nodes["lines_copy"].tags["hamilton.data_saver"] is True
    assert load_from_hamilton_path is load_from


def test_dataloader_refuses_a_return_that_is_not_a_pair() -> None:
    @dataloader()
    def bad_loader(p: str) -> list:
        return []

    with pytest.raises(DecoratorError, match=r"@dataloader on .*bad_loader.*tuple\[<value"):
        driver.Builder().with_modules(ad_hoc_utils.create_temporary_module(bad_loader)).build()


def test_datasaver_refuses_a_return_that_is_not_a_dict() -> None:
    @datasaver()
    def bad_saver(p: str) -> str:
        return ""

    with pytest.raises(DecoratorError, match=r"@datasaver on .*bad_saver.*must return a dict"):
        driver.Builder().with_modules(ad_hoc_utils.create_temporary_module(bad_saver)).build()


def test_load_from_needs_inject_when_the_parameter_is_ambiguous() -> None:
    @load_from.json(path="x.json")
    def two(first: dict, second: dict) -> int:
        return 1

    with pytest.raises(DecoratorError, match="pass inject_="):
        driver.Builder().with_modules(ad_hoc_utils.create_temporary_module(two)).build()

    @load_from.json(path="x.json", inject_="thrid")
    def misspelt(third: dict) -> int:
        return 1

    with pytest.raises(DecoratorError, match="inject_='thrid' is not a parameter"):
        driver.Builder().with_modules(ad_hoc_utils.create_temporary_module(misspelt)).build()


def test_decorator_format_errors() -> None:
    with pytest.raises(AttributeError, match="Did you mean 'json'"):
        load_from.jsn(path="x")
    with pytest.raises(TypeError, match="unknown parameter"):
        save_to.json(pathh="x")

    @save_to.csv(path="x.csv")
    def as_dict() -> dict:
        return {}

    with pytest.raises(DecoratorError, match=r"@save_to\.csv on .*as_dict.*cannot save dict"):
        driver.Builder().with_modules(ad_hoc_utils.create_temporary_module(as_dict)).build()


def test_a_missing_file_names_the_decorator_the_function_and_the_parameter(
        tmp_path: Path) -> None:
    @load_from.json(path=source("where"))
    def settings_size(settings: dict) -> int:
        return len(settings)

    dr = driver.Builder().with_modules(
        ad_hoc_utils.create_temporary_module(settings_size)).build()
    with pytest.raises(FileNotFoundError,
                       match=r"@load_from\.json on .*settings_size.*loading parameter 'settings'"):
        dr.execute(["settings_size"], inputs={"where": str(tmp_path / "missing.json")})


def test_load_from_under_parameterize_is_refused_clearly(tmp_path: Path) -> None:
    """Hamilton refuses this combination too (its NodeExpander sees three nodes)."""
    from dataflow.function_modifiers import parameterize, value

    (tmp_path / "s.json").write_text(json.dumps({"x": 2}))

    @parameterize(small={"factor": value(1)}, large={"factor": value(10)})
    @load_from.json(path=str(tmp_path / "s.json"), inject_="settings")
    def scaled(settings: dict, factor: int) -> int:
        return settings["x"] * factor

    with pytest.raises(DecoratorError, match="defines 3.*scaled.load_data.settings"):
        driver.Builder().with_modules(ad_hoc_utils.create_temporary_module(scaled)).build()
