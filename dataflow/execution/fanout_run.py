"""Running a :class:`~dataflow.execution.fanout.FanoutPlan`: run-once steps on the driver's
*local* executor, each block's items on its *remote* executor (Hamilton's split). This module
runs a synchronous local executor's share (run-once steps in the calling thread, in order);
a pool local executor's run is :mod:`dataflow.execution.fanout_pool`.

* On :class:`~dataflow.execution.executors.SynchronousLocalTaskExecutor` the items run one after
  the other in the calling thread: per item, one dict copy of the values the block reads and
  the block's calls; nothing is scheduled, so the cost is linear in the number of items.
* On a pool executor each item is one task (:func:`run_block_item`), at most ``max_tasks`` of
  them handed to the pool at once; results are put back in item order. A failing item ends the
  run with the node's own exception (its type kept, the node's note and a note naming the item
  index); items not yet handed to the pool never start, items running are waited for.

Each item's values live in a dict of their own, dropped when the item ends (intermediates are
released even earlier, after their last reader in the block); only the collected values
survive, one list per collected node.

Hooks: node hooks fire per node, inside items too, with ``task_id`` set. Task hooks
(:mod:`dataflow.lifecycle.api`) are called with Hamilton's keyword arguments around every task
of a fan-out run: each run-once node is an ``EXECUTE_SINGLE`` task named after it (the
expanding node ``expand-<name>``, ``EXPAND_UNORDERED``; a collecting node ``collect-<block>``,
``GATHER``), each item an ``EXECUTE_BLOCK`` task ``expand-<name>.<index>.block-<name>`` spawned
by ``expand-<name>``. See docs/execution.md, "Dynamic fan-out".
"""

from __future__ import annotations

import dataclasses
import functools
import uuid
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from dataflow.errors import DataflowError
from dataflow.execution.failures import add_note, annotate_failure
from dataflow.execution.fanout import Block, FanoutPlan, NodeGroupPurpose
from dataflow.execution.hooks import Hook, HookSet, call_hooks
from dataflow.execution.interrupts import InterruptWatch
from dataflow.execution.pooled import close_pools, note_worker_failure, stop_running
from dataflow.execution.reports import submit_of
from dataflow.execution.tasks import (
    NodeHooks,
    Task,
    check_picklable,
    check_values_picklable,
    run_task,
    task_of,
)
from dataflow.graph import Graph
from dataflow.plan import Step
from dataflow.variables import Variable


@dataclass(frozen=True, slots=True)
class BlockTask:
    """What a worker needs to run one item of a block (picklable: see
    :class:`~dataflow.execution.tasks.Task`)."""

    expander: str
    expander_where: str
    tasks: tuple[Task, ...]
    args: tuple[tuple[str, ...], ...]
    release: tuple[tuple[str, ...], ...]
    collected: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ItemHooks:
    """The hooks a worker calls around one item: node hooks per node, task hooks around it."""

    node: NodeHooks | None
    before_task: tuple[Hook, ...]
    after_task: tuple[Hook, ...]
    nodes: tuple[Variable, ...]
    overrides: dict[str, Any]


def block_task_of(block: Block, expander_where: str) -> BlockTask:
    return BlockTask(block.expander, expander_where, tuple(task_of(s) for s in block.steps),
                     tuple(s.args for s in block.steps), tuple(s.release for s in block.steps),
                     block.collected)


def note_item(error: BaseException, expander: str, where: str, index: int) -> None:
    """The note saying which item of which block failed."""
    add_note(error, f"dataflow: in fan-out item {index} (counting from 0) of {expander!r} "
                    f"({where})")


def _item_fast(block: Block, item: Any, shared: dict[str, Any], index: int,
               where: str) -> list[Any]:
    """One item in the calling thread, no hooks: the block's calls over a copy of ``shared``."""
    values = shared.copy()
    values[block.expander] = item
    for step in block.steps:
        kwargs = {name: values[name] for name in step.args}
        try:
            values[step.node.name] = step.node.fn(**kwargs)  # type: ignore[misc]
        except Exception as error:
            annotate_failure(error, step, kwargs)
            note_item(error, block.expander, where, index)
            raise error from None
        for name in step.release:
            del values[name]
        del kwargs
    return [values[name] for name in block.collected]


