"""One real dask cluster (2 worker processes, 1 thread each) for every engine test."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def dask_client():
    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                           dashboard_address=":0")
    client = Client(cluster)
    yield client
    client.close()
    cluster.close()


@pytest.fixture(scope="package")
def ray_session():
    """One local Ray (2 CPUs) for every Ray test, started on first use and shut down when the
    engine tests are done (a Ray already running is used and left alone). Not kept for the
    whole session: the docs page on engines starts its own Ray from its own folder, which its
    workers must import the page's modules from."""
    import ray

    started = not ray.is_initialized()
    if started:
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    if started:
        ray.shutdown()


@pytest.fixture(scope="session")
def spark_session():
    """One local Spark session (2 cores, 2 shuffle partitions, no UI, quiet logs) for every Spark
    test; its Python workers run this interpreter and import from this checkout."""
    import os
    import shutil
    import sys
    from pathlib import Path

    if shutil.which("java") is None:
        message = "no Java runtime on PATH: `make java` installs one (Spark needs Java 17+)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    root = str(Path(__file__).resolve().parents[2])
    saved = {k: os.environ.get(k) for k in ("PYSPARK_PYTHON", "PYTHONPATH", "SPARK_LOCAL_IP",
                                            "PYARROW_IGNORE_TIMEZONE")}
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (root, saved["PYTHONPATH"]) if p)
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    os.environ["PYARROW_IGNORE_TIMEZONE"] = "1"  # what pandas on Spark asks for
    from pyspark.sql import SparkSession

    quiet = Path(__file__).with_name("log4j2-quiet.properties")
    spark = (SparkSession.builder.master("local[2]").appName("dataflow-tests")
             .config("spark.sql.shuffle.partitions", "2")
             .config("spark.default.parallelism", "2")
             .config("spark.ui.enabled", "false")
             .config("spark.ui.showConsoleProgress", "false")
             .config("spark.sql.execution.arrow.pyspark.enabled", "true")
             .config("spark.driver.extraJavaOptions",
                     f"-Dlog4j2.configurationFile=file:{quiet} -XX:+UseSerialGC "
                     "-XX:TieredStopAtLevel=1")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    yield spark
    spark.stop()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
