"""A fan-out run whose *local* executor is a pool: run-once steps on the local pool as their
inputs become ready, each block's items on the remote executor, on one
:class:`~dataflow.execution.scheduler.ReadyQueue` (Hamilton's split of the work).

The queue runs a *macro plan*: the fan-out plan's run-once steps as they are, and per block one
stand-in step per value the block gathers (named after it, reading what the block reads). The
first stand-in of a block taken off the queue starts the block: its items are handed to the
remote executor (at most ``max_tasks`` at once, or run in the calling thread on
:class:`~dataflow.execution.executors.SynchronousLocalTaskExecutor`); when the last item is
back, each stand-in is finished with its list, so the collecting steps become ready and what
the block read is freed, by the queue, as for any step.

A failure anywhere cancels what has not started, waits for what is running (an interruption
does not wait) and raises the node's own exception with its notes.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dataflow.execution.fanout import Block, NodeGroupPurpose
from dataflow.execution.fanout_run import ItemHooks
from dataflow.execution.hooks import HookSet, call_hooks
from dataflow.execution.interrupts import InterruptWatch
from dataflow.execution.pooled import close_pools, note_worker_failure, stop_running
from dataflow.execution.reports import submit_of
from dataflow.execution.scheduler import ReadyQueue
from dataflow.execution.tasks import (
    NodeHooks,
    check_picklable,
    check_values_picklable,
    run_task,
)
from dataflow.node import Node
from dataflow.plan import Plan, Step, _new_step
from dataflow.variables import Variable

if TYPE_CHECKING:
    from dataflow.execution.fanout_run import FanoutRunner, _Submitted


@dataclass(frozen=True, slots=True)
class MacroPlan:
    """The queue's plan and, per stand-in step (by index), its block and which gathered value
    it stands for."""

    plan: Plan
    stand_ins: dict[int, tuple[Block, int]]


def macro_plan_of(runner: FanoutRunner) -> MacroPlan:
    plan = runner.plan
    steps: list[Step] = []
    stand_ins: dict[int, tuple[Block, int]] = {}
    for unit in runner.fanout.units:
        if type(unit) is Block:
            for position, name in enumerate(unit.collected):
                stand_ins[len(steps)] = (unit, position)
                steps.append(_new_step(Node(name, list), (unit.expander, *unit.reads), ()))
        else:
            steps.append(unit)  # type: ignore[arg-type]
    return MacroPlan(Plan(outputs=plan.outputs, steps=tuple(steps),
                          provided_used=plan.provided_used, config_used=plan.config_used,
                          typed_inputs=(), has_async=plan.has_async,
                          absent_outputs=plan.absent_outputs), stand_ins)


@dataclass(slots=True)
class _BlockRun:
    """One block being run: its items, their rows as they come back, the stand-ins taken."""

    block: Block
    items: list[Any]
    submitted: _Submitted
    rows: list[Any]
    next_item: int = 0
    left: int = 0
    taken: list[int] = field(default_factory=list)


def run_on_pools(runner: FanoutRunner, local: Any, values: dict[str, Any], run_id: str,
                 overrides: dict[str, Any], hooks: HookSet | None) -> dict[str, Any]:
    """The outputs of ``runner``'s fan-out plan over ``values`` (consumed), run-once steps on
    ``local``'s pool and items on ``runner.remote``."""
    macro = runner.macro()
    queue = ReadyQueue(macro.plan, values)
    steps = macro.plan.steps
    remote = runner.remote
    node_hooks = (NodeHooks(hooks.before_node, hooks.after_node, hooks.node_method)
                  if hooks is not None and hooks.node_level else None)
    running: dict[Future[Any], tuple[int, _BlockRun | None]] = {}
    local_busy = remote_busy = 0
    blocks: dict[str, _BlockRun] = {}
    if hooks is not None and hooks.task_grouping:
        call_hooks(hooks.task_grouping, None, run_id=run_id,
                   task_ids=[runner._task_id(u) for u in runner.fanout.units])
    if getattr(local, "sends_to_processes", False):
        outer = [step for index, step in enumerate(steps) if index not in macro.stand_ins]
        check_picklable(outer, [runner._task(step) for step in outer], node_hooks)
        check_values_picklable(((step.name, step.args) for step in outer), values, overrides)
    # the pools start only once nothing before the run can fail any more
    local_pool: Executor = local.create_pool()
    remote_pool: Executor | None = (remote.create_pool()
                                    if getattr(remote, "create_pool", None) is not None else None)
    local_submit = submit_of(local, local_pool)  # processes: their hooks report back
    remote_submit = submit_of(remote, remote_pool) if remote_pool is not None else None
    interrupted = True
    watch = InterruptWatch()  # Ctrl-C landing in a finalizer run here is not lost
    watch.install()
    try:
        while not queue.done:
            progressed = False
            deferred = []
            while queue.ready:
                index = queue.ready.popleft()
                if index in macro.stand_ins:
                    block, _ = macro.stand_ins[index]
                    state = blocks.get(block.expander)
                    if state is None:
                        state = blocks[block.expander] = _start(
                            runner, block, queue, index, run_id, overrides, hooks)
                    state.taken.append(index)
                    progressed = True
                elif local_busy < local.max_tasks:
                    step = steps[index]
                    kwargs = queue.arguments(index)
                    step_hooks = _step_hooks(runner, step, hooks, node_hooks, overrides, run_id,
                                             kwargs)
                    future = local_submit(_run_step_task, runner._task(step), kwargs,
                                          step_hooks, run_id, runner._task_id(step),
                                          _purpose(runner, step))
                    del kwargs
                    running[future] = (index, None)
                    local_busy += 1
                    progressed = True
                else:
                    deferred.append(index)
            queue.ready.extendleft(reversed(deferred))
            for state in list(blocks.values()):
                if state.left and remote_pool is None:  # items in the calling thread
                    for position, item in enumerate(state.items):
                        state.rows[position] = state.submitted.run_here(position, item)
                    state.left = 0
                while (remote_submit is not None and state.next_item < len(state.items)
                       and remote_busy < remote.max_tasks):
                    position = state.next_item
                    future = state.submitted.submit(remote_submit, position,
                                                    state.items[position])
                    running[future] = (position, state)
                    state.next_item += 1
                    remote_busy += 1
                    progressed = True
                if not state.left and len(state.taken) == len(state.block.collected):
                    for index in state.taken:
                        _, gathered = macro.stand_ins[index]
                        queue.finish(index, [row[gathered] for row in state.rows])
                    del blocks[state.block.expander]
                    progressed = True
            if queue.done or progressed:
                continue
            if not running:
                raise RuntimeError("fan-out run stalled: nothing running, nothing ready")
            done = watch.wait(running)
            for future in done:
                index, block_run = running.pop(future)
                if block_run is None:
                    local_busy -= 1
                    step = steps[index]
                    try:
                        result = future.result()
                    except BaseException as error:
                        note_worker_failure(error, f"node {step.name!r} ({step.node.where()})",
                                            [_label(steps, *task) for task in running.values()])
                        runner._returned(step, None, error, run_id, hooks)
                        raise
                    runner._returned(step, result, None, run_id, hooks)
                    queue.finish(index, result)
                    del result
                else:
                    remote_busy -= 1
                    try:
                        row = future.result()
                    except BaseException as error:
                        block_run.submitted.failed(
                            index, error, [i for i, b in running.values() if b is block_run])
                        raise
                    block_run.submitted.after(index, row, None)
                    block_run.rows[index] = row
                    block_run.left -= 1
            del done
        watch.check()
        interrupted = False
        return queue.outputs()
    except BaseException as error:
        stop_running(running, error)
        interrupted = not isinstance(error, Exception)
        values.clear()
        raise
    finally:
        watch.restore()
        close_pools((local_pool, remote_pool), interrupted)


