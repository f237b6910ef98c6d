"""Thread and process executors: the same results as the synchronous run, failures that keep
their type and note and start nothing more, Ctrl-C that stops the workers, hooks that fire where
nodes run, intermediates freed at their last use, unpicklable nodes named before anything runs."""

from __future__ import annotations

import os
import pickle
import threading
import time
import weakref

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dataflow import ad_hoc_utils, driver
from dataflow.errors import DataflowError
from dataflow.execution import executors
from dataflow.execution.tasks import NotPicklableError
from tests.core.test_properties import _expected, dags
from tests.execution import parallel_nodes
from tests.execution.dag_modules import module_of

EXECUTORS = {
    "sync": lambda: executors.SynchronousLocalTaskExecutor(),
    "threads": lambda: executors.MultiThreadingExecutor(3),
    "processes": lambda: executors.MultiProcessingExecutor(2),
}


def _driver(*modules, executor, adapters=()):
    return (driver.Builder().with_modules(*modules).with_adapters(*adapters)
            .enable_dynamic_execution(allow_experimental_mode=True)
            .with_local_executor(executor).build())


@pytest.mark.parametrize("kind", ["threads", "processes"])
@settings(max_examples=12)
@given(dag=dags(), data=st.data())
def test_random_dags_give_the_synchronous_result_on_every_executor(kind, dag, data):
    inputs, parents, outputs, overridden = dag
    module = module_of(parents)
    input_values = {name: data.draw(st.integers(-100, 100)) for name in inputs}
    overrides = {name: data.draw(st.integers(-100, 100)) for name in overridden}
    expected, _ = _expected(parents, input_values, overrides, outputs)
    synchronous = driver.Builder().with_modules(module).build()
    parallel = _driver(module, executor=EXECUTORS[kind]())
    assert synchronous.execute(outputs, inputs=input_values, overrides=overrides) == expected
    assert parallel.execute(outputs, inputs=input_values, overrides=overrides) == expected
    # the plan does not change with the executor
    assert (parallel.execution_plan(outputs, input_values, overrides).node_names
            == synchronous.execution_plan(outputs, input_values, overrides).node_names)


def test_independent_nodes_overlap_on_threads():
    def a() -> float:
        time.sleep(0.4)
        return 1.0

    def b() -> float:
        time.sleep(0.4)
        return 2.0

    def c() -> float:
        time.sleep(0.4)
        return 3.0

    module = ad_hoc_utils.create_temporary_module(a, b, c)
    dr = _driver(module, executor=executors.MultiThreadingExecutor(3))
    start = time.perf_counter()
    assert dr.execute(["a", "b", "c"]) == {"a": 1.0, "b": 2.0, "c": 3.0}
    assert time.perf_counter() - start < 0.9  # one after the other takes 1.2 s


@pytest.mark.parametrize("kind", ["threads", "processes"])
def test_a_failing_node_keeps_its_type_and_note_and_returns_nothing(kind):
    dr = _driver(parallel_nodes, executor=EXECUTORS[kind]())
    with pytest.raises(KeyError, match="no rate for 2") as caught:
        dr.execute(["total", "broken"], inputs={"start": 1})
    (note,) = caught.value.__notes__
    assert "node 'broken'" in note and "parallel_nodes.py:" in note and "seed: int" in note


def test_a_failure_cancels_the_work_not_yet_started():
    started: list[str] = []
    lock = threading.Lock()

    def record(name: str) -> None:
        with lock:
            started.append(name)

    def broken() -> int:
        record("broken")
        time.sleep(0.05)
        raise ValueError("bad data")

    functions = [broken]
    for index in range(8):
        def slow(index: int = index) -> int:  # a default, not an input: nothing provides it
            record(f"slow{index}")
            time.sleep(0.2)
            return index
        slow.__name__ = slow.__qualname__ = f"slow{index}"
        functions.append(slow)
    dr = _driver(ad_hoc_utils.create_temporary_module(*functions),
                 executor=executors.MultiThreadingExecutor(2))
    with pytest.raises(ValueError, match="bad data"):
        dr.execute(["broken", *(f"slow{i}" for i in range(8))])
    count = len(started)
    time.sleep(0.5)
    assert len(started) == count  # nothing starts after the run has ended
    assert "broken" in started and count <= 3  # two workers, one slot freed by the failure


def _workers_alive() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("dataflow-worker")]