def run_block_item(block: BlockTask, item: Any, shared: dict[str, Any], index: int,
                   hooks: ItemHooks | None, run_id: str) -> list[Any]:
    """One item of ``block`` (what a pool worker runs): the task hooks around it, node hooks
    around each node; the collected values, in ``block.collected`` order."""
    task_id = f"expand-{block.expander}.{index}.block-{block.expander}"
    values = shared.copy()
    values[block.expander] = item
    if hooks is not None and hooks.before_task:
        call_hooks(hooks.before_task, None, run_id=run_id, task_id=task_id,
                   nodes=list(hooks.nodes), inputs=dict(values), overrides=hooks.overrides,
                   spawning_task_id=f"expand-{block.expander}",
                   purpose=NodeGroupPurpose.EXECUTE_BLOCK)
    reports = hooks is not None and bool(hooks.after_task)
    results: dict[str, Any] = dict(values) if reports else {}
    error: BaseException | None = None
    node_hooks = hooks.node if hooks is not None else None
    try:
        for task, args, release in zip(block.tasks, block.args, block.release):
            kwargs = {name: values[name] for name in args}
            values[task.name] = run_task(task, kwargs, node_hooks, run_id, task_id)
            if reports:
                results[task.name] = values[task.name]
            for name in release:
                del values[name]
            del kwargs
    except BaseException as failure:
        note_item(failure, block.expander, block.expander_where, index)
        error = failure
    if reports:
        assert hooks is not None
        call_hooks(hooks.after_task, None, run_id=run_id, task_id=task_id,
                   nodes=list(hooks.nodes), results=results if error is None else None,
                   success=error is None, error=error,
                   spawning_task_id=f"expand-{block.expander}",
                   purpose=NodeGroupPurpose.EXECUTE_BLOCK)
    if error is not None:
        raise error
    return [values[name] for name in block.collected]


