"""The async driver: one event loop per run, independent awaits overlapping, sync nodes inline,
the plan's pruning, overrides and freeing, async hooks, failures and cancellation."""

from __future__ import annotations

import asyncio
import doctest
import threading
import time
import weakref

import pandas as pd
import pytest

import dataflow.async_driver
from dataflow import ad_hoc_utils, base, lifecycle
from dataflow.async_driver import AsyncDriver, Builder
from dataflow.errors import MissingInputsError


def _module(*functions):
    return ad_hoc_utils.create_temporary_module(*functions)


async def _build(*functions, adapters=()):
    return await Builder().with_modules(_module(*functions)).with_adapters(*adapters).build()


def run(coroutine):
    return asyncio.run(coroutine)


# -- overlap, one loop, inline sync nodes -----------------------------------------------------


async def slow_a(x: int) -> int:
    await asyncio.sleep(0.5)
    return x + 1


async def slow_b(x: int) -> int:
    await asyncio.sleep(0.5)
    return x + 2


def both(slow_a: int, slow_b: int) -> int:
    return slow_a * slow_b


def test_independent_async_nodes_overlap():
    async def main():
        dr = await _build(slow_a, slow_b, both)
        start = time.perf_counter()
        result = await dr.execute(["both"], inputs={"x": 1})
        return result, time.perf_counter() - start

    result, elapsed = run(main())
    assert result == {"both": 6}
    assert elapsed < 0.9  # one after the other would take 1.0 s


async def loop_of_a() -> object:
    return asyncio.get_running_loop()


def sync_in_loop(loop_of_a: object) -> tuple:
    return (asyncio.get_running_loop() is loop_of_a, threading.get_ident())


def test_sync_nodes_run_inline_on_the_callers_loop_and_thread():
    async def main():
        dr = await _build(loop_of_a, sync_in_loop)
        out = await dr.execute(["loop_of_a", "sync_in_loop"])
        return out, asyncio.get_running_loop(), threading.get_ident()

    out, loop, thread = run(main())
    assert out["loop_of_a"] is loop
    assert out["sync_in_loop"] == (True, thread)


class Session:
    """A loop-bound object, as a client session is: a reply settled later on its loop."""

    def __init__(self) -> None:
        loop = asyncio.get_running_loop()
        self.reply = loop.create_future()
        loop.call_later(0.01, self.reply.set_result, 42)


async def session() -> Session:
    return Session()


def passed_through(session: Session) -> Session:
    return session


async def reply(passed_through: Session) -> int:
    return await passed_through.reply


LOOP_BOUND = (session, passed_through, reply)


def test_the_async_driver_keeps_one_loop_for_the_whole_run():
    async def main():
        dr = await _build(*LOOP_BOUND)
        return await dr.execute(["reply"])

    assert run(main()) == {"reply": 42}


def test_the_sync_driver_runs_every_async_node_of_a_run_on_one_loop():
    dr = dataflow.driver.Builder().with_modules(_module(*LOOP_BOUND)).build()
    assert dr.execute(["reply"]) == {"reply": 42}


def test_the_sync_driver_inside_a_running_loop_runs_async_nodes_on_one_loop():
    dr = dataflow.driver.Builder().with_modules(_module(*LOOP_BOUND)).build()

    async def notebook_cell():
        return dr.execute(["reply"])

    assert run(notebook_cell()) == {"reply": 42}


def test_the_sync_driver_with_node_hooks_runs_async_nodes_on_one_loop():
    seen = []

    class Names(lifecycle.NodeExecutionHook):
        def run_before_node_execution(self, *, node_name, **kwargs):
            seen.append(node_name)

        def run_after_node_execution(self, **kwargs):
            pass

    dr = (dataflow.driver.Builder().with_modules(_module(*LOOP_BOUND))
          .with_adapters(Names()).build())
    assert dr.execute(["reply"]) == {"reply": 42}
    assert seen == ["session", "passed_through", "reply"]


