"""Feature functions over dask DataFrames: ``h_dask.with_columns`` and ``@extract_columns``
(importable by name on the dask workers)."""

import dask.dataframe as dd

from dataflow.function_modifiers import extract_columns
from plugins import h_dask


def spend_per_signup(spend: dd.Series, signups: dd.Series) -> dd.Series:
    return spend / signups


def spend_zscore(spend: dd.Series) -> dd.Series:
    return (spend - spend.mean()) / spend.std()


@h_dask.with_columns(spend_per_signup, spend_zscore, columns_to_pass=["spend", "signups"])
def enriched(raw: dd.DataFrame) -> dd.DataFrame:
    return raw


@extract_columns("spend", "signups", "refunds", fill_with=0.0)
def raw_columns(raw: dd.DataFrame) -> dd.DataFrame:
    return raw


def net_spend(spend: dd.Series, refunds: dd.Series) -> dd.Series:
    return spend - refunds


def signups_total(signups: dd.Series) -> float:
    return signups.sum()
