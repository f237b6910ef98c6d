"""Suite-wide settings: a deterministic hypothesis profile so a noisy CI machine never flakes.

The ``ci`` profile (derandomized, so the same examples every run and no example database; no
deadline, so a loaded 2-core machine cannot fail a test on time) is the one loaded unless
``HYPOTHESIS_PROFILE`` names another; ``make test`` sets ``HYPOTHESIS_PROFILE=ci`` explicitly on
every leg of its matrix, and the header of each pytest run prints the profile in force with the
Python, pandas and numpy versions, so a log says what ran.
"""

import os
import platform
import signal

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    deadline=None,
    derandomize=True,
    max_examples=60,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
settings.register_profile("dev", deadline=None, max_examples=200)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
settings.load_profile(PROFILE)


SLOW_PLACES = ("tests/engines/", "tests/training/", "tests/test_benchmarks.py",
               "tests/caching/test_benchmark.py", "tests/envelope/test_benchmark_smoke.py",
               "tests/envelope/test_dashboard.py", "tests/envelope/test_service.py",
               "tests/test_docs.py", "tests/cli/test_cli.py")
"""Tests that start an engine (a Dask cluster, Ray, a Spark session), a browser or a server,
train models, run a benchmark, or run every docs page and command line in subprocesses (the
two largest files, ~100 s a leg): marked ``slow``. The main leg of ``make test`` runs them; the
other legs run ``-m "not slow"`` (the pandas-2 leg also the ``pandas2`` tests) to keep the
matrix under its time budget (Makefile: FAST_LEGS)."""
SLOW_PAGES = ("docs/engines.md", "docs/howto/pandas_to_dask.md", "docs/training.md",
              "docs/serving.md", "docs/dashboard.md")
"""Docs pages whose examples start engines or servers or train models: ``slow`` too."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        nodeid = item.nodeid
        if nodeid.startswith(SLOW_PLACES) or any(f"[{page}]" in nodeid for page in SLOW_PAGES):
            item.add_marker(pytest.mark.slow)


def pytest_report_header() -> list[str]:
    import numpy
    import pandas

    return [
        f"dataflow matrix: Python {platform.python_version()}, pandas {pandas.__version__}, "
        f"numpy {numpy.__version__}; hypothesis profile {PROFILE!r}"
    ]


@pytest.fixture
def ctrl_c_reaches_python():
    """SIGINT handled by Python's default handler during the test, as in a terminal. A suite
    started in the background by a non-interactive shell (``pytest ... > log &`` in a script)
    inherits SIGINT *ignored*: ``_thread.interrupt_main()`` then does nothing and the kernel
    drops a real SIGINT, so a test that presses Ctrl-C could not press it."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)
