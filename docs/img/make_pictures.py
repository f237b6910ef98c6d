"""Redraw the pictures of the docs from the code the docs show.

    python docs/img/make_pictures.py              # rewrites the pictures in docs/img
    python docs/img/make_pictures.py OUT_DIR      # writes them to OUT_DIR instead

``lineage_example.{png,svg}`` and ``execution_example.png`` draw the driver of the first
example of docs/lineage.md (saved as ``lineage_example.py`` so tooltips name that file);
``demo_lineage.svg`` is what the demand-forecasting example's training job draws
(``make demo``). ``modules_example.png`` (a generated 4,000-node graph) is not redrawn here.
"""

from __future__ import annotations

import importlib
import re
import sys
import tempfile
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def lineage_example_source() -> str:
    """The first python block of docs/lineage.md."""
    text = (ROOT / "docs" / "lineage.md").read_text()
    found = re.search(r"```python\n(.*?)```", text, flags=re.S)
    assert found is not None, "docs/lineage.md has no python example"
    return found.group(1)


def draw_lineage_examples(out: Path) -> list[Path]:
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "lineage_example.py").write_text(lineage_example_source())
        sys.path.insert(0, folder)
        try:
            example = importlib.import_module("lineage_example")
        finally:
            sys.path.remove(folder)
            sys.modules.pop("lineage_example", None)
    dr, raw = example.dr, example.raw
    dr.display_all_functions(out / "lineage_example.png")
    dr.display_all_functions(out / "lineage_example.svg")
    dr.visualize_execution(["spend_per_signup", "scaled"], out / "execution_example.png",
                           inputs={"raw": raw},
                           overrides={"spend_zero_mean": pd.Series([1.0, 2.0, 3.0])})
    return [out / "lineage_example.png", out / "lineage_example.svg",
            out / "execution_example.png"]


def draw_demo_lineage(out: Path) -> Path:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from examples.demand_forecasting import train

    target = out / "demo_lineage.svg"
    train.write_lineage(train.build_driver({"n_stores": 2, "n_days": 70}), target)
    return target


def main(argv: list[str]) -> None:
    out = Path(argv[0]) if argv else HERE
    out.mkdir(parents=True, exist_ok=True)
    for path in [*draw_lineage_examples(out), draw_demo_lineage(out)]:
        print(f"wrote {path}")


if __name__ == "__main__":
    main(sys.argv[1:])
