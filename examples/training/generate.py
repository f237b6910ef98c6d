"""Write the example's sales table to a DuckDB file (what the SQL extract reads).

    python -m examples.training.generate data/sales.duckdb --stores 6 --days 240
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

if __package__ in (None, ""):  # run by path: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from dataflow.io.utils import atomic_path
from examples.demand_forecasting.synthetic import sales_frame


def write_sales_database(path: str | os.PathLike[str], n_stores: int = 6, n_days: int = 240,
                         seed: int = 3) -> Path:
    """A DuckDB file holding table ``sales`` (one row per store and day), written atomically."""
    import duckdb

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = sales_frame(n_stores, n_days, seed)
    with atomic_path(path) as tmp:
        os.remove(tmp) if os.path.exists(tmp) else None
        connection = duckdb.connect(tmp)
        try:
            connection.register("frame", frame)
            connection.execute("create table sales as select * from frame")
        finally:
            connection.close()
    return path


def main(argv: Sequence[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", default=str(Path(__file__).parent / "data" /
                                                        "sales.duckdb"))
    parser.add_argument("--stores", type=int, default=6)
    parser.add_argument("--days", type=int, default=240)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args(argv)
    path = write_sales_database(args.path, args.stores, args.days, args.seed)
    print(f"wrote {path}")
    return path


if __name__ == "__main__":
    main()
