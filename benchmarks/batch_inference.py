"""Batch inference memory and speed (issue 11: a 5M-row parquet file scored with peak RSS at most
2x one chunk's).

    python -m benchmarks.batch_inference                  # 5,000,000 rows, chunks of 250,000
    python -m benchmarks.batch_inference --rows 200000 --chunk-rows 20000   # a quick run

Each measurement runs in a fresh process, which loads the model and scores one tiny frame first
(so imports and the model are in the baseline), then samples its own RSS every 2 ms while it
works; the figure is the peak above that baseline. Three runs, one process each:

* ``one chunk``: ``batch_predict`` over a file of exactly ``chunk_rows`` rows: what one chunk
  costs (reading, checking, predicting, writing);
* ``batch_predict``: the whole file in chunks;
* ``hand-written``: ``pd.read_parquet`` of the whole file, the model, ``to_parquet``: what a
  script without chunking costs.

The issue's target is ``batch_predict / one chunk <= 2``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

FEATURES = 8


def linear(frame: Any) -> Any:
    """The model: a fixed linear score of the feature columns."""
    total = frame["f0"] * 0.0
    for i in range(FEATURES):
        total = total + frame[f"f{i}"] * (i + 1)
    return total.rename("score")


def write_features(path: Path, rows: int, piece: int = 500_000) -> None:
    """``rows`` rows of an id and FEATURES float columns, written a piece at a time."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(0)
    writer = None
    for start in range(0, rows, piece):
        n = min(piece, rows - start)
        table = pa.table({"id": np.arange(start, start + n, dtype="int64"),
                          **{f"f{i}": rng.random(n) for i in range(FEATURES)}})
        writer = writer or pq.ParquetWriter(path, table.schema)
        writer.write_table(table)
    assert writer is not None
    writer.close()


class PeakRss:
    """Samples this process's RSS on a thread; ``peak`` is the highest seen since start."""

    def __init__(self) -> None:
        import psutil

        self.process = psutil.Process()
        self.baseline = self.process.memory_info().rss
        self.peak = self.baseline
        self.running = True
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()

    def _sample(self) -> None:
        while self.running:
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(0.002)

    def stop(self) -> int:
        self.running = False
        self.thread.join()
        self.peak = max(self.peak, self.process.memory_info().rss)
        return self.peak - self.baseline


def child(mode: str, registry_dir: str, source: str, target: str, chunk_rows: int) -> None:
    import pandas as pd

    from dataflow import envelope

    registry = envelope.Registry(registry_dir)
    model = registry.load(registry.find(canonical_name="bench_linear", latest=True)[0].id)
    if mode != "hand":
        import pyarrow.parquet as pq

        # imports, the model and the reader warm, so the baseline holds them; ten rows, not
        # the file: what is read here stays in the baseline
        warm = next(pq.ParquetFile(source).iter_batches(batch_size=10)).to_pandas()
        envelope.batch_predict(canonical_name="bench_linear", input=warm, registry=registry,
                               progress=False)
    else:
        model(pd.DataFrame({f"f{i}": [0.0] for i in range(FEATURES)}))
        pd.DataFrame({"a": [1.0]}).to_parquet(target)
    meter = PeakRss()
    start = time.perf_counter()
    if mode == "hand":
        frame = pd.read_parquet(source)
        frame[["id"]].assign(score=model(frame)).to_parquet(target)
        rows = len(frame)
        del frame
    else:
        rows = envelope.batch_predict(canonical_name="bench_linear", input=source, output=target,
                                      chunk_rows=chunk_rows, keep_columns=["id"],
                                      registry=registry, progress=False).rows
    seconds = time.perf_counter() - start
    print(json.dumps({"mode": mode, "rows": rows, "seconds": seconds,
                      "peak_mib": meter.stop() / 2**20}))


def measure(mode: str, registry_dir: Path, source: Path, target: Path,
            chunk_rows: int) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.batch_inference", "--child", mode,
         str(registry_dir), str(source), str(target), str(chunk_rows)],
        cwd=Path(__file__).resolve().parents[1], capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> dict[str, dict[str, Any]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--chunk-rows", type=int, default=250_000)
    parser.add_argument("--child", nargs=5, metavar=("MODE", "REGISTRY", "IN", "OUT", "CHUNK"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        mode, registry_dir, source, target, chunk = args.child
        child(mode, registry_dir, source, target, int(chunk))
        return {}
    import pandas as pd

    from dataflow import envelope

    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch)
        registry = envelope.Registry(directory / "registry")
        sample = pd.DataFrame({f"f{i}": [0.5, 1.5] for i in range(FEATURES)})
        envelope.save_model(linear, description="linear score",
                            tags={"canonical_name": "bench_linear"}, api_input=sample,
                            registry=registry)
        registry.close()
        write_features(directory / "one.parquet", args.chunk_rows)
        write_features(directory / "all.parquet", args.rows)
        size = os.path.getsize(directory / "all.parquet") / 2**20
        results = {
            "one chunk": measure("batch", directory / "registry", directory / "one.parquet",
                                 directory / "one_out.parquet", args.chunk_rows),
            "batch_predict": measure("batch", directory / "registry",
                                     directory / "all.parquet", directory / "out.parquet",
                                     args.chunk_rows),
            "hand-written": measure("hand", directory / "registry", directory / "all.parquet",
                                    directory / "hand.parquet", args.chunk_rows),
        }
    one = results["one chunk"]["peak_mib"]
    print(f"{args.rows:,} rows x {FEATURES} features ({size:.0f} MiB parquet), chunks of "
          f"{args.chunk_rows:,} rows; load {os.getloadavg()[0]:.1f}")
    print("| run | rows | seconds | rows/s | peak RSS above baseline | / one chunk |")
    print("|---|---|---|---|---|---|")
    for name, result in results.items():
        print(f"| {name} | {result['rows']:,} | {result['seconds']:.2f} | "
              f"{result['rows'] / result['seconds']:,.0f} | {result['peak_mib']:.0f} MiB | "
              f"{result['peak_mib'] / one:.2f}x |")
    return results


if __name__ == "__main__":
    main()
