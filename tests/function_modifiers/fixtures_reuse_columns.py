"""@with_columns at module level (drivers on this module pickle)."""

from __future__ import annotations

import pandas as pd
from dataflow.plugins.h_pandas import with_columns

from tests.function_modifiers import fixtures_reuse_column_features as features
from tests.function_modifiers import fixtures_reuse_frame_features as frame_features


def spend_baseline() -> float:
    return 1.0


@with_columns(features, columns_to_pass=["spend", "signups"], select=["ratio", "ratio_x2"])
def enriched(raw_df: pd.DataFrame) -> pd.DataFrame:
    return raw_df


@with_columns(features, columns_to_pass=["spend", "signups"], namespace="all_cols")
def everything(raw_df: pd.DataFrame) -> pd.DataFrame:
    return raw_df


@with_columns(frame_features, pass_dataframe_as="df", select=["spend", "spend_share"])
def replaced(raw_df: pd.DataFrame) -> pd.DataFrame:
    return raw_df


@with_columns(features, columns_to_pass=["spend", "signups"], select=["ratio"],
              on_input="frame")
def on_second(scale: float, frame: pd.DataFrame) -> pd.DataFrame:
    return frame * scale