@pytest.mark.usefixtures("ctrl_c_reaches_python")
def test_ctrl_c_on_threads_stops_scheduling_and_reaches_the_graph_hooks():
    started: list[str] = []
    ended: list[tuple[bool, type]] = []

    class Watch:
        def run_after_graph_execution(self, *, success, error, **kwargs):
            ended.append((success, type(error)))

    def interrupt() -> int:
        import _thread
        time.sleep(0.05)
        _thread.interrupt_main()  # what Ctrl-C does to the driver's thread
        return 0

    functions = [interrupt]
    for index in range(6):
        def slow() -> int:
            started.append("slow")
            time.sleep(0.5)
            return 0
        slow.__name__ = slow.__qualname__ = f"slow{index}"
        functions.append(slow)
    dr = _driver(ad_hoc_utils.create_temporary_module(*functions),
                 executor=executors.MultiThreadingExecutor(2), adapters=[Watch()])
    start = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        dr.execute(["interrupt", *(f"slow{i}" for i in range(6))])
    assert time.perf_counter() - start < 0.45  # without waiting for the running nodes
    assert ended == [(False, KeyboardInterrupt)]
    count = len(started)
    deadline = time.monotonic() + 2
    while _workers_alive() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not _workers_alive()
    assert len(started) == count <= 2


class Finalized:
    """A value whose finalizer is where Ctrl-C lands: it presses Ctrl-C on the driver's thread
    and runs Python code, so the handler's ``KeyboardInterrupt`` is raised inside ``__del__``,
    where Python swallows it ("Exception ignored in ...")."""

    def __del__(self) -> None:
        import _thread
        _thread.interrupt_main()
        _still_python()  # the handler runs here, in the finalizer


def _still_python() -> None:
    pass


@pytest.mark.usefixtures("ctrl_c_reaches_python")
def test_ctrl_c_landing_in_a_finalizer_the_run_calls_still_ends_the_run(monkeypatch):
    """The calling thread frees a value as soon as its last reader has finished, so a value's
    ``__del__`` runs there, during the run: a Ctrl-C landing in it is not lost."""
    swallowed: list[type] = []
    monkeypatch.setattr("sys.unraisablehook", lambda hook: swallowed.append(hook.exc_type))
    started: list[str] = []

    def held() -> Finalized:
        return Finalized()

    def reader(held: Finalized) -> int:  # its end frees ``held`` in the calling thread
        return 1

    def later(reader: int) -> int:
        started.append("later")
        return reader

    dr = _driver(ad_hoc_utils.create_temporary_module(held, reader, later),
                 executor=executors.MultiThreadingExecutor(2))
    with pytest.raises(KeyboardInterrupt):
        dr.execute(["later"])
    assert swallowed == [KeyboardInterrupt]  # Python swallowed it in the finalizer ...
    assert started == []  # ... and the run still stopped before the next step


@pytest.mark.usefixtures("ctrl_c_reaches_python")
def test_a_pooled_run_leaves_sigint_as_it_found_it():
    """Python's default handler is back after a run (ended or interrupted); a handler of the
    user's own is never replaced: Ctrl-C is theirs to handle, and the run goes on."""
    import _thread
    import signal

    def pressed() -> int:
        _thread.interrupt_main()
        time.sleep(0.05)
        return 1

    def after(pressed: int) -> int:
        return pressed + 1

    dr = _driver(ad_hoc_utils.create_temporary_module(pressed, after),
                 executor=executors.MultiThreadingExecutor(2))
    with pytest.raises(KeyboardInterrupt):
        dr.execute(["after"])
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    seen: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: seen.append(signum))
    try:
        assert dr.execute(["after"]) == {"after": 2}
        assert signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, previous)
    assert seen == [signal.SIGINT]


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as status:
            return any(line.split()[:2] == ["State:", "Z"] for line in status)
    except (FileNotFoundError, ProcessLookupError):  # gone, or going while we read
        return True


