"""Notebooks: ``%%cell_to_module`` and a driver drawing itself, in a real IPython shell."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from .notebook import run_cells

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="needs the graphviz dot program")

FEATURES_CELL = '''%%cell_to_module features --display --execute
def spend() -> float:
    """Weekly spend."""
    return 10.0


def doubled(spend: float) -> float:
    return spend * 2
'''


@needs_dot
def test_cell_to_module_defines_draws_and_runs_the_module(tmp_path: Path) -> None:
    load, cell, check = run_cells([
        "%load_ext dataflow.plugins.jupyter_magic",
        FEATURES_CELL,
        "import types\n"
        "(isinstance(features, types.ModuleType), features.__name__, spend, doubled,"
        " callable(features.doubled))",
    ], tmp_path)
    assert load.error is None and cell.error is None, (load, cell)
    (picture,) = cell.displayed
    svg = picture["image/svg+xml"]
    assert svg.lstrip().startswith("<?xml") and ">spend<" in svg and ">doubled<" in svg
    assert check.error is None
    assert check.value["text/plain"] == "(True, 'features', 10.0, 20.0, True)"


@pytest.mark.parametrize("root", ["hamilton", "dataflow"])
def test_the_same_cells_leave_the_same_variables_as_hamiltons_magic(tmp_path: Path,
                                                                     root: str) -> None:
    cells = [
        f"%load_ext {root}.plugins.jupyter_magic",
        "inputs = {'n': 3}\noutputs = ['total', 'scaled']\nconfig = {'k': 2, 'mode': 'x'}",
        f'''%%cell_to_module feats -c config -i inputs -x outputs --show_results
from {root}.function_modifiers import pipe_output, step


def _plus_one(x: int) -> int:
    return x + 1


@pipe_output(step(_plus_one).named("plus_one"))
def scaled(n: int, k: int) -> int:
    return n * k


def total(scaled: int, mode: str) -> str:
    return mode * scaled
''',
        "total, scaled",
        "%%cell_to_module every -x\ndef a() -> int:\n    return 1\n\n\n"
        "def b(a: int, c: int = 3) -> int:\n    return a + c\n",
        "a, b",
    ]
    reports = run_cells(cells, tmp_path)
    assert [r.error for r in reports] == [None] * len(cells), reports
    assert [d["text/plain"] for d in reports[2].displayed] == ["'xxxxxxx'", "7"]
    assert reports[3].value["text/plain"] == "('xxxxxxx', 7)"
    assert reports[5].value["text/plain"] == "(1, 4)"


def test_config_pairs_builder_file_and_display_options(tmp_path: Path) -> None:
    cells = [
        "%load_ext dataflow.plugins.jupyter_magic",
        "from dataflow import base, driver\n"
        "builder = driver.Builder().with_adapters(base.DictResult())\n"
        "drawing = {'orient': 'TB', 'show_legend': False}",
        '''%%cell_to_module priced -c "rate=0.5 region=north" -b builder -x -w -d drawing
def price(rate: float, region: str) -> str:
    return f"{region}:{rate}"
''',
        "price, builder.modules, builder.config",
    ]
    reports = run_cells(cells, tmp_path)
    assert [r.error for r in reports] == [None] * len(cells), reports
    assert reports[3].value["text/plain"] == "('north:0.5', [], {})"  # the builder is copied
    assert (tmp_path / "priced.py").read_text().startswith("def price(rate: float")
    if shutil.which("dot"):
        svg = reports[2].displayed[0]["image/svg+xml"]
        assert ">price<" in svg and "Legend" not in svg


def test_magic_misuse_is_a_usage_error_with_a_hint(tmp_path: Path) -> None:
    body = "\ndef a() -> int:\n    return 1\n"
    reports = run_cells([
        "%load_ext dataflow.plugins.jupyter_magic\nselected = ['a']",
        "%%cell_to_module m1 --dispaly" + body,
        "%%cell_to_module m2 -x selectd" + body,
        "%%cell_to_module" + body,
        "%%cell_to_module m3 --display_cache" + body,
        "%%cell_to_module m4 -x -v" + body,
        "%%cell_to_module m5 -x\ndef b(missing: int) -> int:\n    return missing\n",
    ], tmp_path)
    errors = [r.error or "" for r in reports]
    assert "unknown option '--dispaly'. Did you mean '--display'" in errors[1]
    assert errors[2].startswith("UsageError: --execute selectd: no notebook variable")
    assert "Did you mean 'selected'?" in errors[2]
    assert "needs the module's name" in errors[3]
    assert "--display_cache" in errors[4] and "UsageError" in errors[4]
    assert reports[5].error is None and "note: -v no longer does anything" in reports[5].stdout
    assert errors[6].startswith("UsageError: MissingInputsError") and "missing" in errors[6]


DRIVER_CELL = ("from dataflow import ad_hoc_utils, driver\n"
               "def spend() -> float:\n    return 10.0\n"
               "def doubled(spend: float) -> float:\n    return spend * 2\n"
               "dr = driver.Builder().with_modules("
               "ad_hoc_utils.create_temporary_module(spend, doubled)).build()")


@needs_dot
def test_a_driver_shown_in_a_notebook_draws_itself(tmp_path: Path) -> None:
    _, shown = run_cells([DRIVER_CELL, "dr"], tmp_path)
    assert shown.error is None
    assert shown.value["text/plain"].startswith("<Driver: 2 function nodes")
    svg = shown.value["image/svg+xml"]
    assert ">spend<" in svg and ">doubled<" in svg and "Legend" in svg


def test_without_dot_a_driver_shows_text_and_how_to_install_dot(tmp_path: Path) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    _, shown = run_cells([DRIVER_CELL, "dr"], tmp_path, env={"PATH": str(empty)})
    assert shown.error is None
    assert list(shown.value) == ["text/plain"]
    assert shown.value["text/plain"].startswith("<Driver: 2 function nodes")
    assert "apt-get install graphviz" in shown.value["text/plain"]


@needs_dot
def test_display_execution_shows_the_request_in_the_notebook(tmp_path: Path) -> None:
    _, shown = run_cells([DRIVER_CELL, "dr.display_execution(['doubled']) is not None"],
                         tmp_path)
    assert shown.error is None
    (picture,) = shown.displayed
    assert ">doubled<" in picture["image/svg+xml"]


@needs_dot
def test_execute_with_display_graph_shows_the_picture_then_runs(tmp_path: Path) -> None:
    _, ran = run_cells([DRIVER_CELL, "dr.execute(['doubled'], display_graph=True)"], tmp_path)
    assert ran.error is None
    (picture,) = ran.displayed
    assert ">doubled<" in picture["image/svg+xml"] and ">spend<" in picture["image/svg+xml"]
    assert ran.value["text/plain"] == "{'doubled': 20.0}"

