"""``import dataflow`` stays cheap: no heavy optional libraries at import time."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("pandas", "numpy", "networkx", "graphviz", "ray", "pyspark")


def _modules_after(statement: str) -> set[str]:
    code = f"{statement}\nimport sys\nprint('\\n'.join(sys.modules))"
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                               check=True, timeout=60)
    return set(completed.stdout.split())


def test_import_dataflow_loads_no_heavy_library() -> None:
    loaded = _modules_after("import dataflow")
    assert "dataflow" in loaded
    assert sorted(m for m in HEAVY if m in loaded) == []


def test_import_dataflow_driver_works_in_a_fresh_process() -> None:
    loaded = _modules_after(
        "import dataflow.driver as d\nassert callable(d.Builder) and callable(d.Driver)")
    assert "dataflow.driver" in loaded
    # lineage (graphviz) and asyncio load only when a picture is drawn or a node is async
    assert sorted(m for m in (*HEAVY, "asyncio") if m in loaded) == []


def test_first_picture_loads_the_lineage_modules() -> None:
    loaded = _modules_after(
        "from dataflow import ad_hoc_utils, driver\n"
        "def a() -> int:\n    return 1\n"
        "dr = driver.Builder().with_modules(ad_hoc_utils.create_temporary_module(a)).build()\n"
        "assert dr.export_execution(['a'])")
    assert {"dataflow.lineage.export", "dataflow.driver"} <= loaded


def test_a_plain_install_runs_draws_and_queries_without_the_optional_libraries() -> None:
    """networkx is the ``dataflow[networkx]`` extra and typing-inspect no dependency at all: build,
    run, lineage queries and pictures work with them (and pyarrow, Hamilton) unimportable; only
    ``to_networkx`` needs networkx, and says so."""
    code = (
        "import sys\n"
        "for name in ('networkx', 'typing_inspect', 'pyarrow', 'hamilton'):\n"
        "    sys.modules[name] = None  # import raises ModuleNotFoundError\n"
        "import pandas as pd\n"
        "from dataflow import ad_hoc_utils, base, driver\n"
        "from dataflow.graph import to_networkx\n"
        "def spend() -> pd.Series:\n    return pd.Series([1.0, 2.0])\n"
        "def doubled(spend: pd.Series) -> pd.Series:\n    return spend * 2\n"
        "module = ad_hoc_utils.create_temporary_module(spend, doubled)\n"
        "dr = (driver.Builder().with_modules(module)\n"
        "      .with_adapters(base.PandasDataFrameResult()).build())\n"
        "assert dr.execute(['doubled'])['doubled'].tolist() == [2.0, 4.0]\n"
        "assert {v.name for v in dr.what_is_upstream_of('doubled')} == {'spend', 'doubled'}\n"
        "assert 'doubled' in dr.display_all_functions().source\n"
        "try:\n    to_networkx(dr.graph)\n"
        "except ImportError as error:\n    print(error)\n"
        "else:\n    raise AssertionError('to_networkx ran without networkx')\n"
        "print('\\n'.join(sys.modules))\n")
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                               timeout=120)
    assert completed.returncode == 0, completed.stderr
    first, *loaded = completed.stdout.split("\n")
    assert "dataflow[networkx]" in first
    assert "dataflow.lineage.pictures" in loaded


def test_the_progress_bar_libraries_load_only_with_their_plugins() -> None:
    """tqdm and rich are the ``tqdm`` / ``rich`` extras: ``import dataflow``, the lifecycle API
    and the logging and timing plugins do not load them."""
    loaded = _modules_after("import dataflow, dataflow.driver, dataflow.lifecycle\n"
                            "import dataflow.async_driver, dataflow.lifecycle.base\n"
                            "from plugins import h_logging, h_timing")
    assert sorted(m for m in loaded if m.split(".")[0] in ("tqdm", "rich")) == []


def test_the_spark_plugin_leaves_pandas_on_spark_unimported() -> None:
    """pyspark.pandas loads only with the pandas-on-Spark adapter (it does not import with
    pandas 3.x): with_columns for PySpark DataFrames works without it."""
    loaded = _modules_after("import plugins.h_spark")
    assert "pyspark.sql" in loaded and "pyspark.pandas" not in loaded
