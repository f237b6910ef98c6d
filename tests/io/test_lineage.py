"""Loaders and savers in lineage pictures: their own style and legend entries."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from dataflow import ad_hoc_utils, driver
from dataflow.io import from_, to
from dataflow.lineage.styles import STYLES
from tests.io import decorated_module
from tests.lineage.svg import legend, svg_nodes

graphviz = pytest.importorskip("graphviz")


def frame() -> pd.DataFrame:
    return pd.DataFrame({"a": [1]})


def total(frame: pd.DataFrame) -> int:
    return int(frame["a"].sum())


def test_decorated_loaders_and_savers_have_their_own_style(tmp_path: Path) -> None:
    dr = driver.Builder().with_modules(decorated_module).build()
    target = tmp_path / "all.svg"
    dr.display_all_functions(str(target))
    nodes = svg_nodes(target)
    assert {"loader", "saver"} <= set(legend(nodes))
    assert nodes["total_a.load_data.frame"].fill == STYLES["loader"].fill
    assert nodes["raw_lines"].fill == STYLES["loader"].fill
    assert nodes["report_json"].fill == STYLES["saver"].fill
    assert nodes["lines_copy"].fill == STYLES["saver"].fill
    assert nodes["report"].fill == STYLES["function"].fill


def test_visualize_materialization_draws_the_materializers(tmp_path: Path) -> None:
    dr = driver.Builder().with_modules(ad_hoc_utils.create_temporary_module(frame, total)).build()
    target = tmp_path / "m.svg"
    dr.visualize_materialization(
        from_.csv(target="frame", path=str(tmp_path / "in.csv")),
        to.pickle(id="total_pickle", dependencies=["total"], path=str(tmp_path / "t.json")),
        output_file_path=str(target), additional_vars=["total"])
    nodes = svg_nodes(target)
    assert nodes["load_data.frame"].fill == STYLES["loader"].fill
    assert nodes["frame"].fill == STYLES["loader"].fill
    assert nodes["total_pickle"].fill == STYLES["saver"].fill
    assert not (tmp_path / "t.json").exists()  # drawn, not run
    assert "total_pickle" not in dr.graph.nodes