# -- the plan: pruning, overrides, freeing -----------------------------------------------------

CALLS: list[str] = []


async def fetched(key: str) -> str:
    CALLS.append("fetched")
    return key.upper()


async def unrelated(key: str) -> str:
    CALLS.append("unrelated")
    return key


def decorated(fetched: str) -> str:
    CALLS.append("decorated")
    return f"<{fetched}>"


def test_only_the_requested_subgraph_runs_and_overrides_replace_nodes():
    async def main():
        dr = await _build(fetched, unrelated, decorated)
        CALLS.clear()
        first = await dr.execute(["decorated"], inputs={"key": "k"})
        ran_first = list(CALLS)
        CALLS.clear()
        second = await dr.execute(["decorated"], overrides={"fetched": "given"})
        return first, ran_first, second, list(CALLS)

    first, ran_first, second, ran_second = run(main())
    assert first == {"decorated": "<K>"} and ran_first == ["fetched", "decorated"]
    assert second == {"decorated": "<given>"} and ran_second == ["decorated"]


def test_missing_inputs_are_refused_before_anything_runs():
    async def main():
        dr = await _build(fetched, decorated)
        CALLS.clear()
        with pytest.raises(MissingInputsError, match="key"):
            await dr.execute(["decorated"])

    run(main())
    assert CALLS == []


class Payload:
    """A value that can be watched through a weak reference."""


async def payload() -> Payload:
    return Payload()


def payload_ref(payload: Payload) -> weakref.ref:
    return weakref.ref(payload)


async def payload_freed(payload_ref: weakref.ref) -> bool:
    await asyncio.sleep(0)
    return payload_ref() is None


def test_an_intermediate_is_freed_after_its_last_reader():
    async def main():
        dr = await _build(payload, payload_ref, payload_freed)
        return await dr.execute(["payload_freed"])

    assert run(main()) == {"payload_freed": True}


# -- failures and cancellation -----------------------------------------------------------------


class Recorder(lifecycle.NodeExecutionHook, lifecycle.GraphExecutionHook):
    def __init__(self):
        self.events = []
        self.results = {}

    def run_before_graph_execution(self, *, final_vars, execution_path, run_id, **kwargs):
        self.events.append(("graph-start", tuple(final_vars), tuple(execution_path)))

    def run_after_graph_execution(self, *, success, error, results, **kwargs):
        self.events.append(("graph-end", success, type(error).__name__, results))

    def run_before_node_execution(self, *, node_name, node_kwargs, **kwargs):
        self.events.append(("before", node_name))

    def run_after_node_execution(self, *, node_name, success, error, result, **kwargs):
        self.events.append(("after", node_name, success, type(error).__name__))
        self.results[node_name] = result


async def breaks(x: int) -> int:
    await asyncio.sleep(0.01)
    raise KeyError("no such row")


async def never_ends(x: int) -> int:
    await asyncio.sleep(60)
    return x


def joined(breaks: int, never_ends: int) -> int:
    return breaks + never_ends


def test_a_failing_node_keeps_its_type_and_note_and_cancels_the_nodes_still_running():
    recorder = Recorder()

    async def main():
        dr = await _build(breaks, never_ends, joined, adapters=[recorder])
        start = time.perf_counter()
        with pytest.raises(KeyError) as caught:
            await dr.execute(["joined"], inputs={"x": 1})
        return caught.value, time.perf_counter() - start

    error, elapsed = run(main())
    assert elapsed < 30  # never_ends was cancelled, not awaited to its end
    assert any("node 'breaks'" in note for note in error.__notes__)
    assert ("after", "breaks", False, "KeyError") in recorder.events
    assert ("after", "never_ends", False, "CancelledError") in recorder.events
    assert recorder.events[-1] == ("graph-end", False, "KeyError", None)
    assert not any(e[:2] == ("before", "joined") for e in recorder.events)
    assert recorder.results == {"breaks": None, "never_ends": None}  # not their coroutines


