"""Dynamic fan-out (``Parallelizable[T]`` / ``Collect[T]``): behaviour, refused shapes, every
executor, freeing per item, and results against Apache Hamilton on the same module."""

from __future__ import annotations

import asyncio
import gc
import pickle
import threading
import weakref

import pytest

from dataflow import ad_hoc_utils, async_driver, driver
from dataflow.errors import DataflowError, GraphBuildError, RequestError
from dataflow.execution import executors
from dataflow.execution.fanout import (
    FanoutError,
    FanoutRequestError,
    FanoutShapeError,
    fanout_of,
    fanout_plan_of,
)
from dataflow.htypes import Collect, Parallelizable
from tests.compat.differential import SIDES, _builder
from tests.compat.twin_import import load_source
from tests.execution import fanout_nodes

HERE = __file__.rsplit("/", 1)[-1]

REMOTES = {
    "sync": executors.SynchronousLocalTaskExecutor,
    "threads": lambda: executors.MultiThreadingExecutor(3),
    "processes": lambda: executors.MultiProcessingExecutor(2),
}


def _dynamic(*modules, remote=None, local=None, adapters=(), config=None):
    builder = (driver.Builder().with_modules(*modules)
               .enable_dynamic_execution(allow_experimental_mode=True)
               .with_config(config or {"scale": 1}))
    if remote is not None:
        builder = builder.with_remote_executor(remote)
    if local is not None:
        builder = builder.with_local_executor(local)
    if adapters:
        builder = builder.with_adapters(*adapters)
    return builder.build()


def _module(*functions):
    return ad_hoc_utils.create_temporary_module(*functions)


def expected(n: int, scale: int = 1, base: int | None = None) -> dict:
    base = n * 10 if base is None else base
    squares = [(2 * i * scale + base) ** 2 for i in range(n)]
    return {"total": sum(squares), "after": sum(squares) + 1,
            "listing": [f"{i}:{s}" for i, s in enumerate(squares)] + [f"base={base}"]}


# -- behaviour ---------------------------------------------------------------------------------

@pytest.mark.parametrize("remote", sorted(REMOTES))
@pytest.mark.parametrize("n", [0, 1, 7])
def test_every_remote_executor_gives_the_hand_written_results(remote, n):
    dr = _dynamic(fanout_nodes, remote=REMOTES[remote](), config={"scale": 3})
    assert dr.execute(["total", "listing", "after"], inputs={"n": n}) == expected(n, 3)


@pytest.mark.parametrize("remote", sorted(REMOTES))
@pytest.mark.parametrize("local", ["threads", "processes"])
@pytest.mark.parametrize("n", [0, 1, 7])
def test_a_pool_local_executor_runs_the_nodes_outside_blocks(local, remote, n):
    dr = _dynamic(fanout_nodes, local=REMOTES[local](), remote=REMOTES[remote](),
                  config={"scale": 2})
    assert dr.execute(["total", "listing", "after"], inputs={"n": n}) == expected(n, 2)


def test_on_a_local_pool_independent_nodes_outside_blocks_run_at_once():
    meeting = threading.Barrier(2, timeout=10)  # passes only if both wait at the same time

    def left(n: int) -> int:
        meeting.wait()
        return n

    def right(n: int) -> int:
        meeting.wait()
        return -n

    def pairs(left: int, right: int) -> Parallelizable[int]:
        return [left, right]

    def halved(pairs: int) -> float:
        return pairs / 2

    def both(halved: Collect[float]) -> list[float]:
        return list(halved)

    dr = _dynamic(_module(left, right, pairs, halved, both),
                  local=executors.MultiThreadingExecutor(2),
                  remote=executors.SynchronousLocalTaskExecutor())
    assert dr.execute(["both"], inputs={"n": 4}) == {"both": [2.0, -2.0]}


