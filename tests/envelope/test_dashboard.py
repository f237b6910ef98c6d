"""The model dashboard: its data functions on a seeded registry (no browser), then the real
page — ``dataflow models dashboard`` in its own process on 127.0.0.1 — in Debian's headless
Chromium (selenium + chromedriver): charts drawn, a screenshot that is not blank, nothing loaded
from anywhere but the server, and a tag choice that changes the charts and the table."""

from __future__ import annotations

import io
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dataflow.envelope import Registry
from tests.envelope.dashboard_seed import MODELS, seed

pytest.importorskip("dash", reason="the dashboard extra is not installed: pip install "
                                   "'.[dashboard]'")
from dataflow.envelope import dashboard, dashboard_data  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = ("chromium", "chromium-browser", "google-chrome")


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, list[int]]]:
    directory = tmp_path_factory.mktemp("dashboard") / "registry"
    with Registry(directory) as registry:
        ids = seed(registry)
    yield directory, ids


# --- the data the figures are built from ---------------------------------------------------------

def test_tag_choices_and_selection(seeded: tuple[Path, list[int]]) -> None:
    registry = Registry(seeded[0])
    choices = dashboard_data.tag_choices(registry.find())
    assert choices == {"canonical_name": ["churn", "client_ltv"], "region": ["CA", "MX", "US"]}
    query = dashboard_data.selection_query({"canonical_name": ["client_ltv"], "region": []})
    assert query == {"canonical_name": ["client_ltv"]}
    frame = dashboard_data.models_frame(registry.find(query))
    assert list(frame.columns) == ["id", "created_at", "description", "canonical_name", "region"]
    assert frame["region"].tolist() == ["MX", "CA", "US"]  # newest first


def test_series_scatter_and_curves(seeded: tuple[Path, list[int]]) -> None:
    registry = Registry(seeded[0])
    records, metrics = registry.find(), registry.metrics()
    numbers, structured = dashboard_data.metric_names(metrics)
    assert numbers == ["training_loss", "auc", "holdout_mae"]  # the one logged most first
    assert structured == ["roc_curve", "confusion"]  # curves before matrices

    logged = dashboard_data.series_points(metrics, records, "training_loss")
    assert len(logged) == 3 * len(MODELS) and logged["series"].nunique() == len(MODELS)
    us = logged[logged["model_id"] == seeded[1][0]]
    assert us["value"].tolist() == list(MODELS[0][4]) and us["x"].is_monotonic_increasing
    created = dashboard_data.series_points(metrics, records, "training_loss", x="created_at",
                                           group_by="canonical_name")
    assert created.groupby("series")["value"].apply(list).to_dict() == {
        "churn": [0.12], "client_ltv": [0.18, 0.22, 0.31]}  # latest loss, in saving order
    with pytest.raises(ValueError, match="x is one of logged_at, created_at"):
        dashboard_data.series_points(metrics, records, "auc", x="saved")

    points = dashboard_data.scatter_points(metrics, records, "auc", "holdout_mae", "region")
    assert sorted(zip(points["x"], points["y"], points["series"])) == sorted(
        (auc, mae, region) for _, region, auc, mae, _ in MODELS)

    ids = seeded[1]
    assert dashboard_data.models_with(metrics, records, "roc_curve") == ids[::-1]
    curves = dashboard_data.structured_values(metrics, records, "roc_curve", ids[:2])
    assert [(c.model_id, c.x_name, c.y_name, len(c.x)) for c in curves] == [
        (ids[0], "fpr", "tpr", 5), (ids[1], "fpr", "tpr", 5)]
    matrices = dashboard_data.structured_values(metrics, records, "confusion", ids[:1])
    assert matrices[0].matrix == ((50.0, 5.0), (19.0, 40.0))


