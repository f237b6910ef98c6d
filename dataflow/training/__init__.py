"""Configuration-driven training pipelines: YAML extracts and a trainer, compiled to a dataflow
graph (extract → train → evaluate → save) that the normal driver runs, draws and caches; tuning
and backtests run their trials and windows in parallel on the execution stage's executors.

Modules: :mod:`~dataflow.training.config` (pydantic models of the files, errors with file, line
and key), :mod:`~dataflow.training.trainer` (``AbstractTrainer``, ``SKLearnTrainer``),
:mod:`~dataflow.training.extracts` (running sql / dataflow / file extracts),
:mod:`~dataflow.training.pipeline` (configs → a dataflow graph), :mod:`~dataflow.training.tuning`,
:mod:`~dataflow.training.backtest`. Guide: docs/training.md. Needs the ``training`` extra.
"""

from dataflow.training.config import (
    BacktestConfig,
    ConfigError,
    ModelConfig,
    TuningConfig,
    load_backtest_config,
    load_model_config,
    load_tuning_config,
)
from dataflow.training.trainer import AbstractTrainer, SKLearnTrainer, TrainedObject

__all__ = [
    "AbstractTrainer",
    "BacktestConfig",
    "ConfigError",
    "ModelConfig",
    "SKLearnTrainer",
    "TrainedObject",
    "TuningConfig",
    "load_backtest_config",
    "load_model_config",
    "load_tuning_config",
]
