"""Run a graph on Ray (Hamilton's ``hamilton.plugins.h_ray``; install ``dataflow[ray]``).

* :class:`RayGraphAdapter` runs every node of a request as a Ray remote task. The walk over the
  plan only describes the tasks; once every node is described and checked, the tasks are
  submitted in plan order, each reading the object refs of its arguments, so Ray runs
  independent nodes at once and a value moves between workers through the object store: a
  node's result is stored once however many nodes read it, and an input, a config value or an
  override is put in the store once per run. The run waits for the outputs inside the run
  (graph hooks after it see the real outcome, ``raw_execute`` returns values); the result
  builder then builds the result in the caller.
* :class:`RayTaskExecutor` runs the items of fan-out blocks (``Parallelizable`` / ``Collect``)
  as Ray tasks (``Builder().with_remote_executor(RayTaskExecutor())``), or every step of a run
  as ``with_local_executor(...)``.

What travels to the workers (node functions, node hooks) is checked before anything runs: a
node that cannot be serialized is named with its file:line (:class:`NotPicklableError`). A
failing node's exception keeps its type (not Ray's ``RayTaskError`` wrapper) and its dataflow
note. Node hooks run on the worker that runs the node, on that worker's copy of their adapter;
an adapter that defines ``report_to_caller`` / ``receive_from_worker``
(:mod:`dataflow.execution.reports`) hears back from its copies before the run ends.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import Executor, Future, InvalidStateError
from dataclasses import dataclass, field
from typing import Any

import ray
from ray import cloudpickle as ray_pickle

from dataflow.base import ResultMixin
from dataflow.errors import DataflowError
from dataflow.execution.executors import PoolExecutor
from dataflow.execution.failures import add_note
from dataflow.execution.fanout_run import run_block_item
from dataflow.execution.hooks import hook_failure
from dataflow.execution.reports import reporting_adapters, run_in_worker, run_reporting
from dataflow.execution.tasks import (
    NodeHooks,
    NotPicklableError,
    lifecycle_parts,
    not_shippable,
    run_task,
    unshippable_hooks,
)
from dataflow.execution.tasks import Task as NodeTask
from dataflow.execution.tasks import module_made_at_run_time as _module_made_at_run_time

__all__ = ["RAY_REMOTE_TAG_NAMESPACE", "NotPicklableError", "RayGraphAdapter",
           "RayTaskExecutor", "parse_ray_remote_options_from_tags"]

RAY_REMOTE_TAG_NAMESPACE = "ray_remote"
"""Tags ``ray_remote.<option>`` (what Hamilton's ``@ray_remote_options`` writes, JSON values)
become ``.options(<option>=...)`` of the node's Ray task."""

_REPORTS = "__dataflow_worker_reports__"  # what dataflow.execution.reports attaches to errors
_TASK_NAME = re.compile(r"ray::(.+?)\(\)")


def _run_node(task: NodeTask, hooks: NodeHooks | None, run_id: str, names: tuple[str, ...],
              *args: Any) -> Any:
    """In a Ray worker: one node over its arguments (Ray has resolved their refs), its node
    hooks around it."""
    return run_task(task, dict(zip(names, args)), hooks, run_id)


def _run_node_reporting(task: NodeTask, hooks: NodeHooks | None, run_id: str,
                        names: tuple[str, ...], *args: Any) -> tuple[Any, Any]:
    """:func:`_run_node`, with the reports of the worker's copies of the hooks' adapters (Ray
    stores the two as two objects)."""
    return run_reporting(run_task, task, dict(zip(names, args)), hooks, run_id)


_node_remote = ray.remote(_run_node)
_node_reporting_remote = ray.remote(num_returns=2)(_run_node_reporting)


def parse_ray_remote_options_from_tags(tags: dict[str, Any]) -> dict[str, Any]:
    """The ``ray.remote`` options in a node's tags: ``ray_remote.num_cpus="2"`` gives
    ``{"num_cpus": 2}`` (values are JSON, as Hamilton's ``@ray_remote_options`` writes them;
    a value that is not JSON text is taken as it is).

    >>> parse_ray_remote_options_from_tags({"ray_remote.num_cpus": "2", "owner": "ann"})
    {'num_cpus': 2}
    """
    options = {}
    prefix = f"{RAY_REMOTE_TAG_NAMESPACE}."
    for name, value in tags.items():
        if name.startswith(prefix):
            if isinstance(value, str):
                with contextlib.suppress(ValueError):
                    value = json.loads(value)
            options[name[len(prefix):]] = value
    return options


@dataclass(frozen=True, slots=True)
class _Pending:
    """A node's value during the walk: its position among the run's described tasks."""

    index: int


@dataclass
class _RayRun:
    """The tasks of one run, described as the run walks the plan (submitted at its end)."""

    hooks: NodeHooks | None = None
    reporting: bool = False
    tasks: list[NodeTask] = field(default_factory=list)
    arguments: list[dict[str, Any]] = field(default_factory=list)



class RayGraphAdapter(ResultMixin):
    """Runs every node of a request as a Ray remote task (see the module docstring).

    :param result_builder: builds the result from the outputs, in the caller (required, as in
        Hamilton: ``base.DictResult()``, ``base.PandasDataFrameResult()``, ...).
    :param ray_init_config: when given, ``ray.init(**ray_init_config)`` is called as the
        adapter is made (to start Ray, or connect to a cluster: ``{"address": "auto"}``).
        Otherwise the Ray already initialized is used, or Ray starts a local one on the first
        run, as ``ray.remote`` does.
    :param shutdown_ray_on_completion: ``ray.shutdown()`` after each run (default: leave Ray
        running).

    A node's tags ``ray_remote.<option>`` (JSON values) are passed to its task's
    ``.options(...)``: ``@tag(**{"ray_remote.num_cpus": "2"})``.
    """

    def __init__(self, result_builder: Any, ray_init_config: dict[str, Any] | None = None,
                 shutdown_ray_on_completion: bool = False) -> None:
        if not result_builder:
            raise ValueError("RayGraphAdapter(result_builder=...): a result builder is required "
                             "(base.DictResult(), base.PandasDataFrameResult(), ...), as in "
                             "Hamilton.")
        self.result_builder = result_builder
        self.shutdown_ray_on_completion = shutdown_ray_on_completion
        if ray_init_config is not None:
            ray.init(**ray_init_config)
        self._runs: dict[str, _RayRun] = {}

    @staticmethod
    def validate_input(node_type: Any, input_value: Any, **kwargs: Any) -> bool:
        """An object ref is accepted for any input (as in Hamilton): a node reads its value."""
        return isinstance(input_value, ray.ObjectRef)

    def do_remote_execute(self, *, execute_lifecycle_for_node: Callable[..., Any], node: Any,
                          **kwargs: Any) -> Any:
        """Describe ``node``'s task (submitted when the walk ends: :meth:`finish_remote_run`)."""
        task, hooks, run_id = lifecycle_parts(execute_lifecycle_for_node)
        run = self._runs.get(run_id)
        if run is None:
            run = self._runs[run_id] = _RayRun(hooks)
            run.reporting = bool(reporting_adapters(hooks)) if hooks is not None else False
        run.tasks.append(task)
        run.arguments.append(kwargs)
        return _Pending(len(run.tasks) - 1)

    def finish_remote_run(self, *, outputs: dict[str, Any], run_id: str) -> dict[str, Any]:
        """Called once the walk has described every node: check what ships, submit the tasks,
        wait for the outputs."""
        run = self._runs.pop(run_id, None)
        if run is None:  # nothing to run: every output was given
            return outputs
        try:
            return _submit_and_wait(run, outputs, run_id)
        finally:
            if self.shutdown_ray_on_completion:
                ray.shutdown()

    def build_result(self, **outputs: Any) -> Any:
        """The result builder's result over the outputs (computed in the run)."""
        return self.result_builder.build_result(**outputs)

    def input_types(self) -> list[Any]:
        return [Any]

    def output_type(self) -> Any:
        output_type = getattr(self.result_builder, "output_type", None)
        return output_type() if callable(output_type) else Any


def _submit_and_wait(run: _RayRun, outputs: dict[str, Any], run_id: str) -> dict[str, Any]:
    """The run on Ray: nothing is submitted until every task and value has been found to
    ship."""
    _check_shippable(run.tasks, run.hooks)
    remotes = _remotes(run)
    literals = _put_literals(run)
    hooks_ref = ray.put(run.hooks) if run.hooks is not None else None
    refs: list[Any] = []
    reports: list[Any] = []
    for task, kwargs, remote in zip(run.tasks, run.arguments, remotes):
        args = [refs[v.index] if type(v) is _Pending else literals[id(v)]
                for v in kwargs.values()]
        submitted = remote.remote(task, hooks_ref, run_id, tuple(kwargs), *args)
        if run.reporting:
            submitted, report = submitted
            reports.append(report)
        refs.append(submitted)
    # Only the outputs' refs are kept: Ray frees every other value once its last reader ran.
    wanted = {name: refs[v.index] for name, v in outputs.items() if type(v) is _Pending}
    del refs, literals
    adapters = reporting_adapters(run.hooks) if run.reporting else []
    run.arguments.clear()
    try:
        values = _gather(wanted)
    except BaseException as error:
        # Tasks already submitted run to their end: no ray.cancel. Ray 2.60's driver aborts
        # the whole process ("Tried to complete task that was not pending", a fatal check in
        # task_manager.cc) when a cancelled task's reply arrives as it is cancelled; seen here
        # in about one run in four of the failing-node tests.
        cause = _unwrapped(error)
        _note_origin(cause, error, run.tasks)
        if adapters:  # the nodes that ran report back, the failing one with its failure
            _deliver(adapters, _finished_reports(reports), cause)
        delivered = getattr(cause, _REPORTS, None)
        if delivered:
            with contextlib.suppress(AttributeError):
                delattr(cause, _REPORTS)
            _deliver(adapters, [delivered], cause)
        if cause is error:
            raise
        raise cause from error
    if reports:
        _deliver(adapters, ray.get(reports), None)
    return {name: values.get(name, value) for name, value in outputs.items()}


def _remotes(run: _RayRun) -> list[Any]:
    """Each node's remote function with its task's options (named after the node; the options
    of its ``ray_remote.*`` tags), all made before any is submitted, so that bad options fail
    the run before it starts, naming the node."""
    remote = _node_reporting_remote if run.reporting else _node_remote
    remotes = []
    for task in run.tasks:
        options = parse_ray_remote_options_from_tags(task.tags) if task.tags else {}
        try:
            remotes.append(remote.options(name=task.name, **options))
        except (TypeError, ValueError) as error:
            raise DataflowError(
                f"Node {task.name!r} ({task.where}): its Ray task options {options!r} (from "
                f"@ray_remote_options or ray_remote.* tags) are refused by Ray: "
                f"{type(error).__name__}: {error}") from None
    return remotes


def _finished_reports(reports: list[Any]) -> list[Any]:
    """After a failure: the reports of the nodes that finished, in plan order."""
    if not reports:
        return []
    ready = set(ray.wait(reports, num_returns=len(reports), timeout=0, fetch_local=False)[0])
    finished = []
    for ref in reports:
        if ref in ready:
            with contextlib.suppress(Exception):  # a failed node: its report is on its error
                finished.append(ray.get(ref))
    return finished


def _gather(wanted: dict[str, Any]) -> dict[str, Any]:
    """The outputs' values; the first failure among them is raised as soon as it is known."""
    pending = list(wanted.values())
    while pending:
        ready, pending = ray.wait(pending, num_returns=1, fetch_local=False)
        ray.get(ready)  # raises the failure, if it failed
    return dict(zip(wanted, ray.get(list(wanted.values()))))


def _put_literals(run: _RayRun) -> dict[int, Any]:
    """Every value from outside the graph (input, config value, override) in the object store,
    once per run; a value that cannot travel is named before anything runs."""
    literals: dict[int, Any] = {}
    problems = []
    for task, kwargs in zip(run.tasks, run.arguments):
        for name, value in kwargs.items():
            if type(value) is _Pending or id(value) in literals:
                continue
            if isinstance(value, ray.ObjectRef):
                literals[id(value)] = value
                continue
            try:
                literals[id(value)] = ray.put(value)
            except Exception as error:
                literals[id(value)] = None
                problems.append(f"  {name} (read by {task.name}, {task.where}): "
                                f"{type(error).__name__}: {str(error).splitlines()[0]}")
    if problems:
        raise NotPicklableError("These values cannot be sent to Ray workers (they must "
                                "serialize):\n" + "\n".join(problems))
    return literals


def _unwrapped(error: BaseException) -> BaseException:
    """A node's own exception inside Ray's ``RayTaskError`` wrapper (else ``error``)."""
    cause = getattr(error, "cause", None) if isinstance(error, ray.exceptions.RayTaskError) \
        else None
    return cause if isinstance(cause, BaseException) else error


def _note_origin(cause: BaseException, error: BaseException, tasks: list[NodeTask]) -> None:
    """A failure from outside the node's call (its result or arguments could not travel, its
    worker died) still names its node: the innermost Ray task named in Ray's message."""
    if any(str(note).startswith("dataflow:") for note in getattr(cause, "__notes__", ())):
        return
    names = _TASK_NAME.findall(str(error))
    where = {task.name: task.where for task in tasks}
    origin = names[-1] if names else None
    if origin in where:
        add_note(cause, f"dataflow: node {origin!r} ({where[origin]}) could not be run on a "
                        "Ray worker: its arguments and its result must serialize to travel "
                        "through the object store")


def _deliver(adapters: list[Any], reports_per_task: list[Any],
             node_error: BaseException | None) -> None:
    """Hand the reports of the workers' copies to the caller's adapters, in plan order. When
    the run already failed, a failing receiver is a note on that failure, not a new one."""
    for reports in reports_per_task:
        for index, report in reports:
            adapter = adapters[index]
            hook = f"{type(adapter).__name__}.receive_from_worker"
            try:
                adapter.receive_from_worker(report)
            except BaseException as error:
                if node_error is None:
                    hook_failure(error, hook, None)
                    raise
                add_note(node_error, f"dataflow: the lifecycle hook {hook} also failed on this "
                                     f"failure's report: {type(error).__name__}: {error}")
                return


# -- what ships --------------------------------------------------------------------------------


def _ships_by_value(module: Any) -> bool:
    """Whether ``module``'s functions travel by value: registered with Ray's cloudpickle, or
    with cloudpickle's own registry (as for dask), which is then copied to Ray's."""
    name = module.__name__
    if name in ray_pickle.list_registry_pickle_by_value():
        return True
    try:
        import cloudpickle
    except ImportError:
        return False
    if name in cloudpickle.list_registry_pickle_by_value():
        ray_pickle.register_pickle_by_value(module)
        return True
    return False


_CHECKED: weakref.WeakKeyDictionary[Any, str | None] = weakref.WeakKeyDictionary()


def _unshippable(task: Any) -> str | None:
    """Why ``task`` cannot reach a Ray worker (``None`` if it can); serialized once per
    function."""
    module = _module_made_at_run_time(task.fn)
    if module is not None and "<locals>" not in getattr(task.fn, "__qualname__", "") \
            and not _ships_by_value(module):
        return (f"its module {module.__name__!r} was made at run time, so workers cannot "
                "import it (ray.cloudpickle.register_pickle_by_value(module) ships it by "
                "value)")
    try:
        return _CHECKED[task.fn]
    except (KeyError, TypeError):
        pass
    try:
        ray_pickle.dumps(task)
        problem = None
    except Exception as error:  # pickling raises many types
        problem = f"{type(error).__name__}: {error}"
    with contextlib.suppress(TypeError):  # not weakly referenceable: checked each time
        _CHECKED[task.fn] = problem
    return problem


def _check_shippable(tasks: list[NodeTask], hooks: NodeHooks | None) -> None:
    problems = [f"  {task.name} ({task.where}): {problem}" for task in tasks
                if (problem := _unshippable(task)) is not None]
    if (problem := unshippable_hooks(hooks, ray_pickle.dumps)) is not None:
        problems.append(problem)
    if problems:
        raise not_shippable("Ray", problems)


# -- fan-out blocks on Ray -----------------------------------------------------------------------


def _apply(fn: Callable[..., Any], kwargs: dict[str, Any], *args: Any) -> Any:
    """In a Ray worker: one task of a pool (a node, a fan-out item)."""
    return fn(*args, **kwargs)


_apply_remote = ray.remote(_apply)


def _node_tasks(argument: Any) -> list[Any]:
    """The node tasks inside a submitted argument: a node's task, or a fan-out block's."""
    if isinstance(argument, NodeTask):
        return [argument]
    return [t for t in getattr(argument, "tasks", ()) if isinstance(t, NodeTask)]


class _RayPool(Executor):
    """Ray as a ``concurrent.futures`` executor for one run. What every item of a fan-out block
    shares (the block's task, the values it reads from outside, its hooks) is put in the object
    store once per block and sent by reference, not serialized again for each item."""

    def __init__(self, started_ray: bool) -> None:
        self._started_ray = started_ray
        self._shared: dict[int, tuple[Any, Any]] = {}  # id -> (the object, its ref)
        self._running: set[Any] = set()
        self._lock = threading.Lock()

    def _by_ref(self, value: Any) -> Any:
        shared = self._shared.get(id(value))
        if shared is None:
            shared = self._shared[id(value)] = (value, ray.put(value))
        return shared[1]

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        problems = [f"  {task.name} ({task.where}): {problem}" for argument in args
                    for task in _node_tasks(argument)
                    if (problem := _unshippable(task)) is not None]
        if problems:
            raise NotPicklableError("These cannot be sent to Ray workers:\n"
                                    + "\n".join(problems))
        sent = list(args)
        # run_block_item(task, item, shared, index, item_hooks, run_id), maybe inside
        # run_in_worker(run_block_item, reports, ...): the task, shared values and hooks go by
        # reference
        first = 2 if fn is run_in_worker and args and args[0] is run_block_item else 0
        if fn is run_block_item or first:
            for position, what in ((first, "task"), (first + 2, "values from outside"),
                                   (first + 4, "hooks")):
                if sent[position] is not None:
                    try:
                        sent[position] = self._by_ref(sent[position])
                    except Exception as error:  # Ray's serialization raises several types
                        block = getattr(args[first], "expander", "?")
                        named = (", ".join(map(str, sent[position]))
                                 if what.startswith("values") else what)
                        raise NotPicklableError(
                            f"the fan-out block of {block!r} cannot be sent to Ray: its "
                            f"{what} ({named}) "
                            f"do not serialize: {type(error).__name__}: {error}") from error
        ref = _apply_remote.remote(fn, kwargs, *sent)
        return self._future_of(ref)

    def _future_of(self, ref: Any) -> Future[Any]:
        """A future for ``ref`` that is already running (it cannot be cancelled: a run that
        fails waits for the tasks it started, as on other pools) and fails with the node's own
        exception."""
        outer: Future[Any] = Future()
        outer.set_running_or_notify_cancel()
        with self._lock:
            self._running.add(ref)

        def forward(done: Future[Any]) -> None:
            with self._lock:
                self._running.discard(ref)
            error = None if done.cancelled() else done.exception()
            try:
                if done.cancelled():
                    outer.set_exception(ray.exceptions.TaskCancelledError())
                elif error is None:
                    outer.set_result(done.result())
                else:
                    cause = _unwrapped(error)
                    if cause is not error:
                        cause.__cause__ = error
                    outer.set_exception(cause)
            except InvalidStateError:
                pass

        ref.future().add_done_callback(forward)
        return outer

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        if not wait:  # an interruption: stop what still runs
            with self._lock:
                running = list(self._running)
            for ref in running:
                with contextlib.suppress(Exception):
                    ray.cancel(ref, force=True)
        self._shared.clear()
        if self._started_ray:
            ray.shutdown()


class RayTaskExecutor(PoolExecutor):
    """Runs tasks on Ray (Hamilton's ``RayTaskExecutor``).

    As the remote executor, each item of a fan-out block is one Ray task; as the local
    executor, each step is. At most ``max_tasks`` are handed to Ray at once (default: the
    cluster's CPUs), so after a failure no further task starts. Node functions and hooks must
    pickle, as on ``MultiProcessingExecutor`` (functions at the top level of an importable
    module): a node whose function does not is named before its block or step is sent.
    Arguments and results travel by Ray's serialization; what a block's items share (its
    task, the values it reads from outside, its hooks) is put in the object store once.

    :param num_cpus: passed to ``ray.init`` when the executor starts Ray.
    :param ray_init_config: more ``ray.init`` arguments (``{"address": "auto"}``).
    :param skip_init: never start Ray (it must be running). Otherwise a run starts Ray when it
        is not running yet, and shuts it down when the run ends; a Ray already running is used
        and left running.
    :param max_tasks: tasks handed to Ray at once.
    """

    sends_to_processes = True
    ships_values_itself = True
    """What a block's items share is put in Ray's object store once, which refuses (naming the
    block) what does not serialize; the run does not pickle those values once more first."""

    def __init__(self, num_cpus: int | None = None, ray_init_config: dict[str, Any] | None = None,
                 skip_init: bool = False, *, max_tasks: int | None = None) -> None:
        self.num_cpus = num_cpus
        self.ray_init_config = dict(ray_init_config or {})
        self.skip_init = skip_init
        if max_tasks is not None:
            super().__init__(max_tasks)  # checks it
        self._max_tasks = max_tasks
        self._cluster_cpus = 1

    @property  # type: ignore[override]
    def max_tasks(self) -> int:
        return self._max_tasks if self._max_tasks is not None else self._cluster_cpus

    @max_tasks.setter
    def max_tasks(self, value: int) -> None:
        self._max_tasks = value

    def create_pool(self) -> Executor:
        started = False
        if not self.skip_init and not ray.is_initialized():
            ray.init(num_cpus=self.num_cpus, **self.ray_init_config)
            started = True
        if self._max_tasks is None:
            self._cluster_cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))
        return _RayPool(started)

    def __repr__(self) -> str:
        return (f"RayTaskExecutor(num_cpus={self.num_cpus!r}, skip_init={self.skip_init!r}, "
                f"max_tasks={self._max_tasks!r})")