def test_structured_values_that_are_not_curves_are_left_out() -> None:
    assert dashboard_data.curve_xy({"precision": [1, 0.5], "recall": [0, 1]}) == (
        "recall", [0.0, 1.0], "precision", [1.0, 0.5])
    assert dashboard_data.curve_xy([3, 2, 1]) == ("index", [0.0, 1.0, 2.0], "value",
                                                  [3.0, 2.0, 1.0])
    assert dashboard_data.curve_xy({"fpr": [0, 1], "tpr": [0]}) is None  # lengths differ
    assert dashboard_data.curve_xy({"rows": 10, "model": "x"}) is None  # a batch run's record
    assert dashboard_data.matrix_of([[1, 2], [3]]) is None
    assert dashboard_data.matrix_of([[1, 2], [3, 4]]) == [[1.0, 2.0], [3.0, 4.0]]


def test_figures_have_a_trace_per_series(seeded: tuple[Path, list[int]]) -> None:
    registry = Registry(seeded[0])
    records, metrics = registry.find(), registry.metrics()
    points = dashboard_data.series_points(metrics, records, "training_loss")
    assert len(dashboard.timeseries_figure(points, "training_loss").data) == len(MODELS)
    curves = dashboard_data.structured_values(metrics, records, "roc_curve", seeded[1])
    side_by_side = dashboard.structured_figure(curves, "roc_curve")
    assert len(side_by_side.data) == len(MODELS) and side_by_side.layout.xaxis4 is not None
    colours = dashboard.model_colours(records)
    coloured = dashboard.structured_figure(curves, "roc_curve", colours=colours)
    lines = dashboard.timeseries_figure(points, "training_loss", colours=colours)
    assert [t.line.color for t in coloured.data] == [colours[c.model_id] for c in curves]
    assert {t.name: t.line.color for t in lines.data} == {t.name: t.line.color
                                                         for t in coloured.data}
    overlaid = dashboard.structured_figure(curves, "roc_curve", overlay=True)
    assert {trace.xaxis for trace in overlaid.data} == {"x"}
    empty = dashboard.scatter_figure(dashboard_data.scatter_points(
        metrics, records, "auc", "nothing"), "auc", "nothing")
    assert not empty.data and "no model has both metrics" in empty.layout.annotations[0].text


