"""Run a graph's independent nodes at once on a thread pool, lazily (Hamilton's
``hamilton.plugins.h_threadpool``).

:class:`FutureAdapter` hands every node to a :class:`~concurrent.futures.ThreadPoolExecutor` the
moment the run reaches it and stores the *future* as the node's value; the thread running a node
first waits for the futures among its arguments. So the walk over the plan never blocks, and
nodes whose inputs are ready run side by side. The result builder waits for the requested
futures. Node hooks run in the thread that runs the node.

As in Hamilton: the pool is made with the adapter and lives as long as it; a failing node's
exception (its own type, with the dataflow note) is raised when the result is built; a node
hook sees the node's value, never a future. Worth it for nodes that wait (I/O, remote calls) or
release the GIL; for a whole graph on a pool with a clean stop on failure, prefer
``Builder().enable_dynamic_execution(allow_experimental_mode=True)
.with_local_executor(executors.MultiThreadingExecutor(n))``.

>>> import time
>>> from dataflow import ad_hoc_utils, driver
>>> def a() -> int:
...     time.sleep(0.2)
...     return 1
>>> def b() -> int:
...     time.sleep(0.2)
...     return 2
>>> def total(a: int, b: int) -> int: return a + b
>>> dr = (driver.Builder().with_modules(ad_hoc_utils.create_temporary_module(a, b, total))
...       .with_adapters(FutureAdapter()).build())
>>> dr.execute(["total"])
{'total': 3}
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from dataflow.lifecycle import ResultBuilder


def _resolved(value: Any) -> Any:
    while isinstance(value, Future):
        value = value.result()
    return value


def _run_when_ready(execute_lifecycle_for_node: Callable[..., Any], **kwargs: Any) -> Any:
    """In a pool thread: wait for the arguments that are still futures, then run the node."""
    return execute_lifecycle_for_node(**{k: _resolved(v) for k, v in kwargs.items()})


class FutureAdapter(ResultBuilder):
    """Submits each node to a thread pool as the run reaches it; also a result builder (a
    :class:`dataflow.lifecycle.ResultBuilder`, as Hamilton's is a ``lifecycle.ResultBuilder``).

    :param max_workers: threads in the pool (``ThreadPoolExecutor``'s default when ``None``).
    :param thread_name_prefix: names of the pool's threads.
    :param result_builder: builds the result from the resolved outputs (a dict when ``None``).
    """

    def __init__(self, max_workers: int | None = None, thread_name_prefix: str = "",
                 result_builder: Any = None) -> None:
        self.executor = ThreadPoolExecutor(max_workers=max_workers,
                                           thread_name_prefix=thread_name_prefix)
        self.result_builder = result_builder

    def do_remote_execute(self, *, execute_lifecycle_for_node: Callable[..., Any], node: Any,
                          **kwargs: Any) -> Future[Any]:
        """The future of ``node``'s value: it runs once its arguments' futures are done."""
        return self.executor.submit(_run_when_ready, execute_lifecycle_for_node, **kwargs)

    def build_result(self, **outputs: Any) -> Any:
        """Wait for every requested value, then build the result (a dict by default)."""
        resolved = {name: _resolved(value) for name, value in outputs.items()}
        if self.result_builder is not None:
            return self.result_builder.build_result(**resolved)
        return resolved

    def input_types(self) -> list[Any]:
        return [Any]

    def output_type(self) -> Any:
        if self.result_builder is not None and hasattr(self.result_builder, "output_type"):
            return self.result_builder.output_type()
        return Any
