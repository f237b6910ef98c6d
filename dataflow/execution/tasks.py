"""One step of a plan as a unit of work that can be sent to another thread or process.

A :class:`~dataflow.plan.Step` holds the whole node (origin, decorators' bookkeeping, read-only
tag views), much of which cannot be pickled and none of which a worker needs. A :class:`Task`
keeps only what running the step in a worker takes: the function, the facts the node hooks are
given, and where the function is defined (for the note a failure gains). :func:`run_task` is
what a worker runs: the node hooks, the call, and the failure note, exactly as the in-order loop
of :mod:`dataflow.execution.loop` does them, so a hook fires where its node runs.
"""

from __future__ import annotations

import functools
import pickle
import sys
import traceback
import types
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dataflow.errors import DataflowError
from dataflow.execution.failures import add_note, describe_failure
from dataflow.execution.hooks import Hook, HookSet, call_hooks, hook_failure
from dataflow.execution.loop import await_result, is_pending, raised_by
from dataflow.plan import Plan, Step


@dataclass(frozen=True, slots=True)
class NodeHooks:
    """The node-level part of a :class:`~dataflow.execution.hooks.HookSet`: all a worker
    calls. ``None`` for a run without node hooks (nothing more is sent)."""

    before: tuple[Hook, ...]
    after: tuple[Hook, ...]
    method: Hook | None


@dataclass(frozen=True, slots=True)
class Task:
    """What a worker needs to run one step (see the module docstring)."""

    name: str
    fn: Callable[..., Any]
    where: str
    tags: dict[str, Any]
    return_type: Any
    input_types: dict[str, Any]
    is_async: bool
    is_expand: bool = False
    """Returns a ``Parallelizable``'s items; ``is_collect``: has a ``Collect`` parameter (what a
    ``run_to_execute_node`` adapter is told, :mod:`dataflow.execution.fanout_run`)."""
    is_collect: bool = False


def task_of(step: Step) -> Task:
    node = step.node
    return Task(step.name, step.fn, node.where(), dict(node.tags), node.type,
                {d.name: d.type for d in node.dependencies}, node.is_async)


def run_task(task: Task, kwargs: dict[str, Any], hooks: NodeHooks | None,
             run_id: str, task_id: str | None = None) -> Any:
    """Run ``task`` over ``kwargs`` with the node hooks around it; raise the node's own
    exception, with a note naming the node, when it fails. ``task_id`` is the fan-out task the
    node runs in (:mod:`dataflow.execution.fanout_run`), ``None`` elsewhere."""
    if hooks is None:
        try:
            return _call(task, kwargs, None)
        except BaseException as failed:
            raise _annotated(failed, task, kwargs) from None
    facts = {"node_name": task.name, "node_tags": dict(task.tags), "node_kwargs": kwargs,
             "node_return_type": task.return_type, "task_id": task_id, "run_id": run_id}
    if hooks.before:
        call_hooks(hooks.before, task.name, **facts, node_input_types=task.input_types)
    result: Any = None
    error: BaseException | None = None
    try:
        result = _call(task, kwargs, hooks.method, task_id)
    except BaseException as failure:
        error = _annotated(failure, task, kwargs)
    if hooks.after:
        call_hooks(hooks.after, task.name, **facts, result=result, error=error,
                   success=error is None)
    if error is not None:
        raise error from None
    return result


def run_plan_remotely(plan: Plan, values: dict[str, Any], hooks: HookSet,
                      run_id: str) -> dict[str, Any]:
    """The in-order walk of ``plan`` where the ``do_remote_execute`` adapter of ``hooks``
    decides how each node runs: it gets the node, its arguments and
    ``execute_lifecycle_for_node`` (the node's call with its hooks, :func:`run_task`), and what
    it returns is the node's value (a future, for
    :class:`plugins.h_threadpool.FutureAdapter`)."""
    assert hooks.remote_execute is not None
    hook, remote_execute = hooks.remote_execute
    node_hooks = NodeHooks(hooks.before_node, hooks.after_node, hooks.node_method)
    for step in plan.steps:
        kwargs = {arg: values[arg] for arg in step.args}
        lifecycle = functools.partial(_lifecycle, task_of(step), node_hooks, run_id)
        try:
            values[step.name] = remote_execute(
                node=step.node, execute_lifecycle_for_node=lifecycle, **kwargs)
        except BaseException as error:
            if not any(note.startswith("dataflow:") for note in getattr(error, "__notes__", ())):
                hook_failure(error, hook, step.name)
            raise
        for released in step.release:
            del values[released]
    outputs = {name: values[name] for name in plan.outputs}
    # an adapter that only described the work (a dask graph: plugins.h_dask) runs it here,
    # inside the run, so the graph hooks after it see the real outcome
    finish = getattr(getattr(remote_execute, "__self__", None), "finish_remote_run", None)
    if finish is not None:
        outputs = finish(outputs=outputs, run_id=run_id)
    return outputs


