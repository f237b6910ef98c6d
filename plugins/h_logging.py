"""Logging a run through :mod:`logging` (Hamilton's ``hamilton.plugins.h_logging``).

:class:`LoggingAdapter` logs, on the logger you give it (``"plugins.h_logging"``'s by default):

* ``INFO`` when a run starts (and which inputs and overrides it was given) and when it ends,
  with its time; ``ERROR`` when it fails;
* ``DEBUG`` when a node starts (naming what it reads); ``INFO`` when it finishes, with its
  time (``DEBUG`` inside a task-based run, where each task is logged at ``INFO``); ``ERROR``
  with the traceback when it fails;
* in task-based runs, the grouping, each task's submission, start, end and return.

Every message starts with where it comes from (``Run '<run id>' - ``, ``Node 'name' - ``,
``Task 'id' - ``), and the records carry it as attributes too (``run_id``, ``node_name``,
``task_id``, and ``duration`` in seconds on the "finished" records), for structured handlers.
:func:`get_logger` gives a logger whose messages from inside a node get the same prefix, in
threads and in async tasks alike.

>>> import logging
>>> from dataflow import ad_hoc_utils, driver
>>> def spend() -> float: return 10.0
>>> records = []
>>> class Keep(logging.Handler):
...     def emit(self, record): records.append(record)
>>> log = logging.getLogger("example.run")
>>> log.addHandler(Keep()); log.setLevel(logging.DEBUG); log.propagate = False
>>> dr = (driver.Builder().with_modules(ad_hoc_utils.create_temporary_module(spend))
...       .with_adapters(LoggingAdapter(log)).build())
>>> dr.execute(["spend"])
{'spend': 10.0}
>>> for record in records:  # doctest: +ELLIPSIS
...     print(record.levelname, record.getMessage())
INFO Run '...' - Run started
DEBUG Node 'spend' - Started, reading nothing
INFO Node 'spend' - Done in ...s
INFO Run '...' - Run done in ...s
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, MutableMapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dataflow.lifecycle import (
    GraphExecutionHook,
    NodeExecutionHook,
    TaskExecutionHook,
    TaskGroupingHook,
    TaskReturnHook,
    TaskSubmissionHook,
)

__all__ = ["AsyncLoggingAdapter", "ContextLogger", "LoggingAdapter", "get_logger"]

if TYPE_CHECKING:
    _LoggerAdapter = logging.LoggerAdapter[logging.Logger]
else:
    _LoggerAdapter = logging.LoggerAdapter


@dataclass(frozen=True)
class _Context:
    """Where the code logging now is: a run, a task of it, a node."""

    run_id: str | None = None
    task_id: str | None = None
    node_name: str | None = None

    def prefix(self, with_node: bool = False) -> str:
        if self.task_id:
            if with_node and self.node_name:
                return f"Task '{self.task_id}' - Node '{self.node_name}' - "
            return f"Task '{self.task_id}' - "
        if self.node_name:
            return f"Node '{self.node_name}' - "
        if self.run_id:
            return f"Run '{self.run_id}' - "
        return ""


_context: ContextVar[_Context] = ContextVar(  # frozen: a shared default is safe
    "dataflow_logging_context", default=_Context())  # noqa: B039


class ContextLogger(_LoggerAdapter):
    """A :class:`logging.LoggerAdapter` prefixing each message with where it was logged from
    (the run, task and node the adapter set for the current thread or async task).

    ``extra`` keys it reads: ``context`` (a context to use instead of the current one),
    ``skip_context`` (no prefix), ``node_context`` (name the node inside a task too)."""

    def process(self, msg: Any, kwargs: MutableMapping[str, Any]) -> tuple[Any, Any]:
        extra = {**(self.extra or {}), **(kwargs.get("extra") or {})}
        context = extra.pop("context", None)
        if not isinstance(context, _Context):
            context = _context.get()
        prefix = "" if extra.pop("skip_context", False) else context.prefix(
            bool(extra.pop("node_context", False)))
        extra.setdefault("run_id", context.run_id)
        extra.setdefault("task_id", context.task_id)
        extra.setdefault("node_name", context.node_name)
        kwargs["extra"] = extra
        return f"{prefix}{msg}", kwargs


def get_logger(name: str | None = None) -> ContextLogger:
    """The logger ``name`` (the root logger for ``None``), prefixing its messages with the run,
    task and node they are logged from."""
    return ContextLogger(logging.getLogger(name), extra={})


def _names(values: Mapping[str, Any] | None) -> str:
    return ", ".join(f"'{name}'" for name in values or ())


def _took(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f}µs"
    if seconds < 1:
        return f"{seconds * 1e3:.1f}ms"
    return f"{seconds:.2f}s"


class LoggingAdapter(GraphExecutionHook, NodeExecutionHook, TaskGroupingHook,
                     TaskSubmissionHook, TaskExecutionHook, TaskReturnHook):
    """Logs a run's progress on ``logger`` (a :class:`logging.Logger`, a logger's name, or
    ``None`` for this module's logger). See the module docstring for what is logged at which
    level. Works in the sync and the async driver and on every executor (on processes, a
    worker's records go to that worker's logging configuration)."""

    def __init__(self, logger: str | logging.Logger | None = None) -> None:
        if logger is None:
            base = logging.getLogger(__name__)
        elif isinstance(logger, logging.Logger):
            base = logger
        else:
            base = logging.getLogger(logger)
        self.logger = ContextLogger(base, extra={})
        self._given: set[str] = set()  # inputs and overrides: tasks named so are not logged
        self._started: dict[tuple[str, str | None, str], float] = {}
        self._run_started: dict[str, float] = {}
        self._exception_logged = False

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["logger"] = self.logger.logger.name  # loggers are found again by name
        state["_started"] = {}
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.logger = ContextLogger(logging.getLogger(state["logger"]), extra={})

    # -- the run ---------------------------------------------------------------------------

    def run_before_graph_execution(self, *, run_id: str, inputs: Mapping[str, Any] | None = None,
                                   overrides: Mapping[str, Any] | None = None,
                                   **future_kwargs: Any) -> None:
        _context.set(_Context(run_id=run_id))
        self._given = set(inputs or ()) | set(overrides or ())
        self._exception_logged = False
        self._run_started[run_id] = time.perf_counter()
        self.logger.info("Run started")
        if inputs:
            self.logger.info("Inputs given: %s", _names(inputs))
        if overrides:
            self.logger.info("Overrides given: %s", _names(overrides))

    def run_after_graph_execution(self, *, run_id: str, success: bool,
                                  error: BaseException | None = None,
                                  **future_kwargs: Any) -> None:
        _context.set(_Context())
        seconds = time.perf_counter() - self._run_started.pop(run_id, time.perf_counter())
        extra = {"context": _Context(run_id=run_id), "duration": seconds}
        if success:
            self.logger.info("Run done in %s", _took(seconds), extra=extra)
        else:
            self.logger.error("Run failed after %s: %s", _took(seconds),
                              type(error).__name__ if error is not None else "error",
                              extra=extra)

    # -- nodes -----------------------------------------------------------------------------

    def run_before_node_execution(self, *, node_name: str, node_kwargs: Mapping[str, Any],
                                  task_id: str | None = None, run_id: str = "",
                                  **future_kwargs: Any) -> None:
        _context.set(_Context(run_id=run_id, task_id=task_id, node_name=node_name))
        if self.logger.isEnabledFor(logging.DEBUG):
            reads = _names(node_kwargs) if node_kwargs else "nothing"
            self.logger.debug("Started, reading %s", reads, extra={"node_context": True})
        self._started[(run_id, task_id, node_name)] = time.perf_counter()

    def run_after_node_execution(self, *, node_name: str, success: bool,
                                 error: BaseException | None = None,
                                 task_id: str | None = None, run_id: str = "",
                                 **future_kwargs: Any) -> None:
        ended = time.perf_counter()
        started = self._started.pop((run_id, task_id, node_name), ended)
        _context.set(_Context(run_id=run_id, task_id=task_id))
        level = logging.DEBUG if task_id else logging.INFO
        if success and not self.logger.isEnabledFor(level):
            return
        extra = {"context": _Context(run_id=run_id, task_id=task_id, node_name=node_name),
                 "node_context": True, "duration": ended - started}
        if success:
            self.logger.log(level, "Done in %s", _took(ended - started), extra=extra)
        else:
            self.logger.error("Failed after %s", _took(ended - started), extra=extra,
                              exc_info=(type(error), error, error.__traceback__)
                              if error is not None else None)
            self._exception_logged = True

    # -- tasks (task-based runs) -----------------------------------------------------------

    def run_after_task_grouping(self, *, run_id: str, task_ids: list[str],
                                **future_kwargs: Any) -> None:
        self.logger.info("Grouped into %d tasks: logging per task", len(task_ids),
                         extra={"context": _Context(run_id=run_id)})

    def run_after_task_expansion(self, *, run_id: str, task_id: str,
                                 parameters: Mapping[str, Any], **future_kwargs: Any) -> None:
        self.logger.debug("Expanded into %d items", len(parameters),
                          extra={"context": _Context(run_id=run_id, task_id=task_id)})

    def run_before_task_submission(self, *, run_id: str, task_id: str,
                                   spawning_task_id: str | None = None,
                                   **future_kwargs: Any) -> None:
        _context.set(_Context(run_id=run_id, task_id=task_id))
        if spawning_task_id:
            self.logger.debug("Submitted (spawned by task '%s')", spawning_task_id)
        else:
            self.logger.debug("Submitted")

    def run_before_task_execution(self, *, run_id: str, task_id: str, nodes: list[Any],
                                  **future_kwargs: Any) -> None:
        _context.set(_Context(run_id=run_id, task_id=task_id))
        if task_id in self._given:
            return
        self._started[(run_id, task_id, "")] = time.perf_counter()
        names = [getattr(node, "name", str(node)) for node in nodes]
        if names == [task_id]:
            self.logger.debug("Started")
        else:
            self.logger.debug("Started, running %s", ", ".join(f"'{n}'" for n in names))

    def run_after_task_execution(self, *, run_id: str, task_id: str, success: bool,
                                 error: BaseException | None = None,
                                 **future_kwargs: Any) -> None:
        _context.set(_Context(run_id=run_id))
        if task_id in self._given:
            return
        ended = time.perf_counter()
        seconds = ended - self._started.pop((run_id, task_id, ""), ended)
        extra = {"context": _Context(run_id=run_id, task_id=task_id), "duration": seconds}
        if success:
            self.logger.debug("Done in %s", _took(seconds), extra=extra)
        else:
            self.logger.error("Failed after %s", _took(seconds), extra=extra)

    def run_after_task_return(self, *, run_id: str, task_id: str, success: bool,
                              error: BaseException | None = None,
                              **future_kwargs: Any) -> None:
        _context.set(_Context(run_id=run_id))
        extra = {"context": _Context(run_id=run_id, task_id=task_id)}
        if success:
            level = logging.DEBUG if task_id in self._given else logging.INFO
            self.logger.log(level, "Returned", extra=extra)
        elif not self._exception_logged:  # the node's failure was logged with its traceback
            self.logger.error("Returned a failure", extra=extra,
                              exc_info=(type(error), error, error.__traceback__)
                              if error is not None else None)
            self._exception_logged = True


class AsyncLoggingAdapter(LoggingAdapter):
    """Hamilton's name for the async driver's logging adapter: here :class:`LoggingAdapter`
    itself serves both drivers (the async driver calls its hooks around each node, so a node's
    start is logged when it really starts)."""