class FanoutRunner:
    """The runner of one request shape whose plan fans out (the driver caches it like a
    :class:`~dataflow.execution.runner.PlanRunner`): ``run`` without hooks, ``execute`` with
    them."""

    __slots__ = ("_block_tasks", "_macro", "_tasks", "_where", "fanout", "hooks", "local", "plan",
                 "remote")

    def __init__(self, fanout: FanoutPlan, hooks: HookSet, remote: Any,
                 local: Any = None) -> None:
        self.fanout = fanout
        self.plan = fanout.plan
        self.hooks = hooks
        self.remote = remote
        """Where items run: an executor of :mod:`dataflow.execution.executors`."""
        self.local = local
        """Where run-once steps run: a pool executor runs them on its pool as they become
        ready (:mod:`dataflow.execution.fanout_pool`); otherwise in the calling thread."""
        self._macro: Any = None
        self._tasks: dict[str, Task] = {}
        self._block_tasks: dict[str, BlockTask] = {}
        self._where = {s.name: s.node.where() for s in self.plan.steps
                       if s.name in fanout.expanders}

    def run(self, values: dict[str, Any]) -> dict[str, Any]:
        """The outputs over ``values`` (consumed), with no hook registered."""
        return self._run(values, "", {}, None)

    def execute(self, values: dict[str, Any], graph: Graph, final_vars: list[str],
                inputs: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
        """The outputs over ``values`` (consumed), graph hooks around the run."""
        from dataflow.execution.executors import run_with_hooks  # executors imports loop

        hooks = self.hooks
        if hooks.remote_execute is not None:
            raise DataflowError(
                f"{hooks.remote_execute[0]} (do_remote_execute) decides where each node runs, "
                "which a fan-out run (Parallelizable / Collect) cannot honour: use "
                "with_remote_executor(...) for the blocks instead.")

        def body(values: dict[str, Any], run_id: str) -> dict[str, Any]:
            return self._run(values, run_id, dict(overrides), None if hooks.empty else hooks)

        if not (hooks.before_graph or hooks.after_graph):
            return body(values, str(uuid.uuid4()))
        return run_with_hooks(self, values, hooks, graph, final_vars,  # type: ignore[arg-type]
                              inputs, overrides, body)

    # -- the run -----------------------------------------------------------------------------

    def _run(self, values: dict[str, Any], run_id: str, overrides: dict[str, Any],
             hooks: HookSet | None) -> dict[str, Any]:
        for unit in self.fanout.units:  # an overriding iterable (a generator, used up once)
            if type(unit) is Block:     # is run over, returned and hooked as a list
                name = unit.expander
                items = values.get(name)
                if items is not None and not isinstance(items, list):
                    values[name] = list(items)
                    if name in overrides:
                        overrides[name] = values[name]
        if getattr(self.remote, "sends_to_processes", False):  # refused before anything runs
            blocks = [unit for unit in self.fanout.units if type(unit) is Block]
            for unit in blocks:
                self._check_picklable(unit, self._submitted(unit, {}, run_id, overrides, hooks))
            if not getattr(self.remote, "ships_values_itself", False):
                # an executor that serializes what blocks share once (Ray's object store)
                # refuses it then, naming it; a second pickling here would double the cost
                check_values_picklable(((f"the fan-out block of {unit.expander!r}",
                                         (unit.expander, *unit.reads)) for unit in blocks),
                                       values, overrides)
        if getattr(self.local, "create_pool", None) is not None:
            from dataflow.execution.fanout_pool import run_on_pools

            return run_on_pools(self, self.local, values, run_id, overrides, hooks)
        fanout = self.fanout
        expanders = fanout.expanders
        plain = hooks is None and not self.plan.has_async
        if hooks is not None and hooks.task_grouping:
            call_hooks(hooks.task_grouping, None, run_id=run_id,
                       task_ids=[self._task_id(u) for u in fanout.units])
        for unit in fanout.units:
            if type(unit) is Block:
                items = values[unit.expander]
                shared = {name: values[name] for name in unit.reads}
                gathered = self._run_block(unit, items, shared, run_id, overrides, hooks)
                for name, collected in zip(unit.collected, gathered):
                    values[name] = collected
            else:
                step: Step = unit  # type: ignore[assignment]
                kwargs = {name: values[name] for name in step.args}
                result: Any
                if plain:
                    try:
                        result = step.node.fn(**kwargs)  # type: ignore[misc]
                        if step.name in expanders:  # a generator runs here
                            result = list(result)
                    except Exception as error:
                        raise annotate_failure(error, step, kwargs) from None
                else:
                    result = self._run_step(step, kwargs, run_id, overrides, hooks)
                values[step.name] = result
                del kwargs
            for name in unit.release:
                del values[name]
        return {name: values[name] for name in self.plan.outputs}

    def _task_id(self, unit: Step | Block) -> str:
        if type(unit) is Block:
            return unit.name
        if unit.name in self.fanout.expanders:
            return f"expand-{unit.name}"
        if unit.name in self.fanout.collectors:
            return f"collect-{self.fanout.collectors[unit.name]}"
        return unit.name

    def _task(self, step: Step) -> Task:
        task = self._tasks.get(step.name)
        if task is None:
            task = task_of(step)
            if step.name in self.fanout.expanders:  # hooks see the items as a list
                task = dataclasses.replace(task, fn=functools.partial(_items_of, task.fn),
                                           is_expand=True)
            elif step.name in self.fanout.collectors:
                task = dataclasses.replace(task, is_collect=True)
            self._tasks[step.name] = task
        return task

    def _run_step(self, step: Step, kwargs: dict[str, Any], run_id: str,
                  overrides: dict[str, Any], hooks: HookSet | None) -> Any:
        """A run-once step as a task: task hooks around it, node hooks around the call."""
        node_hooks = (NodeHooks(hooks.before_node, hooks.after_node, hooks.node_method)
                      if hooks is not None and hooks.node_level else None)
        expands = step.name in self.fanout.expanders
        result: Any = None
        if hooks is None:
            return run_task(self._task(step), kwargs, None, run_id)
        task_id = self._task_id(step)
        purpose = (NodeGroupPurpose.EXPAND_UNORDERED if expands else NodeGroupPurpose.GATHER
                   if step.name in self.fanout.collectors else NodeGroupPurpose.EXECUTE_SINGLE)
        facts = {"run_id": run_id, "task_id": task_id, "nodes": [Variable.from_node(step.node)],
                 "spawning_task_id": None, "purpose": purpose}
        call_hooks(hooks.task_submission, None, **facts, inputs=dict(kwargs),
                   overrides=overrides)
        call_hooks(hooks.before_task, None, **facts, inputs=dict(kwargs), overrides=overrides)
        error: BaseException | None = None
        try:
            result = run_task(self._task(step), kwargs, node_hooks, run_id, task_id)
        except BaseException as failure:
            error = failure
        results = None if error is not None else {**kwargs, step.name: result}
        call_hooks(hooks.after_task, None, **facts, results=results, success=error is None,
                   error=error)
        self._returned(step, result, error, run_id, hooks)
        if error is not None:
            raise error
        return result

    def _run_block(self, block: Block, items: Iterable[Any], shared: dict[str, Any],
                   run_id: str, overrides: dict[str, Any],
                   hooks: HookSet | None) -> list[list[Any]]:
        items = items if isinstance(items, list) else list(items)
        where = self._where.get(block.expander, "overridden")
        gathered: list[list[Any]] = [[] for _ in block.collected]
        remote = self.remote
        pooled = getattr(remote, "create_pool", None) is not None
        if hooks is None and not pooled and not self.plan.has_async:
            if len(gathered) == 1:
                only = gathered[0]
                for index, item in enumerate(items):
                    only.append(_item_fast(block, item, shared, index, where)[0])
            else:
                for index, item in enumerate(items):
                    for target, value in zip(gathered, _item_fast(block, item, shared, index,
                                                                  where)):
                        target.append(value)
            return gathered
        submitted = self._submitted(block, shared, run_id, overrides, hooks)
        if pooled:
            rows = _items_on_pool(remote, items, submitted)
        else:
            rows = [submitted.run_here(index, item) for index, item in enumerate(items)]
        for row in rows:
            for target, value in zip(gathered, row):
                target.append(value)
        return gathered


    def _submitted(self, block: Block, shared: dict[str, Any], run_id: str,
                   overrides: dict[str, Any], hooks: HookSet | None) -> _Submitted:
        """``block``'s items as tasks over ``shared`` (the values it reads from outside)."""
        task = self._block_tasks.get(block.expander)
        if task is None:
            task = self._block_tasks[block.expander] = block_task_of(
                block, self._where.get(block.expander, "overridden"))
        item_hooks = None
        if hooks is not None:
            item_hooks = ItemHooks(
                node=(NodeHooks(hooks.before_node, hooks.after_node, hooks.node_method)
                      if hooks.node_level else None),
                before_task=hooks.before_task, after_task=hooks.after_task,
                nodes=tuple(Variable.from_node(s.node) for s in block.steps),
                overrides=overrides)
        return _Submitted(task, shared, run_id, hooks, item_hooks)

    def _check_picklable(self, block: Block, submitted: _Submitted) -> None:
        if getattr(self.remote, "sends_to_processes", False):
            item_hooks = submitted.item_hooks
            check_picklable(block.steps, submitted.task.tasks,
                            item_hooks.node if item_hooks is not None else None)

    def _returned(self, step: Step, result: Any, error: BaseException | None, run_id: str,
                  hooks: HookSet | None) -> None:
        """In the calling thread, once a run-once step's task is back: the expansion hook (for
        an expanding step) and the return hook."""
        if hooks is None:
            return
        task_id = self._task_id(step)
        expands = step.name in self.fanout.expanders
        if error is None and expands and hooks.task_expansion:
            call_hooks(hooks.task_expansion, None, run_id=run_id, task_id=task_id,
                       parameters={str(i): item for i, item in enumerate(result)})
        if hooks.task_return:
            purpose = (NodeGroupPurpose.EXPAND_UNORDERED if expands else NodeGroupPurpose.GATHER
                       if step.name in self.fanout.collectors
                       else NodeGroupPurpose.EXECUTE_SINGLE)
            returned = None if error is not None else ({} if expands else {step.name: result})
            call_hooks(hooks.task_return, None, run_id=run_id, task_id=task_id,
                       nodes=[Variable.from_node(step.node)], spawning_task_id=None,
                       purpose=purpose, result=returned, success=error is None, error=error)

    def macro(self) -> Any:
        """The plan a :class:`~dataflow.execution.scheduler.ReadyQueue` runs when the local
        executor is a pool (:mod:`dataflow.execution.fanout_pool`), made once."""
        if self._macro is None:
            from dataflow.execution.fanout_pool import macro_plan_of

            self._macro = macro_plan_of(self)
        return self._macro


def _items_of(fn: Callable[..., Any], **kwargs: Any) -> list[Any]:
    """An expanding node's items, as a list (what its hooks and its requesters see)."""
    return list(fn(**kwargs))


class _Submitted:
    """One block's items as tasks: the submission / return hooks (calling thread) around
    :func:`run_block_item`."""

    __slots__ = ("hooks", "item_hooks", "run_id", "shared", "task")

    def __init__(self, task: BlockTask, shared: dict[str, Any], run_id: str,
                 hooks: HookSet | None, item_hooks: ItemHooks | None) -> None:
        self.task, self.shared, self.run_id = task, shared, run_id
        self.hooks, self.item_hooks = hooks, item_hooks

    def facts(self, index: int) -> dict[str, Any]:
        expander = self.task.expander
        assert self.item_hooks is not None
        return {"run_id": self.run_id, "task_id": f"expand-{expander}.{index}.block-{expander}",
                "nodes": list(self.item_hooks.nodes), "spawning_task_id": f"expand-{expander}",
                "purpose": NodeGroupPurpose.EXECUTE_BLOCK}

    def before(self, index: int, item: Any) -> None:
        if self.hooks is not None and self.hooks.task_submission:
            assert self.item_hooks is not None
            call_hooks(self.hooks.task_submission, None, **self.facts(index),
                       inputs={**self.shared, self.task.expander: item},
                       overrides=self.item_hooks.overrides)

    def after(self, index: int, row: list[Any] | None, error: BaseException | None) -> None:
        if self.hooks is not None and self.hooks.task_return:
            result = None if row is None else dict(zip(self.task.collected, row))
            call_hooks(self.hooks.task_return, None, **self.facts(index), result=result,
                       success=error is None, error=error)

    def failed(self, index: int, error: BaseException, others: Iterable[int] = ()) -> None:
        """Item ``index`` failed on a pool (items ``others`` still running): its error says
        which item (and, if its worker broke, what ran beside it); its return hook is
        called."""
        expander = self.task.expander
        if not any(str(note).startswith("dataflow: in fan-out item")
                   for note in getattr(error, "__notes__", ())):
            note_worker_failure(error, f"fan-out item {index} of {expander!r}",
                                [f"item {other}" for other in others])
            note_item(error, expander, self.task.expander_where, index)
        self.after(index, None, error)

    def run_here(self, index: int, item: Any) -> list[Any]:
        self.before(index, item)
        try:
            row = run_block_item(self.task, item, self.shared, index, self.item_hooks,
                                 self.run_id)
        except BaseException as error:
            self.after(index, None, error)
            raise
        self.after(index, row, None)
        return row

    def submit(self, submit: Callable[..., Future[Any]], index: int, item: Any) -> Future[Any]:
        self.before(index, item)
        return submit(run_block_item, self.task, item, self.shared, index, self.item_hooks,
                      self.run_id)


def _items_on_pool(executor: Any, items: list[Any], submitted: _Submitted) -> list[list[Any]]:
    """Every item on a pool of ``executor.max_tasks`` workers, at most that many submitted at
    once; the rows in item order. A failure cancels what has not started and is raised."""
    rows: list[Any] = [None] * len(items)
    pool = executor.create_pool()
    submit = submit_of(executor, pool)  # processes: their hooks report back
    max_tasks = executor.max_tasks
    interrupted = True
    running: dict[Future[Any], int] = {}
    watch = InterruptWatch()  # Ctrl-C landing in a finalizer run here is not lost
    watch.install()
    try:
        next_index = 0
        while next_index < len(items) or running:
            while next_index < len(items) and len(running) < max_tasks:
                running[submitted.submit(submit, next_index, items[next_index])] = next_index
                next_index += 1
            done = watch.wait(running)
            for future in done:
                index = running.pop(future)
                try:
                    rows[index] = future.result()
                except BaseException as error:
                    submitted.failed(index, error, running.values())
                    raise
                submitted.after(index, rows[index], None)
        watch.check()
        interrupted = False
        return rows
    except BaseException as error:
        stop_running(running, error)
        interrupted = not isinstance(error, Exception)
        raise
    finally:
        watch.restore()
        close_pools((pool,), interrupted)
