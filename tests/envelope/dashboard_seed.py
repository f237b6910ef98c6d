"""A small registry for the dashboard tests: four models with tags, a training loss logged over
time, scalar metrics (auc, mae) and ROC curves; ``python -m tests.envelope.dashboard_seed DIR``
writes one (for looking at the page by hand)."""

from __future__ import annotations

import sys

import pandas as pd

from dataflow import envelope

MODELS = (  # canonical_name, region, auc, mae, losses
    ("client_ltv", "US", 0.81, 9.5, (0.40, 0.25, 0.18)),
    ("client_ltv", "CA", 0.77, 11.0, (0.45, 0.30, 0.22)),
    ("client_ltv", "MX", 0.70, 12.5, (0.50, 0.38, 0.31)),
    ("churn", "US", 0.88, 3.0, (0.35, 0.20, 0.12)),
)


def score(frame: pd.DataFrame) -> pd.Series:
    return (frame["spend"] * 0.3).rename("score")


def seed(registry: envelope.Registry) -> list[int]:
    """Save the four models and log their metrics; their ids, in order."""
    training = pd.DataFrame({"spend": [120.0, 80.5, 300.0], "visits": [3, 1, 12]})
    ids = []
    for name, region, auc, mae, losses in MODELS:
        saved = envelope.save_model(score, description=f"{name} {region}",
                                    tags={"canonical_name": name, "region": region},
                                    api_input=training, registry=registry)
        for loss in losses:
            envelope.log_metrics(saved, registry=registry, training_loss=loss)
        bend = auc * 1.2
        fpr = [0.0, 0.1, 0.3, 0.6, 1.0]
        tpr = [0.0, *(min(1.0, x * bend + (1 - x) * x * 2 * auc) for x in fpr[1:-1]), 1.0]
        envelope.log_metrics(saved, registry=registry, auc=auc, holdout_mae=mae,
                             roc_curve={"fpr": fpr, "tpr": tpr},
                             confusion=[[50, 5], [round(100 * (1 - auc)), 40]])
        ids.append(saved.id)
    return ids


if __name__ == "__main__":
    print(seed(envelope.Registry(sys.argv[1])))
