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
