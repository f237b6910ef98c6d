"""Run a graph on Dask (Hamilton's ``hamilton.plugins.h_dask``; install ``dataflow[dask]``).

* :class:`DaskGraphAdapter` turns the plan of a request into one dask graph, one dask task per
  node, and has the dask scheduler run it (a ``distributed.Client``'s cluster, or whichever
  scheduler dask is configured with when no client is given), so dask decides where and when
  each node runs and frees each value after its last reader. The graph is computed inside the
  run: graph hooks after it see the real outcome, and ``raw_execute`` returns values. The
  adapter is also the driver's result builder: it builds the result (a pandas DataFrame by
  default, as in Hamilton) from the computed outputs, in the caller. With
  ``use_delayed=False`` nodes are called in the caller instead (on dask collections they only
  describe work) and the result is computed at the end (``compute_at_end``).
* :class:`DaskExecutor` runs the items of fan-out blocks (``Parallelizable`` / ``Collect``) as
  tasks on a client's cluster (``Builder().with_remote_executor(DaskExecutor(client=...))``), or
  every step of a run as ``with_local_executor(...)``.
* :class:`DaskDataFrameResult` builds a dask DataFrame from the outputs.
* :class:`with_columns` appends columns computed by functions over ``dd.Series`` to a dask
  DataFrame parameter; ``@extract_columns`` on a function annotated ``-> dd.DataFrame`` makes
  ``dd.Series`` nodes (re-exported here). Both build lazy dask work: use them on the local
  driver or with ``DaskGraphAdapter(use_delayed=False)``, where nodes describe dask collections.

What travels to the workers (node functions, node hooks) is checked before anything runs: a
node that cannot be serialized is named with its file:line (:class:`NotPicklableError`). A
failing node's exception keeps its type and its dataflow note. Node hooks run on the worker
that runs the node, on that worker's copy of their adapter; an adapter that defines
``report_to_caller`` / ``receive_from_worker`` (:mod:`dataflow.execution.reports`) hears back
from its copies before the run ends.
"""

from __future__ import annotations

import contextlib
import functools
import operator
import uuid
import weakref
from collections.abc import Callable
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from typing import Any

import cloudpickle
import dask
import dask.dataframe as dd
import pandas as pd
from dask._task_spec import DataNode, Task, TaskRef
from dask.delayed import Delayed, delayed

from dataflow.base import PandasDataFrameResult, ResultMixin
from dataflow.execution.executors import PoolExecutor
from dataflow.execution.hooks import hook_failure
from dataflow.execution.reports import reporting_adapters, run_reporting
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
from dataflow.function_modifiers.extractors import extract_columns
from dataflow.function_modifiers.pandas_columns import FrameKind
from dataflow.function_modifiers.pandas_columns import with_columns as _pandas_with_columns

__all__ = ["DaskDataFrameResult", "DaskExecutor", "DaskGraphAdapter", "NotPicklableError",
           "extract_columns", "with_columns"]

_REPORTS = "__dataflow_worker_reports__"  # what dataflow.execution.reports attaches to errors


def _run_node(task: NodeTask, hooks: NodeHooks | None, run_id: str, names: tuple[str, ...],
              *args: Any) -> Any:
    """In a dask worker: one node over its arguments, its node hooks around it."""
    return run_task(task, dict(zip(names, args)), hooks, run_id)


def _run_node_reporting(task: NodeTask, hooks: NodeHooks | None, run_id: str,
                        names: tuple[str, ...], *args: Any) -> tuple[Any, Any]:
    """:func:`_run_node`, with the reports of the worker's copies of the hooks' adapters."""
    return run_reporting(run_task, task, dict(zip(names, args)), hooks, run_id)


@dataclass
class _RunGraph:
    """The dask graph of one run, built as the run walks the plan."""

    token: str
    hooks: NodeHooks | None = None
    reporting: bool = False
    graph: dict[str, Any] = field(default_factory=dict)
    tasks: list[NodeTask] = field(default_factory=list)
    literals: dict[int, str] = field(default_factory=dict)
    reports: list[str] = field(default_factory=list)



