"""The engines memory benchmark runs every runner and checks their frames agree (its figures
are never asserted). pandas and dask run in this process, dask on the engine tests' cluster
(the real benchmark starts a process and a cluster per runner); the Ray hook runs as in the
benchmark."""

import sys
import tempfile
from pathlib import Path

from benchmarks import engines_memory


def test_the_quick_memory_benchmark_reports_every_runner(dask_client, capsys):
    def in_process(runner, rows, n_features, partition_rows, budget):
        if runner == "ray":
            return engines_memory.run_child(runner, rows, n_features, partition_rows, budget)
        with tempfile.TemporaryDirectory() as folder:
            sys.path.insert(0, folder)
            try:
                if runner == "dask":
                    facts = engines_memory.dask_job(rows, Path(folder), n_features,
                                                    dask_client, partition_rows)
                else:
                    facts = engines_memory.pandas_job(rows, Path(folder), n_features)
            finally:
                sys.path.remove(folder)
        return {**facts, "driver_peak": 1, "children_peak": 0}

    lines = engines_memory.main(["--quick", "--runners", "pandas,dask,ray"], runner=in_process)
    rows = {line.split(" |")[0]: line for line in lines if line.startswith("| ")}
    assert set(rows) == {"| runner", "| pandas driver", "| dask (2 workers)", "| ray (2 CPUs)"}
    assert "| 1.00x |" in rows["| pandas driver"]
    assert rows["| dask (2 workers)"].endswith("| yes |")  # 20,000 rows fit the budget
    assert "30 features, 20,000 rows" in capsys.readouterr().out