def test_the_sync_driver_tells_the_after_hook_no_result_for_a_failing_async_node():
    recorder = Recorder()
    dr = (dataflow.driver.Builder().with_modules(_module(breaks))
          .with_adapters(recorder).build())
    with pytest.raises(KeyError):
        dr.execute(["breaks"], inputs={"x": 1})
    assert recorder.results == {"breaks": None}
    assert ("after", "breaks", False, "KeyError") in recorder.events


def test_a_cancelled_run_reaches_the_after_hooks_as_a_failure():
    recorder = Recorder()

    async def main():
        dr = await _build(never_ends, adapters=[recorder])
        task = asyncio.ensure_future(dr.execute(["never_ends"], inputs={"x": 1}))
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    run(main())
    assert recorder.events == [
        ("graph-start", ("never_ends",), ("never_ends",)),
        ("before", "never_ends"),
        ("after", "never_ends", False, "CancelledError"),
        ("graph-end", False, "CancelledError", None),
    ]


def failing_sync(x: int) -> int:
    return x // 0


def test_a_failing_sync_node_keeps_its_type_and_note():
    async def main():
        dr = await _build(failing_sync)
        with pytest.raises(ZeroDivisionError) as caught:
            await dr.execute(["failing_sync"], inputs={"x": 1})
        return caught.value

    error = run(main())
    assert any("node 'failing_sync'" in note for note in error.__notes__)


# -- hooks -----------------------------------------------------------------------------------


class AsyncHooks(lifecycle.GraphConstructionHook, lifecycle.GraphExecutionHook,
                 lifecycle.NodeExecutionHook):
    """Every hook ``async def``; each awaits before recording, so an un-awaited one records
    nothing."""

    def __init__(self):
        self.events = []
        self.initialized = False

    async def ainit(self):
        await asyncio.sleep(0)
        self.initialized = True

    async def run_after_graph_construction(self, *, graph, config, **kwargs):
        await asyncio.sleep(0)
        self.events.append(("built", sorted(config)))

    async def run_before_graph_execution(self, *, final_vars, **kwargs):
        await asyncio.sleep(0)
        self.events.append(("graph-start", list(final_vars)))

    async def run_after_graph_execution(self, *, success, results, **kwargs):
        await asyncio.sleep(0)
        self.events.append(("graph-end", success, results))

    async def run_before_node_execution(self, *, node_name, node_kwargs, **kwargs):
        await asyncio.sleep(0)
        self.events.append(("before", node_name, dict(node_kwargs)))

    async def run_after_node_execution(self, *, node_name, result, success, **kwargs):
        await asyncio.sleep(0)
        self.events.append(("after", node_name, result, success))


def test_async_hooks_are_awaited_at_build_and_around_graph_and_nodes():
    hooks = AsyncHooks()

    async def main():
        dr = await (Builder().with_modules(_module(fetched, decorated))
                    .with_config({"region": "eu"}).with_adapters(hooks).build())
        return await dr.execute(["decorated"], inputs={"key": "k"})

    assert run(main()) == {"decorated": "<K>"}
    assert hooks.initialized
    assert hooks.events == [
        ("built", ["region"]),
        ("graph-start", ["decorated"]),
        ("before", "fetched", {"key": "k"}),
        ("after", "fetched", "K", True),
        ("before", "decorated", {"fetched": "K"}),
        ("after", "decorated", "<K>", True),
        ("graph-end", True, {"decorated": "<K>"}),
    ]


def test_build_without_init_leaves_async_construction_hooks_to_ainit():
    hooks = AsyncHooks()

    async def main():
        dr = Builder().with_modules(_module(fetched)).with_adapters(hooks).build_without_init()
        before = list(hooks.events)
        await dr.ainit()
        await dr.ainit()  # a second call does nothing
        return before

    assert run(main()) == []
    assert hooks.events == [("built", [])] and hooks.initialized