@pytest.mark.parametrize("remote", ["sync", "threads"])
def test_on_a_local_pool_a_failing_node_keeps_its_type_and_note(remote):
    dr = _dynamic(fanout_nodes, local=executors.MultiThreadingExecutor(2),
                  remote=REMOTES[remote]())
    with pytest.raises(ArithmeticError, match="item 3") as caught:
        dr.execute(["total"], inputs={"n": 6}, overrides={"base": -1})
    assert "fan-out item 3 (counting from 0) of 'items'" in "\n".join(caught.value.__notes__)

    def numbers() -> Parallelizable[int]:
        return [1]

    def inner(numbers: int) -> int:
        return numbers

    def gathered(inner: Collect[int]) -> int:
        raise TimeoutError("collector")

    dr = _dynamic(_module(numbers, inner, gathered), local=executors.MultiThreadingExecutor(2),
                  remote=REMOTES[remote]())
    with pytest.raises(TimeoutError, match="collector") as caught:
        dr.execute(["gathered"])
    assert "node 'gathered'" in "\n".join(caught.value.__notes__)


def test_the_default_remote_executor_is_hamiltons_thread_pool():
    dr = _dynamic(fanout_nodes)
    assert isinstance(dr.remote_executor, executors.MultiThreadingExecutor)
    assert dr.remote_executor.max_tasks == 10
    assert dr.execute(["after"], inputs={"n": 5}) == {"after": expected(5)["after"]}


def test_nodes_outside_the_block_run_once_and_an_empty_iterable_collects_an_empty_list():
    dr = _dynamic(fanout_nodes, remote=executors.SynchronousLocalTaskExecutor())
    fanout_nodes.CALLS.clear()
    assert dr.execute(["total", "listing"], inputs={"n": 6})["total"] == expected(6)["total"]
    assert fanout_nodes.CALLS == {"base": 1, "items": 1, "total": 1}
    seen = {}

    def nothing() -> Parallelizable[int]:
        return iter(())

    def one(nothing: int) -> int:
        return nothing

    def gathered(one: Collect[int]) -> list[int]:
        seen["one"] = one
        return list(one)

    dr = _dynamic(_module(nothing, one, gathered), remote=executors.SynchronousLocalTaskExecutor())
    assert dr.execute(["gathered"]) == {"gathered": []}
    assert seen["one"] == [] and type(seen["one"]) is list


def test_the_expanding_node_requested_gives_its_items_as_a_list():
    dr = _dynamic(fanout_nodes, remote=executors.SynchronousLocalTaskExecutor())
    assert dr.execute(["items"], inputs={"n": 3}) == {"items": [0, 1, 2]}
    assert dr.execute(["items", "total"], inputs={"n": 2}) == {
        "items": [0, 1], "total": expected(2)["total"]}


def test_overrides_of_the_expanding_and_the_collecting_nodes():
    dr = _dynamic(fanout_nodes, remote=executors.SynchronousLocalTaskExecutor())
    squares = [(2 * i + 20) ** 2 for i in (5, 6, 7)]
    assert dr.execute(["after"], inputs={"n": 2}, overrides={"items": [5, 6, 7]}) == {
        "after": sum(squares) + 1}
    fanout_nodes.CALLS.clear()
    assert dr.execute(["after"], inputs={"n": 2}, overrides={"total": 100}) == {"after": 101}
    assert "items" not in fanout_nodes.CALLS  # the block is not needed any more


LOCALS = {"default": lambda: None, **REMOTES}


@pytest.mark.parametrize("remote", sorted(REMOTES))
@pytest.mark.parametrize("local", sorted(LOCALS))
@pytest.mark.parametrize("hooked", [False, True])
def test_a_generator_overriding_the_expanding_node_is_returned_as_its_list(local, remote,
                                                                           hooked):
    from plugins.h_timing import NodeTimer

    dr = _dynamic(fanout_nodes, remote=REMOTES[remote](), local=LOCALS[local](),
                  adapters=(NodeTimer(),) if hooked else ())
    squares = [(2 * i + 20) ** 2 for i in (5, 6)]
    assert dr.execute(["total", "items"], inputs={"n": 2},
                      overrides={"items": (i for i in [5, 6])}) == {
        "total": sum(squares), "items": [5, 6]}