def _lifecycle(task: Task, hooks: NodeHooks, run_id: str, **kwargs: Any) -> Any:
    return run_task(task, kwargs, hooks, run_id)


def lifecycle_parts(lifecycle: Any) -> tuple[Task, NodeHooks | None, str]:
    """The task, node hooks (``None`` when there are none) and run id inside the
    ``execute_lifecycle_for_node`` that :func:`run_plan_remotely` hands a ``do_remote_execute``
    adapter: what an engine plugin (:mod:`plugins.h_dask`, :mod:`plugins.h_ray`) sends to its
    workers instead of the partial."""
    task, hooks, run_id = lifecycle.args
    if hooks is not None and not (hooks.before or hooks.after or hooks.method):
        hooks = None
    return task, hooks, run_id


def _annotated(error: BaseException, task: Task, kwargs: Mapping[str, Any]) -> BaseException:
    add_note(error, describe_failure(task.name, task.where, kwargs))
    return error


def _call(task: Task, kwargs: dict[str, Any], method: Hook | None,
          task_id: str | None = None) -> Any:
    if method is None:
        result = task.fn(**kwargs)
    else:
        hook, run_to_execute_node = method
        node_callable = task.fn
        if task.is_async:  # a plain adapter sees the node's value or its error
            from dataflow.execution import async_nodes

            if not async_nodes.handles_coroutines(run_to_execute_node):
                node_callable = async_nodes.completing(task.fn)
        try:
            result = run_to_execute_node(
                node_name=task.name, node_tags=dict(task.tags), node_callable=node_callable,
                node_kwargs=kwargs, task_id=task_id, is_expand=task.is_expand,
                is_collect=task.is_collect)
        except BaseException as error:
            if not raised_by(error, task.fn):
                hook_failure(error, hook, task.name)
            raise
    if is_pending(result):  # not always, for an async node: an adapter may skip it
        result = await_result(result)
    return result


class UnsendableExceptionError(DataflowError):
    """Stands in for a node's exception that could not travel back from its worker process
    (it does not pickle, or does not unpickle), naming its type and text; its notes are kept
    and its traceback is its ``__cause__``."""

    @classmethod
    def standing_in(cls, error: BaseException, problem: BaseException
                    ) -> UnsendableExceptionError:
        kind = type(error)
        stand_in = cls(
            f"{kind.__module__}.{kind.__qualname__}: {error} (the exception could not be sent "
            f"back from the worker process, so this error stands in for it: "
            f"{type(problem).__name__}: {problem}. An exception travels by pickle: it must "
            "keep what it needs in its args, e.g. pass every argument of its __init__ on to "
            "super().__init__)")
        for note in getattr(error, "__notes__", ()):
            add_note(stand_in, str(note))
        reports = getattr(error, "__dataflow_worker_reports__", None)  # reports.py's
        if reports is not None:
            stand_in.__dataflow_worker_reports__ = reports  # type: ignore[attr-defined]
        stand_in.__cause__ = WorkerTraceback("".join(
            traceback.format_exception(kind, error, error.__traceback__)))
        return stand_in


class WorkerTraceback(Exception):
    """The traceback of an exception raised in a worker process, as text."""

    def __str__(self) -> str:
        return f"\n{self.args[0]}" if self.args else ""


class NotPicklableError(DataflowError):
    """A node (or a hook) cannot be sent to a worker process; raised before anything runs."""