def test_an_async_hook_that_raises_is_named_with_the_node():
    class Breaks(lifecycle.NodeExecutionHook):
        async def run_before_node_execution(self, **kwargs):
            raise RuntimeError("tracker down")

        async def run_after_node_execution(self, **kwargs):
            pass

    async def main():
        dr = await _build(fetched, adapters=[Breaks()])
        with pytest.raises(RuntimeError) as caught:
            await dr.execute(["fetched"], inputs={"key": "k"})
        return caught.value

    notes = run(main()).__notes__
    assert any("Breaks.run_before_node_execution for node 'fetched'" in n for n in notes)


def test_a_node_execution_method_calls_async_nodes():
    class Doubles(lifecycle.NodeExecutionMethod):
        def run_to_execute_node(self, *, node_callable, node_kwargs, **kwargs):
            return node_callable(**node_kwargs)

    async def main():
        dr = await _build(fetched, decorated, adapters=[Doubles()])
        return await dr.execute(["decorated"], inputs={"key": "k"})

    assert run(main()) == {"decorated": "<K>"}


# -- the driver's surface ----------------------------------------------------------------------


def test_result_builders_and_defaults():
    module = _module(fetched, decorated)

    async def main():
        framed = AsyncDriver({}, module)
        frame = await framed.execute(["decorated"], inputs={"key": "k"})
        dicted = await Builder().with_modules(module).build()
        raw = await framed.raw_execute([decorated], inputs={"key": "k"})
        return frame, await dicted.execute(["decorated"], inputs={"key": "k"}), raw

    frame, as_dict, raw = run(main())
    pd.testing.assert_frame_equal(frame, pd.DataFrame({"decorated": ["<K>"]}))
    assert as_dict == {"decorated": "<K>"} and raw == {"decorated": "<K>"}
    with pytest.raises(ValueError, match="one result builder"):
        AsyncDriver({}, module, result_builder=base.DictResult(),
                    adapters=[base.PandasDataFrameResult()])


def test_queries_are_the_sync_drivers_and_unsupported_options_say_so():
    async def main():
        dr = await _build(fetched, decorated)
        with pytest.raises(ValueError, match="visualize_execution"):
            await dr.execute(["decorated"], inputs={"key": "k"}, display_graph=True)
        return dr

    dr = run(main())
    assert {v.name for v in dr.list_available_variables()} == {"key", "fetched", "decorated"}
    assert [v.name for v in dr.what_is_upstream_of("decorated")] == ["key", "fetched",
                                                                     "decorated"]
    assert dr.execution_plan(["decorated"], inputs={"key": "k"}).node_names == [
        "fetched", "decorated"]
    picture = dr.visualize_execution(["decorated"], inputs={"key": "k"})
    assert "fetched" in picture.source and "decorated" in picture.source
    for method in ("enable_dynamic_execution", "with_materializers", "with_adapter"):
        with pytest.raises(ValueError, match="not supported by the async driver"):
            getattr(Builder(), method)(*(() if method == "enable_dynamic_execution"
                                         else (base.DictResult(),)))


def test_copy_gives_an_async_builder():
    builder = Builder().with_modules(_module(fetched))
    other = builder.copy().with_config({"a": 1})
    assert isinstance(other, Builder) and builder.config == {}

    async def main():
        return await (await other.build()).execute(["fetched"], inputs={"key": "k"})

    assert run(main()) == {"fetched": "K"}


def test_a_pickled_async_driver_comes_back_async():
    import pickle

    async def main():
        dr = await _build(fetched, decorated)
        again = pickle.loads(pickle.dumps(dr))
        assert type(again) is AsyncDriver
        return await again.execute(["decorated"], inputs={"key": "k"})

    assert run(main()) == {"decorated": "<K>"}


def test_the_module_example_runs():
    failed, attempted = doctest.testmod(dataflow.async_driver)
    assert attempted > 0 and failed == 0