def test_two_blocks_one_after_the_other():
    def first(n: int) -> Parallelizable[int]:
        return range(n)

    def plus(first: int) -> int:
        return first + 1

    def summed(plus: Collect[int]) -> int:
        return sum(plus)

    def second(summed: int) -> Parallelizable[int]:
        return [summed, summed * 2]

    def negated(second: int, plus_total: int) -> int:
        return -second - plus_total

    def plus_total(summed: int) -> int:
        return summed

    def final(negated: Collect[int]) -> list[int]:
        return list(negated)

    dr = _dynamic(_module(first, plus, summed, second, negated, plus_total, final),
                  remote=executors.SynchronousLocalTaskExecutor())
    assert dr.execute(["final"], inputs={"n": 3}) == {"final": [-12, -18]}


# -- refused shapes (at build) -----------------------------------------------------------------

def _shape_error(*functions) -> str:
    with pytest.raises(FanoutShapeError) as caught:
        _dynamic(_module(*functions))
    assert isinstance(caught.value, GraphBuildError) and isinstance(caught.value, FanoutError)
    return str(caught.value)


def test_a_parallelizable_without_collect_is_refused_at_build():
    def numbers() -> Parallelizable[int]:
        return [1]

    def used(numbers: int) -> int:
        return numbers

    message = _shape_error(numbers, used)
    assert "'numbers'" in message and f"{HERE}:" in message and "no Collect" in message
    assert "used" in message


def test_parallelizable_straight_into_collect_is_refused():
    def numbers() -> Parallelizable[int]:
        return [1]

    def gathered(numbers: Collect[int]) -> int:
        return 0

    message = _shape_error(numbers, gathered)
    assert "'gathered'" in message and "'numbers'" in message and "the Parallelizable itself" \
        in message and f"{HERE}:" in message


def test_a_node_that_collects_and_expands_is_refused():
    def numbers() -> Parallelizable[int]:
        return [1]

    def inner(numbers: int) -> int:
        return numbers

    def again(inner: Collect[int]) -> Parallelizable[int]:
        return list(inner)

    def inner2(again: int) -> int:
        return again

    def done(inner2: Collect[int]) -> int:
        return 0

    message = _shape_error(numbers, inner, again, inner2, done)
    assert "'again'" in message and "both collects" in message and f"{HERE}:" in message


def test_nested_blocks_are_refused():
    def outer() -> Parallelizable[int]:
        return [1, 2]

    def nested(outer: int) -> Parallelizable[int]:
        return range(outer)

    def leaf(nested: int) -> int:
        return nested

    def inner_total(leaf: Collect[int]) -> int:
        return sum(leaf)

    def outer_total(inner_total: Collect[int]) -> int:
        return sum(inner_total)

    message = _shape_error(outer, nested, leaf, inner_total, outer_total)
    assert "nested blocks are not supported" in message
    assert "'nested'" in message and "'inner_total'" in message and f"{HERE}:" in message


def test_a_collecting_node_reading_an_item_without_collect_is_told_so():
    """Reading one block value with ``Collect`` and another of the same block without it is a
    mistake in the collecting function, not a nested block: the message says which parameter."""
    def items() -> Parallelizable[int]:
        return [1, 2]

    def doubled(items: int) -> int:
        return items * 2

    def shifted(items: int) -> int:
        return items + 1

    def total(doubled: Collect[int], shifted: int) -> int:
        return sum(doubled) + shifted

    message = _shape_error(items, doubled, shifted, total)
    assert "nested" not in message
    assert "'total'" in message and "reads 'shifted' without Collect[...]" in message
    assert f"{HERE}:" in message


def test_a_node_mixing_two_blocks_and_a_collect_outside_any_block_are_refused():
    def left() -> Parallelizable[int]:
        return [1]

    def right() -> Parallelizable[int]:
        return [2]

    def both(left: int, right: int) -> int:
        return left + right

    def gathered(both: Collect[int]) -> int:
        return 0

    def plain() -> int:
        return 1

    def wrong(plain: Collect[int]) -> int:
        return 0

    message = _shape_error(left, right, both, gathered, plain, wrong)
    assert "'both'" in message and "two fan-out blocks" in message
    assert "'wrong'" in message and "not inside a fan-out block" in message
    assert message.startswith("3 fan-out shape problem(s)") or "problem(s)" in message


# -- refused requests (at plan time) -----------------------------------------------------------

