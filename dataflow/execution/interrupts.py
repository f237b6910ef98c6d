"""Ctrl-C during a pooled run is never lost, even when it lands in a finalizer.

Python runs the ``SIGINT`` handler in the main thread at whatever bytecode that thread runs
next. While a pool runs a plan the calling thread frees dead values (their ``__del__`` and
weakref callbacks run there) and the garbage collector runs finalizers there too; a
``KeyboardInterrupt`` raised inside a finalizer is swallowed by Python ("Exception ignored
in ..."), so the run would go on to its end as if Ctrl-C had never been pressed.

:class:`InterruptWatch` does what :class:`asyncio.Runner` does for the same reason: in the main
thread, while ``SIGINT``'s handler is Python's default one, it installs a handler that records
the interruption before raising ``KeyboardInterrupt``; the run's waits
(:meth:`InterruptWatch.wait`) raise it again from the run itself if it was recorded and
swallowed. A handler of the user's own is left alone, and outside the main thread (no signal
arrives there) nothing is installed.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Collection
from concurrent.futures import FIRST_COMPLETED, Future, wait
from types import FrameType, TracebackType
from typing import Any

POLL_SECONDS = 0.25
"""How long a guarded wait blocks before it looks again for a swallowed interruption (one that
landed in a finalizer run by the wait itself, before it blocked)."""


class InterruptWatch:
    """A context manager for the waiting thread of a run: ``with InterruptWatch() as watch:``,
    then ``watch.wait(futures)`` instead of ``concurrent.futures.wait(futures,
    return_when=FIRST_COMPLETED)``."""

    __slots__ = ("_installed", "_previous", "interrupted")

    def __init__(self) -> None:
        self.interrupted = False
        self._installed: Any = None
        self._previous: Any = None

    def __enter__(self) -> InterruptWatch:
        self.install()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.restore()

    def install(self) -> None:
        """Record Ctrl-C from now on (in the main thread, unless the user handles it)."""
        if threading.current_thread() is not threading.main_thread():
            return
        previous = signal.getsignal(signal.SIGINT)
        if previous is not signal.default_int_handler and not getattr(
                previous, "_dataflow_interrupt_watch", False):
            return  # the user's own handler (or none): theirs to handle

        def on_sigint(signum: int, frame: FrameType | None) -> None:
            self.interrupted = True
            raise KeyboardInterrupt

        on_sigint._dataflow_interrupt_watch = True  # type: ignore[attr-defined]
        try:
            signal.signal(signal.SIGINT, on_sigint)
        except ValueError:  # not the main interpreter: signals are not ours to handle
            return
        self._previous, self._installed = previous, on_sigint

    def restore(self) -> None:
        """Put back the handler :meth:`install` replaced (unless someone replaced it since)."""
        if self._installed is not None and signal.getsignal(signal.SIGINT) is self._installed:
            signal.signal(signal.SIGINT, self._previous)
        self._installed = None

    def check(self) -> None:
        """Raise ``KeyboardInterrupt`` if an interruption was recorded (and swallowed)."""
        if self.interrupted:
            self.interrupted = False
            raise KeyboardInterrupt

    def wait(self, futures: Collection[Future[Any]]) -> set[Future[Any]]:
        """The futures of ``futures`` that are done, once at least one is; raises
        ``KeyboardInterrupt`` if Ctrl-C was pressed meanwhile, even if a finalizer swallowed
        it."""
        self.check()
        if self._installed is None:
            return wait(futures, return_when=FIRST_COMPLETED).done
        while True:
            done = wait(futures, timeout=POLL_SECONDS, return_when=FIRST_COMPLETED).done
            self.check()
            if done:
                return done
