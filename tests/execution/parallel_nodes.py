"""Node functions for the parallel-executor tests, at module level so worker processes can
unpickle them (by reference to this module)."""

from __future__ import annotations

import os
import signal
import time


def seed(start: int) -> int:
    return start + 1


def left(seed: int) -> int:
    return seed * 2


def right(seed: int) -> int:
    return seed * 3


def total(left: int, right: int) -> int:
    return left + right


def worker_pid(seed: int) -> int:
    return os.getpid()


def broken(seed: int) -> int:
    raise KeyError(f"no rate for {seed}")


def slow(seed: int) -> int:
    time.sleep(0.3)
    return seed


def touch(marker: str) -> str:
    """Leaves a file behind: proof that a node ran (in whichever process)."""
    with open(marker, "w") as file:
        file.write("ran")
    return marker


def sleeper(pid_dir: str) -> int:
    """Says which process it runs in, then sleeps far longer than any test waits. The pid file
    appears whole (written aside, then renamed): whoever sees it can read the pid."""
    path = os.path.join(pid_dir, "sleeper")
    with open(path + ".partial", "w") as file:
        file.write(str(os.getpid()))
    os.replace(path + ".partial", path)
    time.sleep(60)
    return 0


def interrupter(pid_dir: str) -> int:
    """Presses Ctrl-C in the driver's process once ``sleeper`` is running in another worker."""
    deadline = time.monotonic() + 10
    while not os.path.exists(os.path.join(pid_dir, "sleeper")) and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(os.getppid(), signal.SIGINT)
    return 0


class PidRecorder:
    """A node hook that writes, for every node it sees, the process it ran in (one file per node
    in ``directory``): worker processes get a copy of the hook, so files are how it reports."""

    def __init__(self, directory: str) -> None:
        self.directory = directory

    def run_before_node_execution(self, *, node_name: str, **kwargs: object) -> None:
        with open(os.path.join(self.directory, f"before-{node_name}"), "w") as file:
            file.write(str(os.getpid()))

    def run_after_node_execution(self, *, node_name: str, success: bool,
                                 **kwargs: object) -> None:
        with open(os.path.join(self.directory, f"after-{node_name}"), "w") as file:
            file.write(f"{os.getpid()} {success}")


class FailingHook:
    def run_before_node_execution(self, *, node_name: str, **kwargs: object) -> None:
        if node_name == "left":
            raise RuntimeError("the hook broke")


def lock_maker(seed: int) -> object:
    """A value that cannot travel back from a worker process."""
    import threading

    return threading.Lock()


def lock_user(held: object) -> str:
    return type(held).__name__
