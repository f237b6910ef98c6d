"""Configuration-driven training on the demand-forecasting data (docs/training.md)."""