class DaskGraphAdapter(ResultMixin):
    """Runs every node of a request as a task of one dask graph (see the module docstring).

    :param dask_client: a ``distributed.Client``: the graph runs on its cluster. ``None``: on
        the scheduler dask is configured with (``dask.config.set(scheduler=...)``, or a default
        client).
    :param result_builder: builds the result from the computed outputs (default: a pandas
        DataFrame, as Hamilton's).
    :param visualize_kwargs: when given, ``dask.visualize(**visualize_kwargs)`` draws each
        run's graph (``filename=...``; needs graphviz).
    :param use_delayed: each node a dask task (default). ``False``: nodes are called in the
        caller, for pipelines over dask collections, which are lazy themselves.
    :param compute_at_end: compute the graph in the run (default). ``False``: ``execute``
        returns a ``dask.delayed`` result (``use_delayed=True``) or the result builder's lazy
        dask object (``use_delayed=False``), and node hooks report nothing back.
    """

    def __init__(self, dask_client: Any = None, result_builder: Any = None,
                 visualize_kwargs: dict[str, Any] | None = None, use_delayed: bool = True,
                 compute_at_end: bool = True) -> None:
        self.client = dask_client
        self.result_builder = (result_builder if result_builder is not None
                               else PandasDataFrameResult())
        self.visualize_kwargs = visualize_kwargs
        self.use_delayed = use_delayed
        self.compute_at_end = compute_at_end
        self._runs: dict[str, _RunGraph] = {}

    # -- types: dask collections stand for pandas values ------------------------------------

    @staticmethod
    def check_input_type(node_type: Any, input_value: Any) -> bool:
        """Hamilton's check: a dask value is accepted where its pandas counterpart is."""
        if isinstance(input_value, Delayed):
            return True
        if node_type is pd.Series and isinstance(input_value, dd.Series):
            return True
        if node_type is pd.DataFrame and isinstance(input_value, dd.DataFrame):
            return True
        from dataflow.type_rules import value_matches

        return value_matches(input_value, node_type)

    @staticmethod
    def check_node_type_equivalence(node_type: Any, input_type: Any) -> bool:
        """Hamilton's check: a dask Series / DataFrame node feeds a pandas one."""
        if node_type is dd.Series and input_type is pd.Series:
            return True
        if node_type is dd.DataFrame and input_type is pd.DataFrame:
            return True
        return bool(node_type == input_type)

    def validate_input(self, node_type: Any, input_value: Any, **kwargs: Any) -> bool:
        return self.check_input_type(node_type, input_value)

    def check_edge_types_match(self, type_from: Any, type_to: Any, **kwargs: Any) -> bool:
        return (self.check_node_type_equivalence(type_from, type_to)
                or self.check_node_type_equivalence(type_to, type_from))

    # -- the run -------------------------------------------------------------------------------

    def do_remote_execute(self, *, execute_lifecycle_for_node: Callable[..., Any], node: Any,
                          **kwargs: Any) -> Any:
        """Add ``node`` to its run's dask graph (its value: the key of its task)."""
        if not self.use_delayed:
            return execute_lifecycle_for_node(**kwargs)
        task, hooks, run_id = lifecycle_parts(execute_lifecycle_for_node)
        run = self._runs.get(run_id)
        if run is None:
            # a random token: a counter or an address repeats in forked copies of the adapter,
            # and runs on one cluster that name a task alike get each other's results
            run = self._runs[run_id] = _RunGraph(uuid.uuid4().hex)
            run.hooks = hooks
            run.reporting = bool(reporting_adapters(hooks)) if hooks is not None else False
        names = tuple(kwargs)
        args = [self._ref(run, name, value) for name, value in kwargs.items()]
        run_fn: Callable[..., Any] = (_run_node_reporting if run.reporting else _run_node)
        key = f"{task.name}-{run.token}"
        if _by_value(task.fn):
            call: Callable[..., Any] = _NodeCall(
                key, _run_shipped, (cloudpickle.dumps((run_fn, (task, hooks, run_id, names))),))
        else:
            call = _NodeCall(key, run_fn, (task, hooks, run_id, names))
        if run.reporting:
            pair = f"{key}-with-reports"
            run.graph[pair] = Task(pair, call, *args)
            run.graph[key] = Task(key, operator.itemgetter(0), TaskRef(pair))
            reports = f"{key}-reports"
            run.graph[reports] = Task(reports, operator.itemgetter(1), TaskRef(pair))
            run.reports.append(reports)
        else:
            run.graph[key] = Task(key, call, *args)
        run.tasks.append(task)
        return _Key(key)

    @staticmethod
    def _ref(run: _RunGraph, name: str, value: Any) -> TaskRef:
        """A node's key as a reference; a value from outside the graph (an input, a config
        value, an override) put in the graph once per run."""
        if isinstance(value, _Key):
            return TaskRef(value.key)
        key = run.literals.get(id(value))
        if key is None:
            key = run.literals[id(value)] = f"{name}-{len(run.literals)}-{run.token}"
            run.graph[key] = _Value(key, value)
        return TaskRef(key)

    def _ships(self) -> bool:
        if self.client is not None:
            return True
        scheduler = dask.config.get("scheduler", None)
        if scheduler in (None, "dask.distributed", "distributed"):
            try:
                from distributed import default_client

                default_client()
                return True
            except (ImportError, ValueError):
                return scheduler is not None
        return scheduler in ("processes", "multiprocessing")

    def _check_shippable(self, run: _RunGraph) -> None:
        problems = []
        for task in run.tasks:
            problem = _unshippable(task)
            if problem is not None:
                problems.append(f"  {task.name} ({task.where}): {problem}")
        if (problem := unshippable_hooks(run.hooks, cloudpickle.dumps)) is not None:
            problems.append(problem)
        if problems:
            raise not_shippable("dask", problems)

    def _get(self) -> Callable[..., Any]:
        if self.client is not None:
            return self.client.get  # type: ignore[no-any-return]
        return dask.base.get_scheduler() or dask.threaded.get  # type: ignore[attr-defined]

    def finish_remote_run(self, *, outputs: dict[str, Any], run_id: str) -> dict[str, Any]:
        """Called once the walk has described every node: compute the run's graph."""
        run = self._runs.pop(run_id, None)
        if run is None:  # use_delayed=False, or nothing to run
            return outputs
        if self._ships():
            self._check_shippable(run)
        keys = [outputs[name].key if isinstance(outputs[name], _Key) else None
                for name in outputs]
        graph = run.graph
        if self.visualize_kwargs is not None:
            dask.visualize(*(Delayed(key, graph) for key in keys if key is not None),
                           **self.visualize_kwargs)
        if not self.compute_at_end:
            return {name: Delayed(key, graph) if key is not None else value
                    for (name, value), key in zip(outputs.items(), keys)}
        wanted = [key for key in keys if key is not None]
        adapters = reporting_adapters(run.hooks) if run.reporting else []
        try:
            computed = self._get()(graph, [*wanted, *run.reports])
        except BaseException as error:
            reports = getattr(error, _REPORTS, None)
            if reports:
                delattr(error, _REPORTS)
                _deliver(adapters, [reports], None)
            raise
        values = iter(computed[:len(wanted)])
        _deliver(adapters, computed[len(wanted):], None)
        return {name: next(values) if key is not None else value
                for (name, value), key in zip(outputs.items(), keys)}

    def build_result(self, **outputs: Any) -> Any:
        """The result builder's result over the outputs (computed in the run, unless
        ``compute_at_end=False``)."""
        if self.use_delayed and not self.compute_at_end:
            return delayed(self.result_builder.build_result)(**outputs)
        result = self.result_builder.build_result(**outputs)
        if not self.use_delayed and self.visualize_kwargs is not None and dask.is_dask_collection(
                result):
            dask.visualize(result, **self.visualize_kwargs)
        if self.compute_at_end and dask.is_dask_collection(result):
            (result,) = dask.compute(result, scheduler=self.client)
        return result

    def input_types(self) -> list[Any]:
        return [Any]

    def output_type(self) -> Any:
        output_type = getattr(self.result_builder, "output_type", None)
        return output_type() if callable(output_type) else Any


