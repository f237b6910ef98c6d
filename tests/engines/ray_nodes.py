"""Node functions only the Ray tests use (importable by name on Ray workers)."""

from __future__ import annotations

from typing import Any

from dataflow.function_modifiers import tag
from dataflow.function_modifiers.metadata import ray_remote_options


class Counted:
    """A value that counts, in the process that sends it, how often it is serialized."""

    pickled = 0

    def __init__(self, payload: list[int]) -> None:
        self.payload = payload

    def __reduce__(self) -> tuple[Any, ...]:
        Counted.pickled += 1
        return (_counted, (self.payload,))


def _counted(payload: list[int]) -> Counted:
    value = Counted.__new__(Counted)
    value.payload = payload
    return value


def first(big: Counted) -> int:
    return big.payload[0]


def last(big: Counted) -> int:
    return big.payload[-1]


def size(big: Counted) -> int:
    return len(big.payload)


def ends(first: int, last: int, size: int) -> tuple[int, int, int]:
    return first, last, size


@ray_remote_options(num_cpus=2)
def cpus_held() -> float:
    """The CPUs Ray reserved for this node's task (its options ask for 2)."""
    import ray

    return float(ray.get_runtime_context().get_assigned_resources().get("CPU", 0.0))


@tag(**{"ray_remote.num_cpus": "1"})
def one_cpu_held() -> float:
    """The CPUs Ray reserved for this node's task (a plain tag asks for 1)."""
    import ray

    return float(ray.get_runtime_context().get_assigned_resources().get("CPU", 0.0))


def unpicklable_result() -> Any:
    """Returns a value that cannot travel back from the worker."""
    import threading

    return threading.Lock()


def reads_unpicklable(unpicklable_result: Any) -> str:
    return type(unpicklable_result).__name__




def kind(thing: Any) -> str:
    return type(thing).__name__


@tag(**{"ray_remote.num_cpuz": "1"})
def misspelt_options() -> int:
    return 1
