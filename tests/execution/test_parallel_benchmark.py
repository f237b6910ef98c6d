"""The parallel benchmark runs and reports both scenarios (its figures are never asserted)."""

from benchmarks import parallel


def test_the_quick_parallel_benchmark_reports_both_scenarios(capsys):
    lines = parallel.main(["--quick"])
    assert any("MultiThreadingExecutor(2)" in line for line in lines)
    assert any("MultiProcessingExecutor(2)" in line for line in lines)
    assert all(line.endswith("x |") for line in lines[3:])
    assert "1 worker / 2 workers" in capsys.readouterr().out
