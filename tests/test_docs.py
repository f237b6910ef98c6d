"""The README example and the ```python blocks of the core docs pages run as written.

Blocks of one page run in order in one namespace (pages build on their earlier blocks), in a
temporary working directory so files they write land there.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORE_PAGES = ["concepts.md", "driver.md", "results.md", "howto/port_from_hamilton.md",
              "howto/run_in_worker_processes.md"]


def _blocks(path: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", path.read_text(), flags=re.S)


@pytest.mark.parametrize("page", CORE_PAGES)
def test_core_page_examples_run_in_order(page: str, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    path = ROOT / "docs" / page
    blocks = _blocks(path)
    assert blocks, f"{page} has no python examples"
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": f"doc_{path.stem}"}
    for block in blocks:
        exec(compile(block, str(path), "exec"), namespace)


def test_readme_example_runs_as_two_files(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    (block,) = _blocks(ROOT / "README.md")
    features, job = block.split("# job.py\n")
    assert features.startswith("# features.py\n")
    (tmp_path / "features.py").write_text(features)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    namespace: dict[str, object] = {"__name__": "readme_job"}
    try:
        if shutil.which("dot") is None:
            job = job.replace('dr.display_all_functions(output_file_path="features.svg")', "")
        exec(compile(job, "README.md", "exec"), namespace)
    finally:
        sys.modules.pop("features", None)
    frame = namespace["frame"]
    assert list(frame.columns) == ["price_ratio", "units_mean_7"]  # type: ignore[attr-defined]
    assert frame["price_ratio"].tolist() == [0.9, 1.0]  # type: ignore[index]
    assert frame["units_mean_7"].tolist() == [3.0, 4.0]  # type: ignore[index]
    if shutil.which("dot"):
        svg = (tmp_path / "features.svg").read_text()
        assert "units_mean_28" in svg and "price_ratio" in svg


def test_readme_names_exactly_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    commands = re.findall(r"^make (\w+)", readme, flags=re.M)
    assert commands == ["demo", "test"]
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_docs_links_point_at_files() -> None:
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]:
        for target in re.findall(r"\]\(([^)#:]+\.(?:md|svg|png))\)", page.read_text()):
            assert (page.parent / target).exists(), f"{page.relative_to(ROOT)} links {target}"
