"""Run notebook cells in a real IPython shell, in a fresh process, and report what they showed.

A separate process keeps the test process free of the IPython singleton (``get_ipython()``
answers for the whole process once a shell exists) and of IPython's history files.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RUNNER = '''
import json, sys
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output
from traitlets.config import Config

config = Config()
config.HistoryManager.hist_file = ":memory:"
config.InteractiveShell.colors = "nocolor"
shell = InteractiveShell.instance(config=config)
reports = []
for cell in json.loads(open(sys.argv[1]).read()):
    with capture_output() as captured:
        result = shell.run_cell(cell)
    error = result.error_before_exec or result.error_in_exec
    shown = {}
    if result.result is not None:
        shown, _ = shell.display_formatter.format(result.result)
    as_text = lambda data: {k: v if isinstance(v, str) else repr(v) for k, v in data.items()}
    reports.append({
        "error": None if error is None else f"{type(error).__name__}: {error}",
        "stdout": captured.stdout,
        "displayed": [as_text(o.data) for o in captured.outputs],
        "value": as_text(shown),
    })
print(json.dumps(reports))
'''


@dataclass
class CellReport:
    """What one cell did: its error, printed text, ``display()`` outputs and shown value."""

    error: str | None
    stdout: str
    displayed: list[dict[str, str]] = field(default_factory=list)
    value: dict[str, str] = field(default_factory=dict)


def run_cells(cells: list[str], workdir: Path, env: dict[str, str] | None = None,
              ) -> list[CellReport]:
    """Run ``cells`` one after another in one IPython shell started in ``workdir``."""
    cells_file = workdir / "cells.json"
    cells_file.write_text(json.dumps(cells))
    environment = {**os.environ, "IPYTHONDIR": str(workdir / ".ipython"), **(env or {})}
    root = str(Path(__file__).resolve().parents[2])
    environment["PYTHONPATH"] = os.pathsep.join(
        p for p in (root, environment.get("PYTHONPATH")) if p)
    done = subprocess.run([sys.executable, "-c", RUNNER, str(cells_file)], cwd=workdir,
                          env=environment, capture_output=True, text=True, timeout=180,
                          check=False)
    assert done.returncode == 0, done.stderr
    reports: list[dict[str, Any]] = json.loads(done.stdout.splitlines()[-1])
    return [CellReport(**r) for r in reports]
