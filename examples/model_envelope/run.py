"""The model envelope end to end on the demand-forecasting features: train, save with tags,
log metrics, serve, batch-score, and what the dashboard shows.

    python -m examples.model_envelope.run --registry out/registry          # 20 stores x 400 days
    python -m examples.model_envelope.run --registry out/registry --stores 3 --days 150

Each step is the library call a data scientist would write, in order:

1. the feature frame from the dataflow driver (``examples.demand_forecasting``);
2. ``DemandModel.fit`` on all but the last 56 days; ``save_model`` with string tags;
3. ``log_metrics``: MAE of the model and of the naive forecast on the held-out days (numbers),
   and the predicted-against-actual curve (structured);
4. a tag added later, as a CI job would (``passes_tests=true``);
5. a deployment rule, and the service answering one request over HTTP (a real uvicorn server
   on 127.0.0.1, stopped afterwards);
6. ``batch_predict`` over the held-out days written as parquet;
7. the dashboard's data for the rule's models (what its charts plot).
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run by path: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np
import pandas as pd

from dataflow import envelope
from examples.demand_forecasting.train import FEATURES, build_driver, feature_frame
from examples.model_envelope import demand_model

HELD_OUT_DAYS = 56


def split(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    usable = frame[frame["history_complete"]]
    cutoff = usable["date"].max() - pd.Timedelta(days=HELD_OUT_DAYS)
    return usable[usable["date"] <= cutoff], usable[usable["date"] > cutoff]


def serve_once(registry: envelope.Registry, rule: str, rows: pd.DataFrame) -> dict[str, Any]:
    """Start the service on a free port, POST ``rows`` to the rule's path, stop it."""
    import httpx
    import uvicorn

    from dataflow.envelope.service import service_app

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(service_app(registry, poll_interval=0.2),
                                           host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.05)
        path = envelope.get_rule(rule, registry).path
        records = json.loads(rows[FEATURES].to_json(orient="records"))
        answer = httpx.post(f"{base}{path}", json={"records": records}, timeout=30)
        answer.raise_for_status()
        result: dict[str, Any] = answer.json()
        return result
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registry", required=True, help="registry directory (made if new)")
    parser.add_argument("--stores", type=int, default=20)
    parser.add_argument("--days", type=int, default=400)
    parser.add_argument("--out", default=None, help="directory for the batch files "
                        "(default: beside the registry)")
    args = parser.parse_args(argv)
    out = Path(args.out) if args.out else Path(args.registry).resolve().parent
    out.mkdir(parents=True, exist_ok=True)

    # 1-2. features, fit, save
    frame = feature_frame(build_driver({"n_stores": args.stores, "n_days": args.days}))
    train, held_out = split(frame)
    model = demand_model.DemandModel.fit(train, FEATURES)
    registry = envelope.Registry(args.registry)
    saved = envelope.save_model(
        model, description="Daily units per store, least squares on log units",
        tags={"canonical_name": "demand_forecast", "stores": str(args.stores),
              "trained_through": str(train["date"].max().date())},
        api_input=train[FEATURES], code=[demand_model], registry=registry)

    # 3. metrics: numbers and a structured curve
    predicted = model.predict(held_out)
    actual = held_out["units"].to_numpy()
    naive = np.expm1(held_out["log_units_lag_7"].to_numpy())
    order = np.argsort(actual)
    envelope.log_metrics(
        saved, model_mae=float(np.mean(np.abs(predicted.to_numpy() - actual))),
        naive_mae=float(np.mean(np.abs(naive - actual))),
        predicted_vs_actual={"actual": actual[order][:: max(1, len(order) // 50)].tolist(),
                             "predicted": predicted.to_numpy()[order][
                                 :: max(1, len(order) // 50)].tolist()})

    # 4. a CI job's verdict, added later
    registry.add_tags(saved.id, passes_tests="true")

    # 5. the deployment rule, and one request to the service
    envelope.deploy("demand", query="canonical_name=demand_forecast",
                    require={"passes_tests": "true"}, path="/demand", registry=registry)
    answer = serve_once(registry, "demand", held_out.head(3))

    # 6. batch inference over the held-out days
    held_out[["store_id", "date", *FEATURES]].to_parquet(out / "held_out_features.parquet")
    run = envelope.batch_predict("canonical_name=demand_forecast passes_tests=true",
                                 input=out / "held_out_features.parquet",
                                 output=out / "held_out_predictions.parquet",
                                 keep_columns=["store_id", "date"], registry=registry,
                                 progress=False)

    # 7. what the dashboard plots for these models
    from dataflow.envelope import dashboard_data

    records = registry.find(canonical_name="demand_forecast")
    metrics = registry.metrics(canonical_name="demand_forecast")
    scatter = dashboard_data.scatter_points(metrics, records, "naive_mae", "model_mae")

    summary = {
        "model_id": saved.id,
        "tags": registry.get(saved.id).tags,
        "model_mae": round(float(np.mean(np.abs(predicted.to_numpy() - actual))), 3),
        "naive_mae": round(float(np.mean(np.abs(naive - actual))), 3),
        "served": {"model_id": answer["model_id"],
                   "predictions": [round(p, 3) for p in answer["predictions"]]},
        "batch": {"model_id": run.model_id, "rows": run.rows,
                  "output": str(out / "held_out_predictions.parquet")},
        "dashboard_points": len(scatter),
    }
    print(json.dumps(summary, indent=2))
    return summary


if __name__ == "__main__":
    main()