def test_requesting_or_overriding_a_node_inside_a_block_is_refused():
    dr = _dynamic(fanout_nodes)
    with pytest.raises(FanoutRequestError) as caught:
        dr.execute(["squared"], inputs={"n": 2})
    message = str(caught.value)
    assert "'squared'" in message and "fanout_nodes.py:" in message and "'items'" in message
    assert "listing, total" in message and isinstance(caught.value, RequestError)
    with pytest.raises(FanoutRequestError, match="'doubled'.*is overridden.*Override 'items'"):
        dr.execute(["total"], inputs={"n": 2}, overrides={"doubled": 3})
    with pytest.raises(FanoutRequestError, match="'squared'.*is overridden"):
        dr.validate_execution(["total"], inputs={"n": 2}, overrides={"squared": 3})


def test_the_plain_driver_refuses_fan_out_and_runs_the_rest():
    dr = driver.Builder().with_modules(fanout_nodes).with_config({"scale": 1}).build()
    with pytest.raises(FanoutRequestError, match=r"'items' \(.*fanout_nodes.py:\d+\).*"
                       r"enable_dynamic_execution\(allow_experimental_mode=True\)"):
        dr.execute(["after"], inputs={"n": 2})
    assert dr.execute(["base"], inputs={"n": 2}) == {"base": 20}


def test_the_async_driver_refuses_fan_out_naming_the_parallelizable():
    async def run():
        dr = await async_driver.Builder().with_modules(fanout_nodes).with_config(
            {"scale": 1}).build()
        with pytest.raises(FanoutRequestError, match=r"'items' \(.*fanout_nodes.py:\d+\).*"
                           "not run by the async driver"):
            await dr.execute(["after"], inputs={"n": 2})
        return await dr.execute(["base"], inputs={"n": 2})

    assert asyncio.run(run()) == {"base": 20}


# -- failures ----------------------------------------------------------------------------------

@pytest.mark.parametrize("remote", sorted(REMOTES))
def test_a_failing_item_keeps_its_type_and_notes_the_node_and_the_item(remote):
    dr = _dynamic(fanout_nodes, remote=REMOTES[remote]())
    with pytest.raises(ArithmeticError, match="item 3") as caught:
        dr.execute(["total"], inputs={"n": 6}, overrides={"base": -1})
    notes = "\n".join(getattr(caught.value, "__notes__", []))
    assert "node 'doubled'" in notes and "fanout_nodes.py:" in notes
    assert "fan-out item 3 (counting from 0) of 'items'" in notes


@pytest.mark.parametrize("hooked", [False, True])
def test_an_expanding_generator_that_fails_is_named(hooked):
    class Count:
        def run_before_node_execution(self, **kwargs):
            pass

    def broken(n: int) -> Parallelizable[int]:
        yield 1
        raise OverflowError("ran dry")

    def inner(broken: int) -> int:
        return broken

    def gathered(inner: Collect[int]) -> int:
        return sum(inner)

    dr = _dynamic(_module(broken, inner, gathered), adapters=[Count()] if hooked else ())
    with pytest.raises(OverflowError, match="ran dry") as caught:
        dr.execute(["gathered"], inputs={"n": 1})
    assert "node 'broken'" in "\n".join(caught.value.__notes__)


@pytest.mark.parametrize("local", ["sync", "threads"])
def test_a_failing_item_on_a_pool_starts_no_further_items(local):
    submitted: list[str] = []

    class Submissions:
        def run_before_task_submission(self, *, task_id, **kwargs):
            submitted.append(task_id)

    def many() -> Parallelizable[int]:
        return range(40)

    def work(many: int) -> int:
        if many == 0:
            raise KeyError("first item")
        import time

        time.sleep(0.05)
        return many

    def done(work: Collect[int]) -> int:
        return len(work)

    dr = _dynamic(_module(many, work, done), remote=executors.MultiThreadingExecutor(2),
                  local=REMOTES[local](), adapters=[Submissions()])
    with pytest.raises(KeyError, match="first item"):
        dr.execute(["done"])
    items = [t for t in submitted if ".block-" in t]
    # at most max_tasks items handed to the pool before the failure came back; no more after
    assert items == ["expand-many.0.block-many", "expand-many.1.block-many"]


# -- memory ------------------------------------------------------------------------------------

class _Blob:
    pass


