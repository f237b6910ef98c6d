"""``dataflow run`` reports what saving nodes wrote instead of putting metadata in the frame."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]

MODULE = textwrap.dedent("""
    import pandas as pd
    from dataflow.function_modifiers import save_to, source

    @save_to.csv(path=source("out_path"), output_name_="orders_csv")
    def orders() -> pd.DataFrame:
        return pd.DataFrame({"spend": [1.0, 2.0]})

    def total(orders: pd.DataFrame) -> float:
        return float(orders["spend"].sum())
""")


def test_run_reports_saved_files_and_prints_the_other_outputs(tmp_path: Path) -> None:
    (tmp_path / "shop.py").write_text(MODULE)
    result = subprocess.run(
        [sys.executable, "-m", "dataflow.cli", "run", "shop.py", "--final-vars", "orders_csv",
         "total", "--input", "out_path=orders.csv"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
    assert "saved orders_csv: orders.csv (" in result.stdout
    assert "2 rows, 1 columns)" in result.stdout
    assert "total" in result.stdout and "3.0" in result.stdout
    assert pd.read_csv(tmp_path / "orders.csv")["spend"].tolist() == [1.0, 2.0]
