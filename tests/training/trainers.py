"""Trainers for the training tests (module-level, so they pickle to worker processes)."""

from __future__ import annotations

from typing import Any

from dataflow.training import AbstractTrainer, TrainedObject

OPTIMUM = {"x": 0.3137, "y": 0.7211}
BEST_LOSS = 10.0


class QuadraticTrainer(AbstractTrainer):
    """A "model" whose loss is a known bowl: minimum 10.0 at (0.3137, 0.7211). Fails on
    purpose for ``x`` above ``fail_above``; its loss is NaN for ``x`` above ``nan_above``."""

    def __init__(self, x: float = 0.0, y: float = 0.0, fail_above: float | None = None,
                 nan_above: float | None = None) -> None:
        self.x, self.y, self.fail_above, self.nan_above = x, y, fail_above, nan_above

    def train(self, **dependencies: Any) -> TrainedObject:
        if self.fail_above is not None and self.x > self.fail_above:
            raise ValueError(f"x={self.x} is too large for this trainer")
        return TrainedObject((self.x, self.y))

    def evaluate(self, model: Any, **dependencies: Any) -> dict[str, Any]:
        x, y = model
        if self.nan_above is not None and x > self.nan_above:
            return {"loss": float("nan")}
        return {"loss": BEST_LOSS + 100 * ((x - OPTIMUM["x"]) ** 2 + (y - OPTIMUM["y"]) ** 2)}


class FailingOnWindowTrainer(AbstractTrainer):
    """Fits nothing; fails when the training data ends on ``fail_end`` (one backtest window)."""

    def __init__(self, fail_end: str = "") -> None:
        self.fail_end = fail_end

    def train(self, **dependencies: Any) -> TrainedObject:
        frame = dependencies["data"]
        if str(frame["date"].max().date()) == self.fail_end:
            raise RuntimeError("no data for this window")
        return TrainedObject(float(frame["value"].mean()))

    def evaluate(self, model: Any, **dependencies: Any) -> dict[str, Any]:
        frame = dependencies["data"]
        return {"mae": float((frame["value"] - model).abs().mean()), "rows": len(frame)}


class SleepingTrainer(AbstractTrainer):
    """Sleeps ``seconds`` in ``train``; its metrics say which process ran it, and when."""

    def __init__(self, seconds: float = 0.3, k: int = 0) -> None:
        self.seconds, self.k = seconds, k

    def train(self, **dependencies: Any) -> TrainedObject:
        import os
        import time

        start = time.time()
        time.sleep(self.seconds)
        return TrainedObject({"pid": os.getpid(), "start": start, "end": time.time()})

    def evaluate(self, model: Any, **dependencies: Any) -> dict[str, Any]:
        return {"k": float(self.k), **model}


class NativeThreadsTrainer(AbstractTrainer):
    """Fits nothing; its metrics say how many BLAS / OpenMP threads (threadpoolctl) the process
    allowed while it trained, and which process it was."""

    def __init__(self, k: int = 0) -> None:
        self.k = k

    def train(self, **dependencies: Any) -> TrainedObject:
        import os

        from threadpoolctl import threadpool_info

        return TrainedObject({"pid": os.getpid(),
                              "threads": max(i["num_threads"] for i in threadpool_info()),
                              "pools": str([(i["filepath"], i["num_threads"])
                                            for i in threadpool_info()])})

    def evaluate(self, model: Any, **dependencies: Any) -> dict[str, Any]:
        return {"k": float(self.k), **model}