def _by_value(fn: Any) -> bool:
    """``fn`` must travel by value: its module was made at run time and registered with
    ``cloudpickle.register_pickle_by_value`` (dask's own pickling would send it by name)."""
    module = _module_made_at_run_time(fn)
    return module is not None and module.__name__ in cloudpickle.list_registry_pickle_by_value()


_CHECKED: weakref.WeakKeyDictionary[Any, str | None] = weakref.WeakKeyDictionary()


def _unshippable(task: Any) -> str | None:
    """Why ``task`` cannot reach a dask worker (``None`` if it can); serialized once per
    function."""
    try:
        problem = _CHECKED[task.fn]
    except (KeyError, TypeError):
        try:
            cloudpickle.dumps(task)
            problem = None
        except Exception as error:  # pickling raises many types
            problem = f"{type(error).__name__}: {error}"
        with contextlib.suppress(TypeError):  # not weakly referenceable: checked each time
            _CHECKED[task.fn] = problem
    if problem is not None:
        return problem
    module = _module_made_at_run_time(task.fn)
    if module is not None and not _by_value(task.fn) and "<locals>" not in getattr(
            task.fn, "__qualname__", ""):
        return (f"its module {module.__name__!r} was made at run time, so workers cannot "
                "import it (cloudpickle.register_pickle_by_value(module) ships it by value)")
    return None


