"""The caching benchmark works end to end at small sizes (nothing here times anything: the
figures are reported by ``python -m benchmarks.caching``, never asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_quick_caching_benchmark_runs_both_frameworks_and_writes_its_report(
        tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.caching", "--quick", "--out", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "caching.json").read_text())
    assert report["quick"] is True
    assert set(report["seconds"]) == {"dataflow", "hamilton"}
    for figures in report["seconds"].values():
        assert set(figures) == {"uncached", "first run with cache", "second run, all cached"}
        assert all(seconds > 0 for seconds in figures.values())
    assert "| dataflow | second run, all cached |" in (tmp_path / "caching.md").read_text()