def unshippable_hooks(hooks: NodeHooks | None, dumps: Callable[[Any], Any]) -> str | None:
    """The line naming the adapters whose node hooks ``dumps`` cannot serialize (``None`` when
    it can, or there are none)."""
    if hooks is None:
        return None
    try:
        dumps(hooks)
    except Exception as error:  # serializers raise several types (PicklingError, TypeError, ...)
        owners = sorted({name.split(".")[0] for name, _ in
                         (*hooks.before, *hooks.after, *([hooks.method] if hooks.method
                                                         else []))})
        return f"  node hooks of {', '.join(owners)}: {type(error).__name__}: {error}"
    return None


def not_shippable(engine: str, problems: list[str]) -> NotPicklableError:
    """The error refusing a run on ``engine``'s workers before anything runs, naming every
    node (and hook owner) in ``problems``."""
    return NotPicklableError(
        f"These cannot be sent to {engine} workers (they must serialize with cloudpickle: no "
        "locks, open files or connections in a function's closure or an adapter):\n"
        + "\n".join(problems)
        + "\nRun them on the local driver, or keep such objects out of what ships.")


def check_picklable(steps: Sequence[Step], tasks: Sequence[Task],
                    hooks: NodeHooks | None) -> None:
    """Refuse, naming every offending node with its file:line, a run on worker processes whose
    functions (or node hooks) cannot be pickled, so nothing runs half-way first."""
    problems = []
    for step, task in zip(steps, tasks):
        try:
            pickle.dumps(task)
        except Exception as error:  # pickle raises several types (PicklingError, TypeError, ...)
            problems.append(f"  {step.name} ({step.node.where()}): "
                            f"{type(error).__name__}: {error}")
    if (problem := unshippable_hooks(hooks, pickle.dumps)) is not None:
        problems.append(problem)
    if problems:
        raise NotPicklableError(
            "These cannot be sent to worker processes (they must pickle: functions defined at "
            "the top level of an importable module, no lambdas or closures):\n"
            + "\n".join(problems)
            + "\nRun them on MultiThreadingExecutor, or move the functions to module level.")


_PLAIN = frozenset({int, float, complex, str, bytes, bool, type(None)})
"""Types whose values always pickle: not checked."""


def check_values_picklable(readers: Iterable[tuple[str, Iterable[str]]],
                           values: Mapping[str, Any], overrides: Collection[str],
                           inputs: Collection[str] | None = None) -> None:
    """Refuse, before anything runs, a run on worker processes that would send them a
    starting value (an input, an override or a config value) that does not pickle, naming the
    value and the nodes that read it. ``readers`` pairs the name of what a worker runs (a node,
    a fan-out block) with the names it reads. Each such value is pickled once more here (its
    readers pickle it again to send it)."""
    read_by: dict[str, list[str]] = {}
    for reader, names in readers:
        for name in names:
            if name in values:
                read_by.setdefault(name, []).append(reader)
    problems = []
    for name, nodes in read_by.items():
        value = values[name]
        if type(value) in _PLAIN:
            continue
        try:
            pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as error:  # PicklingError, TypeError, AttributeError, ...
            kind = ("override" if name in overrides else "input"
                    if inputs is None or name in inputs else "config value")
            problems.append(f"  {kind} {name!r} ({type(value).__module__}."
                            f"{type(value).__qualname__}), read by {', '.join(nodes)}: "
                            f"{type(error).__name__}: {error}")
    if problems:
        raise NotPicklableError(
            "These values cannot be sent to worker processes (what a worker process reads "
            "must pickle):\n" + "\n".join(problems)
            + "\nPass values that pickle, or run on MultiThreadingExecutor.")


def module_made_at_run_time(fn: Any) -> Any:
    """The module of ``fn`` when worker processes cannot import it by name (made at run time,
    as :mod:`dataflow.ad_hoc_utils` modules are), else ``None`` (the engine plugins ship such
    functions by value, or name them before anything runs)."""
    module = sys.modules.get(getattr(fn, "__module__", None) or "")
    if (isinstance(fn, types.FunctionType) and module is not None
            and module.__name__ != "__main__" and getattr(module, "__spec__", None) is None):
        return module
    return None
