"""Demand forecasting: a feature pipeline over synthetic store x day sales, and a training job.

Run it with ``python -m examples.demand_forecasting.train`` (or ``make demo``).
"""
