"""Online inference: requests/s and latency of ``dataflow models serve`` for a pandas model on one
row, beside calling the function directly (issue 11).

    python -m benchmarks.serve            # 5 s per HTTP measurement
    python -m benchmarks.serve --quick    # 1 s each (a smoke run)

Measured in one run, each server a separate process on 127.0.0.1 (uvicorn, one worker, logs
off), the client here (httpx, one keep-alive connection, requests one after another):

* ``function``: the model called on a one-row DataFrame, in this process;
* ``loaded model``: ``registry.load(id)(frame)``: the same plus the schema check;
* ``hand-written FastAPI``: a FastAPI app written for this model (a fixed pydantic row model, a
  DataFrame of the rows, the function), the floor for "a service over HTTP";
* ``models serve``: the rule's service (generated request model, schema check, response model).

Latencies are wall-clock per call on the client; the ratios are against the function.
"""

# no `from __future__ import annotations`: FastAPI reads the hand-written app's annotations
import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ROOT = Path(__file__).resolve().parents[1]
ROW = {"spend": 120.5, "visits": 7, "region": "US"}


def ltv(frame: Any) -> Any:
    """The model: a linear score and a per-region factor (pandas)."""
    factor = frame["region"].map({"US": 1.2, "CA": 1.1}).fillna(1.0)
    return (frame["spend"] * 3 + frame["visits"] * 5) * factor


def hand_written_app() -> Any:
    import pandas as pd
    from fastapi import FastAPI
    from pydantic import BaseModel

    class Row(BaseModel):
        spend: float
        visits: int
        region: str

    class Request(BaseModel):
        records: list[Row]

    app = FastAPI()

    @app.post("/client_ltv")
    def predict(body: Request) -> dict[str, Any]:
        frame = pd.DataFrame([row.model_dump() for row in body.records])
        return {"predictions": ltv(frame).tolist()}

    return app


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def timings(call: Callable[[], Any], seconds: float) -> list[float]:
    for _ in range(20):  # warm up
        call()
    took = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        start = time.perf_counter()
        call()
        took.append(time.perf_counter() - start)
    return took


def server(kind: str, registry_dir: str, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "benchmarks.serve", "--server", kind,
                             "--registry", registry_dir, "--port", str(port)], cwd=ROOT, env=env)


def run_server(kind: str, registry_dir: str, port: int) -> None:
    import uvicorn

    if kind == "hand":
        app = hand_written_app()
    else:
        from dataflow.envelope import Registry
        from dataflow.envelope.service import service_app

        app = service_app(Registry(registry_dir), poll_interval=1.0)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def over_http(kind: str, registry_dir: str, seconds: float) -> list[float]:
    import httpx

    port = free_port()
    process = server(kind, registry_dir, port)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            deadline = time.monotonic() + 60
            while True:
                try:
                    client.get("/openapi.json")
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline or process.poll() is not None:
                        raise RuntimeError(f"the {kind} server did not start") from None
                    time.sleep(0.05)
            body = {"records": [ROW]}

            def call() -> None:
                response = client.post("/client_ltv", json=body)
                response.raise_for_status()

            return timings(call, seconds)
    finally:
        process.terminate()
        process.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seconds", type=float, help="Per measurement (default 5, quick 1).")
    parser.add_argument("--server")
    parser.add_argument("--registry")
    parser.add_argument("--port", type=int)
    arguments = parser.parse_args()
    if arguments.server:
        run_server(arguments.server, arguments.registry, arguments.port)
        return
    import pandas as pd

    from dataflow import envelope

    seconds = arguments.seconds or (1.0 if arguments.quick else 5.0)
    with tempfile.TemporaryDirectory() as directory:
        registry = envelope.Registry(directory)
        features = pd.DataFrame([ROW, {"spend": 3.0, "visits": 1, "region": "CA"}])
        saved = envelope.save_model(ltv, "client lifetime value", {"canonical_name": "ltv"},
                                    api_input=features, registry=registry)
        envelope.deploy("client_ltv", query="canonical_name=ltv", registry=registry)
        one = pd.DataFrame([ROW])
        loaded = registry.load(saved.id)
        expected = ltv(one).tolist()
        assert loaded(one).tolist() == expected
        results = {
            "function": timings(lambda: ltv(one), seconds),
            "loaded model": timings(lambda: loaded(one), seconds),
            "hand-written FastAPI": over_http("hand", directory, seconds),
            "models serve": over_http("serve", directory, seconds),
        }
        registry.close()
    load = os.getloadavg()[0]
    print(f"one row, requests one after another; load average {load:.2f}\n")
    print("| how | requests/s | median ms | p99 ms | p99 vs function | p99 vs hand-written |")
    print("|---|---|---|---|---|---|")
    p99 = {name: statistics.quantiles(took, n=100)[98] for name, took in results.items()}
    for name, took in results.items():
        print(f"| {name} | {len(took) / sum(took):,.0f} | {statistics.median(took) * 1e3:.3f} "
              f"| {p99[name] * 1e3:.3f} | {p99[name] / p99['function']:.1f}x "
              f"| {p99[name] / p99['hand-written FastAPI']:.2f}x |")


if __name__ == "__main__":
    main()