def _label(steps: Sequence[Step], index: int, block_run: _BlockRun | None) -> str:
    """What a running task of a fan-out run runs, for a note."""
    if block_run is None:
        return repr(steps[index].name)
    return f"item {index} of {block_run.block.expander!r}"


def _start(runner: FanoutRunner, block: Block, queue: ReadyQueue, index: int, run_id: str,
           overrides: dict[str, Any], hooks: HookSet | None) -> _BlockRun:
    """A block whose stand-in ``index`` was taken: its items and the values it reads."""
    arguments = queue.arguments(index)
    items = arguments[block.expander]
    items = items if isinstance(items, list) else list(items)
    submitted = runner._submitted(block, {name: arguments[name] for name in block.reads},
                                  run_id, overrides, hooks)
    return _BlockRun(block, items, submitted, [None] * len(items), left=len(items))


def _purpose(runner: FanoutRunner, step: Step) -> NodeGroupPurpose:
    if step.name in runner.fanout.expanders:
        return NodeGroupPurpose.EXPAND_UNORDERED
    if step.name in runner.fanout.collectors:
        return NodeGroupPurpose.GATHER
    return NodeGroupPurpose.EXECUTE_SINGLE


def _step_hooks(runner: FanoutRunner, step: Step, hooks: HookSet | None,
                node_hooks: NodeHooks | None, overrides: dict[str, Any], run_id: str,
                kwargs: dict[str, Any]) -> ItemHooks | None:
    """The hooks a worker calls around a run-once step; the submission hook is called here."""
    if hooks is None:
        return None
    nodes = (Variable.from_node(step.node),)
    if hooks.task_submission:
        call_hooks(hooks.task_submission, None, run_id=run_id, task_id=runner._task_id(step),
                   nodes=list(nodes), inputs=dict(kwargs), overrides=overrides,
                   spawning_task_id=None, purpose=_purpose(runner, step))
    return ItemHooks(node=node_hooks, before_task=hooks.before_task,
                     after_task=hooks.after_task, nodes=nodes, overrides=overrides)


def _run_step_task(task: Any, kwargs: dict[str, Any], hooks: ItemHooks | None, run_id: str,
                   task_id: str, purpose: NodeGroupPurpose) -> Any:
    """A run-once step as a task, in a worker: task hooks around it, node hooks around the
    call (:func:`~dataflow.execution.tasks.run_task`)."""
    if hooks is None:
        return run_task(task, kwargs, None, run_id, task_id)
    facts = {"run_id": run_id, "task_id": task_id, "nodes": list(hooks.nodes),
             "spawning_task_id": None, "purpose": purpose}
    if hooks.before_task:
        call_hooks(hooks.before_task, None, **facts, inputs=dict(kwargs),
                   overrides=hooks.overrides)
    result: Any = None
    error: BaseException | None = None
    try:
        result = run_task(task, kwargs, hooks.node, run_id, task_id)
    except BaseException as failure:
        error = failure
    if hooks.after_task:
        call_hooks(hooks.after_task, None, **facts,
                   results=None if error is not None else {**kwargs, task.name: result},
                   success=error is None, error=error)
    if error is not None:
        raise error
    return result
