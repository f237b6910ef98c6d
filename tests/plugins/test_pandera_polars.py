"""pandera's polars API: ``check_output(schema=pandera.polars.DataFrameSchema(...))`` on polars
frames and on their extracted columns."""

from __future__ import annotations

import polars as pl
import pytest

from dataflow import ad_hoc_utils, driver
from dataflow.data_quality import DataValidationError
from dataflow.function_modifiers import check_output, extract_columns

# Gated: pandera is not installed on the oldest leg (Python 3.10, pandas 2.0.0): see the test
# extra in pyproject.toml.
pap = pytest.importorskip("pandera.polars", reason="pandera is not installed on Python 3.10")


def _build(*functions) -> driver.Driver:  # type: ignore[no-untyped-def]
    return driver.Builder().with_modules(ad_hoc_utils.create_temporary_module(*functions)).build()


def test_polars_frames_and_extracted_polars_columns() -> None:
    schema = pap.DataFrameSchema({"a": pap.Column(pl.Int64, pap.Check.gt(0)),
                                  "b": pap.Column(pl.Float64, coerce=True)})

    @check_output(schema=schema, importance="fail", target_="frame")
    def frame() -> pl.DataFrame:
        return pl.DataFrame({"a": [1, -2, -3], "b": [1, 2, 3]})

    @extract_columns("a", "b")
    @check_output(schema=schema, importance="fail")
    def extracted() -> pl.DataFrame:
        return pl.DataFrame({"a": [1, -2], "b": [1, 2]})

    def b_dtype(b: pl.Series) -> str:
        return str(b.dtype)

    dr = _build(frame)
    with pytest.raises(DataValidationError, match=r"column 'a': greater_than\(0\) fails on 2 "
                                                  r"of 3 rows"):
        dr.execute(["frame"])
    dr = _build(extracted, b_dtype)
    assert dr.execute(["b_dtype"])["b_dtype"] == "Int64"  # coercion did not reach downstream
    with pytest.raises(DataValidationError, match=r"node 'a'"):
        dr.execute(["a"])
