"""What the engine tests build their drivers from: a module of a random DAG that workers can
unpickle, and a driver that runs fan-out blocks on a remote executor."""

from __future__ import annotations

from typing import Any

import cloudpickle

from dataflow import driver
from tests.execution.dag_modules import module_of


def dag_module(parents: dict[str, list[str]], prefix: str) -> Any:
    """Node functions over ints as module source (each node a weighted sum of its parents), the
    module registered with cloudpickle to travel by value: dask and Ray workers cannot import a
    module made at run time (Ray's adapter copies the registration to Ray's cloudpickle)."""
    module = module_of(parents, prefix)
    cloudpickle.register_pickle_by_value(module)
    return module


def fan_out_driver(module: Any, remote: Any, local: Any = None, adapters: tuple[Any, ...] = ()
                   ) -> driver.Driver:
    """A driver of ``module`` (config ``scale=3``) whose fan-out blocks run on ``remote``, and
    every other step on ``local`` when given."""
    builder = (driver.Builder().with_modules(module).with_config({"scale": 3})
               .with_adapters(*adapters)
               .enable_dynamic_execution(allow_experimental_mode=True)
               .with_remote_executor(remote))
    if local is not None:
        builder = builder.with_local_executor(local)
    return builder.build()