def test_the_envelope_does_not_import_the_web_libraries() -> None:
    code = ("from dataflow import envelope\nimport sys\n"
            "print(sorted(m for m in ('dash', 'plotly', 'flask') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.stdout.strip() == "[]"


# --- the page in a browser -----------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def dashboard_url(seeded: tuple[Path, list[int]]) -> Iterator[str]:
    """``dataflow models dashboard`` on a free port of 127.0.0.1, until the module's tests end."""
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get(
        "PYTHONPATH", "")])}
    log_path = seeded[0].parent / "dashboard.log"
    url = f"http://127.0.0.1:{port}/"
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "dataflow.cli", "models", "dashboard", "--registry",
             str(seeded[0]), "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    assert response.status == 200
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the dashboard did not start:\n{log_path.read_text()}")
                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium driven by chromedriver, its requests logged; it may reach 127.0.0.1 only
    (every other host name resolves to nothing)."""
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    binary = next((found for name in CHROMIUM if (found := shutil.which(name))), None)
    driver_path = shutil.which("chromedriver")
    if binary is None or driver_path is None:
        pytest.skip("no headless Chromium here: apt-get install chromium chromium-driver "
                    "(`make chromium` does it as root)")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1400,2100", "--hide-scrollbars",
                     "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


TRACES = """return Object.fromEntries(['timeseries', 'scatter', 'curves'].map(id => {
    const plot = document.querySelector('#' + id + ' .js-plotly-plot');
    return [id, plot && plot.data ? plot.data.length : null];
}));"""
DRAWN = """return ['timeseries', 'scatter', 'curves'].map(
    id => document.querySelectorAll('#' + id + ' svg.main-svg .trace').length);"""
ROWS = "return document.querySelectorAll('#models-table tbody tr').length;"


def _requests(driver: Any) -> set[str]:
    """The URLs the browser asked for since the last call."""
    return {json.loads(entry["message"])["message"]["params"]["request"]["url"]
            for entry in driver.get_log("performance")
            if '"Network.requestWillBeSent"' in entry["message"]}


def _wait_for(driver: Any, what: str, check: Any, timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            pytest.fail(f"the page did not show {what} within {timeout} s; it shows "
                        f"{_state(driver)} (traces, table rows, selection), having requested "
                        f"{sorted(_requests(driver))}")
        time.sleep(0.1)


def _state(driver: Any) -> tuple[dict[str, int], int, str]:
    count = driver.find_elements("id", "match-count")
    return (driver.execute_script(TRACES), driver.execute_script(ROWS),
            count[0].text if count else "")


def _choose(driver: Any, key: str, value: str) -> None:
    """Pick a value in the tag filter of ``key``, as a user does: open it, click the option."""
    button_id = json.dumps({"key": key, "type": "tag-filter"}, separators=(",", ":"))
    driver.find_element("css selector", f"button[id='{button_id}']").click()
    option = _wait_for(driver, f"the option {value}", lambda: driver.find_elements(
        "xpath", f"//*[@role='option' and .//input[@value='{value}']]"))
    option[0].click()
    driver.find_element("tag name", "h2").click()  # close the list


def test_the_page_draws_the_charts_and_a_tag_choice_changes_them(
        browser: Any, dashboard_url: str, seeded: tuple[Path, list[int]],
        tmp_path: Path) -> None:
    from PIL import Image, ImageStat

    browser.get(dashboard_url)
    everything = {"timeseries": len(MODELS), "scatter": 2, "curves": len(MODELS)}
    _wait_for(browser, "the charts of every model", lambda: _state(browser) == (
        everything, len(MODELS), f"{len(MODELS)} models selected"))
    # plotly drew them: an svg trace per line, per scatter group, per curve
    assert browser.execute_script(DRAWN) == [len(MODELS), 2, len(MODELS)]

    screenshot = Image.open(io.BytesIO(browser.get_screenshot_as_png())).convert("RGB")
    screenshot.save(tmp_path / "dashboard.png")
    assert screenshot.size[0] >= 1000 and max(ImageStat.Stat(screenshot).stddev) > 8
    for chart in ("timeseries", "scatter", "curves"):  # each chart's area has lines and text
        box = browser.execute_script(
            f"const r = document.getElementById('{chart}').getBoundingClientRect();"
            "return [r.left, r.top, r.right, r.bottom].map(Math.round);")
        area = screenshot.crop(tuple(box))
        assert area.size[1] > 300 and max(ImageStat.Stat(area).stddev) > 8, chart
        assert len(area.getcolors(maxcolors=1 << 20) or []) > 100, chart

    # nothing but the dashboard's own server was asked for anything
    requested = _requests(browser)
    assert requested and {url for url in requested
                          if not url.startswith((dashboard_url, "data:", "blob:"))} == set()

    _choose(browser, "canonical_name", "client_ltv")
    ltv = len([m for m in MODELS if m[0] == "client_ltv"])
    _wait_for(browser, "the client_ltv models only", lambda: _state(browser) == (
        {"timeseries": ltv, "scatter": 1, "curves": ltv}, ltv,
        f"{ltv} models selected by canonical_name=client_ltv"))

    _choose(browser, "region", "US")
    _wait_for(browser, "one model", lambda: _state(browser) == (
        {"timeseries": 1, "scatter": 1, "curves": 1}, 1,
        "1 model selected by canonical_name=client_ltv region=US"))
    table = browser.find_element("id", "models-table").text
    assert "client_ltv US" in table and "client_ltv CA" not in table
    browser.save_screenshot(str(tmp_path / "dashboard_client_ltv_US.png"))


def test_dashboard_page_shows_what_its_examples_print(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/dashboard.md: each ```text block after a ```python block is what it prints
    (tests/test_docs.py runs the page; this checks the output it shows)."""
    import contextlib

    from tests.test_docs import blocks

    page_path = ROOT / "docs" / "dashboard.md"
    monkeypatch.chdir(tmp_path)
    page = blocks(page_path)
    namespace: dict[str, object] = {"__name__": "docs_dashboard_outputs"}
    checked = 0
    for block, following in zip(page, [*page[1:], None]):
        if block.kind != "python":
            continue
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile("\n" * (block.line - 1) + block.text, str(page_path), "exec"),
                 namespace)
        shown = following.text if following is not None and following.kind == "text" else ""
        assert printed.getvalue() == shown, f"docs/dashboard.md, block at line {block.line}"
        checked += bool(shown)
    assert checked == 2
