"""``import dataflow`` (and the driver) never load the envelope or its libraries; importing
``dataflow.envelope`` works in a fresh process."""

from __future__ import annotations

import subprocess
import sys

ENVELOPE_LIBRARIES = ("dataflow.envelope", "sqlalchemy", "fsspec", "cloudpickle")


def _modules_after(statement: str) -> set[str]:
    code = f"{statement}\nimport sys\nprint('\\n'.join(sys.modules))"
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                               check=True, timeout=120)
    return set(completed.stdout.split())


def test_import_dataflow_and_its_driver_do_not_load_the_envelope() -> None:
    loaded = _modules_after("import dataflow, dataflow.driver")
    assert sorted(m for m in ENVELOPE_LIBRARIES if m in loaded) == []


def test_from_dataflow_import_envelope() -> None:
    loaded = _modules_after("from dataflow import envelope\nassert callable(envelope.save_model)")
    assert {"dataflow.envelope", "sqlalchemy"} <= loaded
