"""What dataflow.io's savers cost over pandas writing the same file directly: the atomic write
(temporary file, fsync, rename), the content hash (sha256, one more read of the file) and the
metadata. A 1,000,000 x 10 float frame; best of a few runs.

    PYTHONPATH=. python -m benchmarks.io_savers
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from dataflow.io import registry


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main(rows: int = 1_000_000) -> None:
    frame = pd.DataFrame(np.random.default_rng(0).random((rows, 10)),
                         columns=[f"c{i}" for i in range(10)])
    writers: dict[str, Callable[[str], object]] = {
        "parquet": lambda path: frame.to_parquet(path),
        "pickle": lambda path: frame.to_pickle(path),
        "csv": lambda path: frame.to_csv(path, index=False),
    }
    with tempfile.TemporaryDirectory() as directory:
        for fmt, direct in writers.items():
            path = os.path.join(directory, f"frame.{fmt}")
            saver = registry.adapter_for("saver", fmt, pd.DataFrame, "benchmark")
            repeat = 2 if fmt == "csv" else 5
            plain = best(lambda: direct(path), repeat)  # noqa: B023 - called in this iteration
            ours = best(lambda: saver(path=path).save_data(frame), repeat)  # noqa: B023
            print(f"{fmt:8s} pandas {plain * 1000:8.1f} ms   dataflow.io {ours * 1000:8.1f} ms"
                  f"   ratio {ours / plain:4.2f}   {os.path.getsize(path) / 1e6:6.1f} MB")


if __name__ == "__main__":
    main()