@pytest.mark.skipif(not os.path.exists("/proc"), reason="reads process states from /proc")
@pytest.mark.usefixtures("ctrl_c_reaches_python")
def test_ctrl_c_on_processes_ends_the_running_workers(tmp_path):
    dr = _driver(parallel_nodes, executor=executors.MultiProcessingExecutor(2))
    start = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        dr.execute(["sleeper", "interrupter"], inputs={"pid_dir": str(tmp_path)})
    assert time.perf_counter() - start < 20  # the sleeper sleeps 60 s
    pid = int((tmp_path / "sleeper").read_text())
    deadline = time.monotonic() + 5
    while not _gone(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _gone(pid)


def test_node_hooks_run_in_the_worker_threads():
    seen: list[tuple[str, str, str]] = []

    class Where:
        def run_before_node_execution(self, *, node_name, **kwargs):
            seen.append(("before", node_name, threading.current_thread().name))

        def run_after_node_execution(self, *, node_name, success, **kwargs):
            seen.append(("after", node_name, threading.current_thread().name))

    dr = _driver(parallel_nodes, executor=executors.MultiThreadingExecutor(2),
                 adapters=[Where()])
    assert dr.execute(["total"], inputs={"start": 1}) == {"total": 10}
    assert sorted((moment, name) for moment, name, _ in seen) == sorted(
        (moment, name) for moment in ("before", "after")
        for name in ("seed", "left", "right", "total"))
    assert all(thread.startswith("dataflow-worker") for _, _, thread in seen)


def test_node_hooks_run_in_the_worker_processes(tmp_path):
    dr = _driver(parallel_nodes, executor=executors.MultiProcessingExecutor(2),
                 adapters=[parallel_nodes.PidRecorder(str(tmp_path))])
    assert dr.execute(["total"], inputs={"start": 1}) == {"total": 10}
    files = {path.name: path.read_text() for path in tmp_path.iterdir()}
    assert sorted(files) == sorted(f"{moment}-{name}" for moment in ("before", "after")
                                   for name in ("seed", "left", "right", "total"))
    assert all(text.split()[0] != str(os.getpid()) for text in files.values())
    assert files["after-total"].endswith("True")


@pytest.mark.parametrize("kind", ["threads", "processes"])
def test_a_failing_hook_is_reported_back_naming_the_hook_and_the_node(kind):
    dr = _driver(parallel_nodes, executor=EXECUTORS[kind](),
                 adapters=[parallel_nodes.FailingHook()])
    with pytest.raises(RuntimeError, match="the hook broke") as caught:
        dr.execute(["total"], inputs={"start": 1})
    assert any("FailingHook.run_before_node_execution for node 'left'" in note
               for note in caught.value.__notes__)


class _Blob:
    """A large intermediate; a weak reference tells when the run let it go."""


def test_threads_free_each_intermediate_after_its_last_reader():
    refs: dict[str, weakref.ref] = {}
    alive_when_total_ran: dict[str, bool] = {}

    def made(name):
        blob = _Blob()
        refs[name] = weakref.ref(blob)
        return blob

    def left() -> _Blob: return made("left")
    def right() -> _Blob: return made("right")
    def both(left: _Blob, right: _Blob) -> _Blob: return made("both")

    def total(both: _Blob) -> int:
        alive_when_total_ran.update({n: r() is not None for n, r in refs.items()})
        return 1

    dr = _driver(ad_hoc_utils.create_temporary_module(left, right, both, total),
                 executor=executors.MultiThreadingExecutor(2))
    for _ in range(5):
        refs.clear()
        assert dr.execute(["total"]) == {"total": 1}
        assert alive_when_total_ran == {"left": False, "right": False, "both": True}
        assert all(r() is None for r in refs.values())  # nothing kept after the run


def test_a_node_that_cannot_be_pickled_is_named_before_anything_runs(tmp_path):
    def local_node(seed: int) -> int:  # defined in a function: pickle cannot find it
        return seed

    module = ad_hoc_utils.create_temporary_module(
        parallel_nodes.seed, parallel_nodes.touch, local_node)
    dr = _driver(module, executor=executors.MultiProcessingExecutor(2))
    marker = tmp_path / "marker"
    with pytest.raises(NotPicklableError) as caught:
        dr.execute(["touch", "local_node"], inputs={"start": 1, "marker": str(marker)})
    message = str(caught.value)
    assert "local_node (" in message and "test_executors.py:" in message
    assert "touch" not in message.split("\n", 1)[1].split("Run them")[0]
    assert not marker.exists()  # nothing ran


def test_builder_asks_for_dynamic_execution_first_as_hamilton_does():
    with pytest.raises(ValueError, match="enable_dynamic_execution"):
        driver.Builder().with_local_executor(executors.MultiThreadingExecutor(2))
    with pytest.raises(ValueError, match="allow_experimental_mode=True"):
        driver.Builder().enable_dynamic_execution()
    builder = driver.Builder().enable_dynamic_execution(allow_experimental_mode=True)
    builder.with_local_executor(executors.MultiThreadingExecutor(2))
    with pytest.raises(ValueError, match="twice"):
        builder.with_local_executor(executors.MultiThreadingExecutor(2))
    with pytest.raises(DataflowError, match="max_tasks"):
        executors.MultiProcessingExecutor(0)
    from hamilton.execution import executors as h_executors

    with pytest.raises(ValueError, match="import root"):
        (driver.Builder().enable_dynamic_execution(allow_experimental_mode=True)
         .with_remote_executor(h_executors.MultiThreadingExecutor(2)))


def test_a_graph_without_blocks_runs_on_the_local_executor_only():
    builder = (driver.Builder().with_modules(parallel_nodes)
               .enable_dynamic_execution(allow_experimental_mode=True)
               .with_remote_executor(executors.MultiProcessingExecutor(2)))
    dr = builder.build()
    assert isinstance(dr.executor, executors.SynchronousLocalTaskExecutor)
    assert dr.execute(["worker_pid"], inputs={"start": 1}) == {"worker_pid": os.getpid()}
    assert builder.copy().remote_executor is builder.remote_executor


def test_a_driver_with_an_executor_pickles_with_it():
    dr = _driver(parallel_nodes, executor=executors.MultiThreadingExecutor(3))
    restored = pickle.loads(pickle.dumps(dr))
    assert repr(restored.executor) == "MultiThreadingExecutor(max_tasks=3)"
    assert restored.execute(["total"], inputs={"start": 1}) == {"total": 10}


def test_the_executors_have_hamiltons_names_and_agree_with_it():
    from hamilton import driver as h_driver
    from hamilton.execution import executors as h_executors

    for name in ("SynchronousLocalTaskExecutor", "MultiThreadingExecutor",
                 "MultiProcessingExecutor"):
        assert hasattr(h_executors, name) and hasattr(executors, name)
    theirs = (h_driver.Builder().with_modules(parallel_nodes)
              .enable_dynamic_execution(allow_experimental_mode=True)
              .with_local_executor(h_executors.MultiThreadingExecutor(2)).build())
    ours = _driver(parallel_nodes, executor=executors.MultiThreadingExecutor(2))
    request = (["total", "left"], {"start": 4})
    assert ours.execute(request[0], inputs=request[1]) == theirs.execute(
        request[0], inputs=request[1])


def test_a_result_that_cannot_travel_between_processes_names_its_node():
    dr = _driver(parallel_nodes, executor=executors.MultiProcessingExecutor(2))
    with pytest.raises(TypeError, match="pickle") as caught:
        dr.execute(["lock_maker"], inputs={"start": 1})
    assert any("node 'lock_maker'" in note and "parallel_nodes.py:" in note
               for note in caught.value.__notes__)


def test_an_input_that_cannot_travel_between_processes_is_refused_before_anything_runs(
        tmp_path):
    dr = _driver(parallel_nodes, executor=executors.MultiProcessingExecutor(2))
    marker = str(tmp_path / "ran")
    with pytest.raises(NotPicklableError, match=r"input 'held' \(_thread.lock\), read by "
                                                r"lock_user: TypeError") as caught:
        dr.execute(["lock_user", "touch"], inputs={"held": threading.Lock(), "marker": marker})
    assert "MultiThreadingExecutor" in str(caught.value)
    assert not os.path.exists(marker)


def test_the_start_method_of_worker_processes_can_be_chosen(tmp_path):
    forkserver = executors.MultiProcessingExecutor(2, start_method="forkserver")
    assert repr(forkserver) == "MultiProcessingExecutor(max_tasks=2, start_method='forkserver')"
    dr = _driver(parallel_nodes, executor=forkserver)
    assert dr.execute(["total"], inputs={"start": 4}) == {"total": 25}
    pids = dr.execute(["worker_pid"], inputs={"start": 4})
    assert pids["worker_pid"] != os.getpid()
    assert repr(executors.MultiProcessingExecutor(2)) == "MultiProcessingExecutor(max_tasks=2)"


def test_an_unknown_start_method_is_refused_naming_the_ones_there_are():
    with pytest.raises(DataflowError, match=r"start_method='thread'\): this platform starts "
                                            r"processes by .*'spawn'"):
        executors.MultiProcessingExecutor(2, start_method="thread")