def _run_shipped(blob: bytes, *args: Any) -> Any:
    """In a worker: a call serialized with cloudpickle (:func:`_by_value` functions)."""
    fn, static = cloudpickle.loads(blob)
    return fn(*static, *args)


@dataclass(frozen=True, slots=True)
class _NodeCall:
    """The callable of a node's dask task: ``fn(*static, *args)``. dask names a graph by hashing
    its tasks, and hashes what it does not know by pickling it (twice, to check the hash is
    stable): a node's task, its function and hooks, for every node of every run. The key of
    the task is unique to the run, so it is the task's hash."""

    key: str
    fn: Callable[..., Any]
    static: tuple[Any, ...]

    def __call__(self, *args: Any) -> Any:
        return self.fn(*self.static, *args)

    def __dask_tokenize__(self) -> tuple[str, str]:
        return ("dataflow-node", self.key)


class _Value(DataNode):
    """A value from outside the graph (an input, a config value, an override) in the run's dask
    graph, hashed by its key (unique to the run), not by its content: dask would pickle it to
    hash it, a large frame or an object that does not pickle twice alike included."""

    __slots__ = ()

    def __dask_tokenize__(self) -> tuple[str, Any]:
        return ("dataflow-value", self.key)


@dataclass(frozen=True, slots=True)
class _Key:
    """A node's value during the walk: the key of its task in the run's dask graph."""

    key: str


def _deliver(adapters: list[Any], reports_per_task: list[Any], node: str | None) -> None:
    """Hand the reports of the workers' copies to the caller's adapters, in plan order."""
    for reports in reports_per_task:
        for index, report in reports:
            adapter = adapters[index]
            try:
                adapter.receive_from_worker(report)
            except BaseException as error:
                hook_failure(error, f"{type(adapter).__name__}.receive_from_worker", node)
                raise


# -- fan-out blocks on a cluster -------------------------------------------------------------


def _node_tasks(argument: Any) -> list[Any]:
    """The node tasks inside a submitted argument: a node's task, or a fan-out block's."""
    if isinstance(argument, NodeTask):
        return [argument]
    return [t for t in getattr(argument, "tasks", ()) if isinstance(t, NodeTask)]


class _ClientPool(Executor):
    """A client as a ``concurrent.futures`` executor for one run: tasks are submitted unpure
    (each call runs), and shutting down cancels what has not finished."""

    def __init__(self, client: Any) -> None:
        self._executor = client.get_executor(pure=False)

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        tasks = [task for argument in args for task in _node_tasks(argument)]
        problems = [f"  {task.name} ({task.where}): {problem}" for task in tasks
                    if (problem := _unshippable(task)) is not None]
        if problems:
            raise NotPicklableError("These cannot be sent to dask workers:\n"
                                    + "\n".join(problems))
        if any(_by_value(task.fn) for task in tasks):  # dask would send them by name
            return self._executor.submit(  # type: ignore[no-any-return]
                _run_shipped, cloudpickle.dumps((functools.partial(fn, **kwargs), args)))
        return self._executor.submit(fn, *args, **kwargs)  # type: ignore[no-any-return]

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._executor.shutdown(wait=wait)


class DaskExecutor(PoolExecutor):
    """Runs tasks on a ``distributed.Client``'s cluster (Hamilton's ``DaskExecutor(client=)``).

    As the remote executor, each item of a fan-out block is one dask task; as the local
    executor, each step is. At most ``max_tasks`` are handed to the cluster at once (default:
    its worker threads), so after a failure no further task starts. Functions, node hooks,
    arguments and results travel by pickle: a node that cannot is named before anything runs.
    The client is the caller's: the executor neither starts nor closes it.
    """

    sends_to_processes = True

    def __init__(self, *, client: Any, max_tasks: int | None = None) -> None:
        self.client = client
        if max_tasks is None:
            max_tasks = max(1, sum(client.nthreads().values()))
        super().__init__(max_tasks)

    def create_pool(self) -> Executor:
        return _ClientPool(self.client)

    def __repr__(self) -> str:
        return f"DaskExecutor(client={self.client!r}, max_tasks={self.max_tasks})"


