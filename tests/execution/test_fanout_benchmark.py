"""The fan-out benchmark runs and reports every framework (its figures are never asserted)."""

from benchmarks import fanout


def test_the_quick_fanout_benchmark_reports_every_framework():
    lines = fanout.main(["--quick"])
    table = [line for line in lines if line.startswith("| ")]
    assert table[0].startswith("| items | hand ms | dataflow ms | hamilton ms")
    rows = [line for line in table if line[2].isdigit()]
    assert [row.split(" | ")[0] for row in rows] == ["| 10", "| 100"]
    assert all("skipped" not in row for row in rows)
