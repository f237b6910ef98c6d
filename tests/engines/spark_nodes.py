"""Column functions of every kind for plugins.h_spark.with_columns, mixed in one group: pandas
UDFs (also run by the pandas with_columns for comparison), Spark column expressions, a
function over the frame and a row-by-row UDF."""

from __future__ import annotations

import pandas as pd
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from dataflow.htypes import column
from plugins.h_spark import require_columns


def spend_per_signup(spend: pd.Series, signups: pd.Series) -> column[pd.Series, float]:
    return spend / signups


def spend_scaled(spend_per_signup: pd.Series, scale: float) -> column[pd.Series, float]:
    return spend_per_signup * scale


def spend_log(spend: Column) -> Column:
    return F.log1p(spend)


def log_per_signup(spend_log: pd.Series,
                   signups: pd.Series) -> column[pd.Series, "double"]:  # noqa: UP037, F821 (a DDL string)
    return spend_log / signups


@require_columns("spend", "signups")
def margin(df: DataFrame) -> Column:
    return df["spend"] - df["signups"]


def signups_bucket(signups: float) -> int:
    return int(signups // 2)
