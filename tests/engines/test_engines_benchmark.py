"""The engines benchmark runs and reports every runner (its figures are never asserted)."""

from benchmarks import engines


def test_the_quick_engines_benchmark_reports_every_runner(dask_client, ray_session, capsys):
    lines = engines.main(["--quick"], client=dask_client)
    assert [line.split(" |")[0] for line in lines[3:]] == [
        "| local driver", "| hand-written dask graph", "| dataflow DaskGraphAdapter",
        "| Hamilton DaskGraphAdapter",
        "| hand-written Ray tasks", "| dataflow RayGraphAdapter", "| Hamilton RayGraphAdapter"]
    assert all(line.endswith("x |") for line in lines[4:])
    assert "chains of 50 nodes" in capsys.readouterr().out
    assert ray_session.is_initialized()  # the benchmark used the running Ray and left it