def test_each_items_intermediates_are_freed_when_its_block_ends():
    refs: list[weakref.ref] = []
    alive_at: list[int] = []

    def seeds(n: int) -> Parallelizable[int]:
        return range(n)

    def blob(seeds: int) -> _Blob:
        alive_at.append(sum(r() is not None for r in refs))
        made = _Blob()
        refs.append(weakref.ref(made))
        return made

    def size(blob: _Blob) -> int:
        return 1

    def later(size: int) -> int:
        alive_in_item.append(refs[-1]() is not None)
        return size

    def counted(later: Collect[int]) -> int:
        return sum(later)

    alive_in_item: list[bool] = []
    for remote, local in (("sync", None), ("threads", None), ("sync", "threads"),
                          ("threads", "threads")):
        refs.clear(), alive_at.clear(), alive_in_item.clear()
        dr = _dynamic(_module(seeds, blob, size, later, counted),
                      remote=executors.SynchronousLocalTaskExecutor() if remote == "sync"
                      else executors.MultiThreadingExecutor(1),
                      local=None if local is None else executors.MultiThreadingExecutor(2))
        gc.disable()
        try:
            assert dr.execute(["counted"], inputs={"n": 5}) == {"counted": 5}
        finally:
            gc.enable()
        # the previous item's blob was gone when the next item began ...
        assert alive_at == [0, 0, 0, 0, 0], remote
        # ... and each blob was freed after its last reader (size), before the item ended
        assert alive_in_item == [False] * 5, remote
        assert all(r() is None for r in refs)


# -- structure, pickling -----------------------------------------------------------------------

def test_the_plan_groups_the_block_and_orders_collects_after_it():
    dr = _dynamic(fanout_nodes, remote=executors.SynchronousLocalTaskExecutor())
    runner = dr._runner(["listing", "after"], {"n": 1}, {})
    units = [u.name for u in runner.fanout.units]
    assert units == ["base", "items", "block-items", "total", "listing", "after"]
    block = runner.fanout.units[2]
    assert [s.name for s in block.steps] == ["doubled", "squared", "labelled"]
    assert block.reads == ("base", "scale") and block.collected == ("squared", "labelled")
    assert fanout_of(dr.graph) is not None
    # total is not requested: squared is computed (labelled reads it) but not gathered
    only_listing = dr._runner(["listing"], {"n": 1}, {}).fanout.units
    assert [b.collected for b in only_listing if b.name == "block-items"] == [("labelled",)]
    no_fanout = dr.graph.nodes["base"]
    assert no_fanout is not None
    plain = dr._runner(["base"], {"n": 1}, {})
    assert type(plain).__name__ == "PlanRunner"  # no fan-out step: the ordinary runner
    assert fanout_plan_of(plain.plan, fanout_of(dr.graph)) is None


def test_a_graph_without_fan_out_has_no_fan_out_structure():
    def one() -> int:
        return 1

    assert fanout_of(driver.Builder().with_modules(_module(one)).build().graph) is None


def test_a_dynamic_driver_pickles_with_its_remote_executor():
    dr = _dynamic(fanout_nodes, remote=executors.MultiThreadingExecutor(4))
    again = pickle.loads(pickle.dumps(dr))
    assert again.dynamic_execution and again.remote_executor.max_tasks == 4
    assert again.execute(["after"], inputs={"n": 3}) == {"after": expected(3)["after"]}


def test_errors_are_dataflow_errors():
    assert issubclass(FanoutShapeError, DataflowError)
    assert issubclass(FanoutRequestError, DataflowError)


# -- against Hamilton ---------------------------------------------------------------------------

SOURCE = '''
from hamilton.htypes import Collect, Parallelizable


def base(n: int) -> int:
    return n * 10


def items(n: int) -> Parallelizable[int]:
    for i in range(n):
        yield i


def doubled(items: int, base: int, scale: int) -> int:
    return items * 2 * scale + base


def squared(doubled: int) -> int:
    return doubled * doubled


def total(squared: Collect[int]) -> int:
    return sum(squared)


def listing(squared: Collect[int], base: int) -> list:
    return list(squared) + [base]


def after(total: int) -> int:
    return total + 1
'''


