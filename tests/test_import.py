"""``import dataflow`` stays cheap: no heavy optional libraries at import time."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("pandas", "numpy", "networkx", "graphviz")


def _modules_after(statement: str) -> set[str]:
    code = f"{statement}\nimport sys\nprint('\\n'.join(sys.modules))"
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                               check=True, timeout=60)
    return set(completed.stdout.split())


def test_import_dataflow_loads_no_heavy_library() -> None:
    loaded = _modules_after("import dataflow")
    assert "dataflow" in loaded
    assert sorted(m for m in HEAVY if m in loaded) == []


def test_import_dataflow_driver_works_in_a_fresh_process() -> None:
    loaded = _modules_after(
        "import dataflow.driver as d\nassert callable(d.Builder) and callable(d.Driver)")
    assert "dataflow.driver" in loaded
    # lineage (graphviz) and asyncio load only when a picture is drawn or a node is async
    assert sorted(m for m in (*HEAVY, "asyncio") if m in loaded) == []


def test_first_picture_loads_the_lineage_modules() -> None:
    loaded = _modules_after(
        "from dataflow import ad_hoc_utils, driver\n"
        "def a() -> int:\n    return 1\n"
        "dr = driver.Builder().with_modules(ad_hoc_utils.create_temporary_module(a)).build()\n"
        "assert dr.export_execution(['a'])")
    assert {"dataflow.lineage.export", "dataflow.driver"} <= loaded
