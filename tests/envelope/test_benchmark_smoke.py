"""The registry benchmark runs (small sizes; nothing is timed here)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_registry_benchmark_runs_quick() -> None:
    done = subprocess.run([sys.executable, "-m", "benchmarks.envelope_registry", "--quick"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert "| SQLite | find(canonical_name=..., region=[US, CA]) |" in done.stdout
    assert "| SQLite | hand: one SQL statement, ids only |" in done.stdout