def _side_driver(tmp_path, side, remote_kind):
    module = load_source(SOURCE, str(tmp_path / f"fan_{side}.py"), source_root="hamilton",
                         target_root=side, stem="fan")
    executors_module = __import__(f"{side}.execution.executors", fromlist=["x"])
    remote = (executors_module.SynchronousLocalTaskExecutor() if remote_kind == "sync"
              else executors_module.MultiThreadingExecutor(max_tasks=3))
    return (_builder(side).with_modules(module).with_config({"scale": 2})
            .enable_dynamic_execution(allow_experimental_mode=True)
            .with_remote_executor(remote).build())


@pytest.mark.parametrize("remote", ["sync", "threads"])
@pytest.mark.parametrize("request_", [["total"], ["listing"], ["after"], ["total", "after"],
                                      ["items"], ["base", "total"]])
@pytest.mark.parametrize("n", [0, 3])
def test_results_equal_hamiltons(tmp_path, remote, request_, n):
    results = {side: _side_driver(tmp_path, side, remote).execute(request_, inputs={"n": n})
               for side in SIDES}
    assert results["dataflow"] == results["hamilton"]


@pytest.mark.parametrize("overrides", [{"items": [4, 5]}, {"total": 7}])
def test_overrides_equal_hamiltons(tmp_path, overrides):
    results = {side: _side_driver(tmp_path, side, "sync").execute(
        ["after"], inputs={"n": 3}, overrides=overrides) for side in SIDES}
    assert results["dataflow"] == results["hamilton"]


def test_two_collects_requested_together_run_here_where_hamilton_fails(tmp_path):
    ours = _side_driver(tmp_path, "dataflow", "sync").execute(["total", "listing"],
                                                              inputs={"n": 2})
    assert ours == {"total": 20 ** 2 + 24 ** 2, "listing": [400, 576, 20]}
    with pytest.raises(KeyError):  # Hamilton 1.90: "Key total not found in cache"
        _side_driver(tmp_path, "hamilton", "sync").execute(["total", "listing"],
                                                           inputs={"n": 2})


def test_edges_are_checked_against_the_element_type():
    from dataflow.errors import EdgeTypeError

    def words() -> Parallelizable[str]:
        return ["a"]

    def length(words: int) -> int:
        return 0

    def lengths(length: Collect[int]) -> int:
        return 0

    with pytest.raises(EdgeTypeError, match="'words' -> 'length'"):
        _dynamic(_module(words, length, lengths))

    def counted(words: str) -> int:
        return 0

    def gathered(counted: Collect[str]) -> int:
        return 0

    with pytest.raises(EdgeTypeError, match="'counted' -> 'gathered'"):
        _dynamic(_module(words, counted, gathered))


@pytest.mark.parametrize("local", ["sync", "threads"])
def test_a_block_that_cannot_go_to_processes_is_refused_before_anything_runs(local):
    from dataflow.execution.tasks import NotPicklableError

    ran = []

    def first(n: int) -> int:
        ran.append("first")
        return n

    def numbers(first: int) -> Parallelizable[int]:
        return range(first)

    def local_closure(numbers: int) -> int:  # defined in a test: not importable by workers
        return numbers

    def gathered(local_closure: Collect[int]) -> int:
        return sum(local_closure)

    dr = _dynamic(_module(first, numbers, local_closure, gathered),
                  remote=executors.MultiProcessingExecutor(2), local=REMOTES[local]())
    with pytest.raises(NotPicklableError, match="local_closure"):
        dr.execute(["gathered"], inputs={"n": 2})
    assert ran == []


@pytest.mark.parametrize("remote", ["sync", "threads"])
def test_inputs_config_and_outside_nodes_are_read_inside_the_block(remote):
    def words(text: str) -> Parallelizable[str]:
        return text.split()

    def prefix(text: str) -> str:
        return text[:1]

    def tagged(words: str, prefix: str, offset: int, suffix: str) -> str:
        return f"{prefix}{words}{offset}{suffix}"

    def tags(tagged: Collect[str]) -> list[str]:
        return list(tagged)

    dr = _dynamic(_module(words, prefix, tagged, tags), remote=REMOTES[remote](),
                  config={"suffix": "!"})
    assert dr.execute(["tags"], inputs={"text": "a bc", "offset": 3}) == {
        "tags": ["aa3!", "abc3!"]}
