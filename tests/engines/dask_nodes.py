"""Node functions the dask tests ship to worker processes (importable by name there)."""

import pandas as pd


def spend() -> pd.Series:
    return pd.Series([10.0, 20.0, 30.0, 40.0])


def signups() -> pd.Series:
    return pd.Series([1, 2, 3, 4])


def avg_spend(spend: pd.Series, window: int) -> pd.Series:
    return spend.rolling(window, min_periods=1).mean()


def spend_per_signup(spend: pd.Series, signups: pd.Series) -> pd.Series:
    return spend / signups


def total(spend_per_signup: pd.Series) -> float:
    return float(spend_per_signup.sum())


def label(total: float, name: str) -> str:
    return f"{name}: {total:.1f}"


class NodeFailed(ValueError):
    """A failure of a node's own type."""


def broken(total: float) -> float:
    raise NodeFailed(f"cannot use {total}")


def after_broken(broken: float) -> float:
    return broken + 1


def _make_closure(factor: float):
    """A node function that is a closure (cloudpickle ships it by value)."""

    def scaled(total: float) -> float:
        return total * factor

    return scaled


def _make_locked():
    """A node function closing over a lock: nothing can serialize it."""
    import threading

    lock = threading.Lock()

    def guarded(total: float) -> float:
        with lock:
            return total

    return guarded


def marker(path: str) -> str:
    """Writes a file when it runs (to show a refused run ran nothing)."""
    with open(path, "w") as handle:
        handle.write("ran")
    return path