# -- a dask DataFrame result -----------------------------------------------------------------


class DaskDataFrameResult(ResultMixin):
    """Builds a dask DataFrame from the outputs, one column per Series output (a DataFrame
    output gives ``<output>.<column>`` columns, as in Hamilton). Dask Series and DataFrames
    stay lazy; pandas ones become one-partition dask ones; a scalar is repeated along the
    index of the first output that has one. Columns are joined on the index (outer)."""

    @staticmethod
    def build_result(**outputs: Any) -> Any:
        if not outputs:
            raise ValueError("DaskDataFrameResult: no outputs were requested, so there is no "
                             "column to build a DataFrame from.")
        frames: list[Any] = []
        names: list[str] = []
        index: Any = None
        pending: list[tuple[int, Any]] = []
        for name, value in outputs.items():
            if isinstance(value, (pd.Series, pd.DataFrame)):
                value = dd.from_pandas(value, npartitions=1)
            if isinstance(value, dd.Series):  # concatenated as is: a to_frame per column
                frames.append(value)               # would add a task per column and partition
                names.append(name)
            elif isinstance(value, dd.DataFrame):
                frames.append(value)
                names.extend(f"{name}.{column}" for column in value.columns)
            else:
                if dask.is_dask_collection(value):
                    (value,) = dask.compute(value)
                pending.append((len(frames), (name, value)))
                frames.append(None)
                names.append(name)
                continue
            if index is None:
                index = value.index
        for position, (name, scalar) in pending:
            if index is None:
                frames[position] = dd.from_pandas(pd.DataFrame({name: [scalar]}), npartitions=1)
            else:
                template = frames[next(i for i, f in enumerate(frames) if f is not None)]
                frames[position] = template.index.to_frame(name="__index__").assign(
                    **{name: scalar})[[name]]
        if len(frames) > 1:
            result = dd.concat(frames, axis=1, join="outer")
        else:
            result = frames[0] if isinstance(frames[0], dd.DataFrame) else frames[0].to_frame()
        result.columns = names
        return result

    def output_type(self) -> Any:
        return dd.DataFrame


# -- with_columns on dask DataFrames ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DaskColumnOf:
    """Node callable: one column of a dask DataFrame (lazy; picklable)."""

    frame: str
    column: str

    def __call__(self, **kwargs: Any) -> Any:
        frame = kwargs[self.frame]
        if self.column not in frame.columns:
            raise KeyError(
                f"with_columns: column {self.column!r} (from columns_to_pass) is not in the "
                f"dask DataFrame {self.frame!r}, whose columns are {list(frame.columns)}.")
        return frame[self.column]


@dataclass(frozen=True, slots=True)
class DaskAppendColumns:
    """Node callable: ``frame.assign(...)`` of the selected columns (a new lazy frame; the
    columns are aligned partition by partition, as they come from the same frame)."""

    frame: str
    columns: tuple[tuple[str, str], ...]

    def __call__(self, **kwargs: Any) -> Any:
        return kwargs[self.frame].assign(**{column: kwargs[dep] for column, dep in self.columns})


DASK = FrameKind(dd.DataFrame, dd.Series, "dd.DataFrame", DaskColumnOf, DaskAppendColumns)


class with_columns(_pandas_with_columns):
    """``@with_columns`` for a dask DataFrame (``dd.DataFrame``) parameter: the loaded
    functions take and return ``dd.Series``; the selected columns are added with
    ``DataFrame.assign`` before the decorated function runs. Nothing is computed until the
    result is (on the cluster of the client in use). Parameters as in
    ``dataflow.plugins.h_pandas.with_columns``. Hamilton 1.90 has no dask ``with_columns``.

    >>> def doubled(spend: dd.Series) -> dd.Series:
    ...     return spend * 2
    >>> @with_columns(doubled, columns_to_pass=["spend"])
    ... def enriched(frame: dd.DataFrame) -> dd.DataFrame:
    ...     return frame
    """

    kind = DASK
