"""Small config trees for the training tests."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("sklearn")
pytest.importorskip("yaml")


@pytest.fixture
def line_configs(tmp_path: Path) -> Path:
    """extracts.yaml (a DuckDB query with a bound parameter) and model.yaml (Ridge on it)."""
    (tmp_path / "points.sql").write_text(
        "select x, 2 * x + 1 + 0.01 * x * x as y from range($n) t(x) where x >= {{ lowest }}\n")
    (tmp_path / "extracts.yaml").write_text(
        "points:\n"
        "  operator: sql\n"
        "  sql: points.sql\n"
        "  template: {lowest: 0}\n"
        "  params: {n: 40}\n")
    (tmp_path / "model.yaml").write_text(
        "model_name: line\n"
        "save_to: directory\n"
        "tags: {team: tests}\n"
        "model_trainer: dataflow.training.SKLearnTrainer\n"
        "constructor_args:\n"
        "  estimator: sklearn.linear_model.Ridge\n"
        "  target: y\n"
        "  alpha: 1.0\n"
        "dependencies:\n"
        "  - train_param_name: data\n"
        "    file: extracts.yaml\n"
        "    file_param_name: points\n")
    return tmp_path
