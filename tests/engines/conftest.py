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
