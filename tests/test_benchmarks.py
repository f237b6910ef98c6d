"""The benchmark harness works end to end (small sizes). Nothing here times anything: the
figures are reported by ``python -m benchmarks.run``, never asserted."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_quick_benchmark_runs_every_scenario_and_writes_both_reports(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--quick", "--frameworks", "hand,dataflow",
         "--out", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "latest.json").read_text())
    assert report["quick"] is True
    rows = {(row["scenario"], row["metric"]): row["seconds"] for row in report["rows"]}
    kinds = {scenario.split(",")[0].split(" (")[0].split(":")[0] for scenario, _ in rows}
    assert kinds == {"scalar chain", "wide-shallow", "layered 20 x 50 = 1", "subset",
                     "first call", "stall",
                     "pandas features", "@parameterize into 500 nodes",
                     "@extract_columns of 200 columns + @check_output on each"}
    # dataflow produced a number (not a failure string) in every row it takes part in
    failures = {key: cell["dataflow"] for key, cell in rows.items()
                if not isinstance(cell.get("dataflow", 0.0), float)
                and not cell["dataflow"].startswith("not within")}  # a plan compiled later
    assert failures == {}
    stall = {metric: cell for (scenario, metric), cell in rows.items()
             if scenario.startswith("stall")}
    assert stall["slowest / median"]["dataflow"] >= 1.0
    markdown = (tmp_path / "latest.md").read_text()
    assert "| scenario | metric | hand | dataflow | hamilton |" in markdown
    assert "peak RSS" in markdown and "@extract_columns of 200 columns" in markdown


def test_training_benchmark_runs_quick() -> None:
    done = subprocess.run([sys.executable, "-m", "benchmarks.training", "--quick"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert "overhead x" in done.stdout and "tuning speed-up x" in done.stdout
