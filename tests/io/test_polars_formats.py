"""polars loaders and savers through ``dataflow.io``: ``from_`` / ``to`` on real files (and a
real SQLite / DuckDB database), chosen by the node's type beside the pandas formats of the same
name; metadata as for pandas; writes atomic; ``LazyFrame`` nodes scanned."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from dataflow import ad_hoc_utils, driver
from dataflow.function_modifiers import source
from dataflow.io import from_, registry, to
from dataflow.io.utils import file_sha256

FRAME = pl.DataFrame({"store": [1, 2, 3], "price": [0.5, 1.5, None], "name": ["x", "y", "z"]})
FILE_FORMATS = ["csv", "parquet", "feather", "ipc", "json", "ndjson", "avro", "spreadsheet"]
SUFFIX = {"spreadsheet": "xlsx"}


def sales() -> pl.DataFrame:
    return FRAME


def revenue(sales: pl.DataFrame) -> pl.Series:
    return (sales["price"] * sales["store"]).alias("revenue")


def lazy_sales() -> pl.LazyFrame:
    return FRAME.lazy()


def cheap(lazy_sales: pl.LazyFrame) -> pl.DataFrame:
    return lazy_sales.filter(pl.col("price") < 1).collect()


def pandas_sales() -> pd.DataFrame:
    return FRAME.to_pandas()


@pytest.fixture(scope="module")
def dr() -> driver.Driver:
    module = ad_hoc_utils.create_temporary_module(sales, revenue, lazy_sales, cheap,
                                                  pandas_sales)
    return driver.Builder().with_modules(module).build()


@pytest.mark.parametrize("fmt", FILE_FORMATS)
def test_a_saved_polars_frame_loads_back_into_a_polars_node(dr, tmp_path: Path, fmt) -> None:
    path = tmp_path / f"sales.{SUFFIX.get(fmt, fmt)}"
    metadata, _ = dr.materialize(getattr(to, fmt)(id="saved", dependencies=["sales"],
                                                  path=str(path)))
    saved = metadata["saved"]
    assert saved["file_metadata"]["sha256"] == file_sha256(path)
    assert saved["dataframe_metadata"] == {
        "__version__": "1.0.0", "rows": 3, "columns": 3,
        "column_names": ["store", "price", "name"],
        "datatypes": [str(t) for t in FRAME.dtypes]}
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left

    loaded_metadata, extra = dr.materialize(
        getattr(from_, fmt)(target="sales", path=str(path)), additional_vars=["sales", "revenue"])
    assert isinstance(extra["sales"], pl.DataFrame)
    assert_frame_equal(extra["sales"], FRAME, check_dtypes=fmt != "spreadsheet")
    assert extra["revenue"].to_list() == [0.5, 3.0, None]
    assert loaded_metadata == {}  # loaders' metadata is on the load node, as for pandas
    raw = dr.materialize(getattr(from_, fmt)(target="sales", path=str(path)),
                         additional_vars=["load_data.sales"])[1]["load_data.sales"]
    assert raw[1]["file_metadata"]["path"] == str(path)
    assert raw[1]["dataframe_metadata"]["rows"] == 3


@pytest.mark.parametrize(("fmt", "name"), [("csv", "file"), ("parquet", "file"),
                                           ("feather", "source"), ("json", "source")])
def test_hamiltons_parameter_names_for_the_file_work_too(dr, tmp_path, fmt, name) -> None:
    path = str(tmp_path / f"sales.{fmt}")
    FRAME.write_csv(path) if fmt == "csv" else getattr(
        FRAME, {"feather": "write_ipc"}.get(fmt, f"write_{fmt}"))(path)
    _, extra = dr.materialize(getattr(from_, fmt)(target="sales", **{name: path}),
                              additional_vars=["sales"])
    assert_frame_equal(extra["sales"], FRAME)


def test_the_file_named_twice_or_not_at_all_is_an_error_naming_the_adapter(dr, tmp_path) -> None:
    path = str(tmp_path / "s.parquet")
    with pytest.raises(TypeError, match=r"PolarsParquetReader: give the file as exactly one of "
                                        r"path=, file= \(got path= and file=\)"):
        dr.materialize(from_.parquet(target="sales", path=path, file=path),
                       additional_vars=["sales"])
    with pytest.raises(TypeError, match=r"PolarsParquetWriter: .* \(got none\)"):
        dr.materialize(to.parquet(id="s", dependencies=["sales"], path=source("nowhere")),
                       inputs={"nowhere": None})


@pytest.mark.parametrize("fmt", ["csv", "parquet", "feather", "ipc", "ndjson"])
def test_a_lazyframe_node_is_scanned_not_read(dr, tmp_path: Path, fmt: str) -> None:
    path = str(tmp_path / f"sales.{fmt}")
    dr.materialize(getattr(to, fmt)(id="saved", dependencies=["sales"], path=path))
    _, extra = dr.materialize(getattr(from_, fmt)(target="lazy_sales", path=path),
                              additional_vars=["lazy_sales", "cheap", "load_data.lazy_sales"])
    assert isinstance(extra["lazy_sales"], pl.LazyFrame)
    assert extra["cheap"]["store"].to_list() == [1]
    metadata = extra["load_data.lazy_sales"][1]["dataframe_metadata"]
    assert metadata["rows"] is None and metadata["column_names"] == ["store", "price", "name"]


def test_a_lazyframe_is_collected_and_saved(dr, tmp_path: Path) -> None:
    path = tmp_path / "lazy.parquet"
    metadata, _ = dr.materialize(to.parquet(id="saved", dependencies=["lazy_sales"],
                                            path=str(path)))
    assert metadata["saved"]["dataframe_metadata"]["rows"] == 3
    assert_frame_equal(pl.read_parquet(path), FRAME)


def test_pandas_and_polars_nodes_share_format_names(dr, tmp_path: Path) -> None:
    pandas_path, polars_path = tmp_path / "pd.parquet", tmp_path / "pl.parquet"
    dr.materialize(to.parquet(id="a", dependencies=["pandas_sales"], path=str(pandas_path)),
                   to.parquet(id="b", dependencies=["sales"], path=str(polars_path)))
    _, extra = dr.materialize(from_.parquet(target="pandas_sales", path=str(polars_path)),
                              from_.parquet(target="sales", path=str(pandas_path)),
                              additional_vars=["pandas_sales", "sales"])
    assert isinstance(extra["pandas_sales"], pd.DataFrame)
    assert isinstance(extra["sales"], pl.DataFrame)
    assert extra["sales"]["store"].to_list() == extra["pandas_sales"]["store"].tolist()
    assert registry.adapter_for("saver", "parquet", pl.DataFrame, "t").__name__ == \
        "PolarsParquetWriter"
    assert registry.adapter_for("saver", "parquet", pd.DataFrame, "t").__name__ == \
        "PandasParquetWriter"


def test_a_failed_write_keeps_the_previous_file_and_leaves_no_temporary(dr, tmp_path) -> None:
    path = tmp_path / "sales.parquet"
    FRAME.head(1).write_parquet(path)
    before = path.read_bytes()
    with pytest.raises(Exception, match="compression"):
        dr.materialize(to.parquet(id="s", dependencies=["sales"], path=str(path),
                                  compression="no-such-codec"))
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["sales.parquet"]


@pytest.mark.parametrize("connect", [sqlite3.connect, "duckdb"])
def test_database_roundtrip_through_a_dbapi_connection(dr, tmp_path, connect) -> None:
    if connect == "duckdb":
        import duckdb

        connection = duckdb.connect(str(tmp_path / "db.duckdb"))
    else:
        connection = connect(str(tmp_path / "db.sqlite"))
    metadata, _ = dr.materialize(to.database(id="s", dependencies=["sales"], table_name="sales",
                                             connection=connection))
    assert metadata["s"]["sql_metadata"]["table_name"] == "sales"
    assert metadata["s"]["sql_metadata"]["rows"] == 3
    _, extra = dr.materialize(
        from_.database(target="sales", query="SELECT * FROM sales ORDER BY store",
                       connection=connection), additional_vars=["sales", "revenue"])
    assert_frame_equal(extra["sales"], FRAME, check_dtypes=False)
    assert extra["revenue"].to_list() == [0.5, 3.0, None]
    # if_table_exists="fail" (the default): the table is kept as it was
    with pytest.raises(ValueError, match="already exists"):
        dr.materialize(to.database(id="s", dependencies=["sales"], table_name="sales",
                                   connection=connection))
    dr.materialize(to.database(id="s", dependencies=["sales"], table_name="sales",
                               connection=connection, if_table_exists="append"))
    _, extra = dr.materialize(from_.database(target="sales", query="SELECT * FROM sales",
                                             connection=connection), additional_vars=["sales"])
    assert extra["sales"].height == 6
    connection.close()


def test_a_polars_format_missing_for_a_type_lists_the_formats_that_fit(dr) -> None:
    from dataflow.io import FormatTypeError

    with pytest.raises(FormatTypeError, match=r"'avro' cannot load polars\.LazyFrame; it "
                                              r"handles polars\.DataFrame\. Formats for "
                                              r"polars\.LazyFrame: csv, feather, ipc, literal, "
                                              r"ndjson, parquet, pickle\."):
        dr.materialize(from_.avro(target="lazy_sales", path="x.avro"),
                       additional_vars=["lazy_sales"])


def test_a_polars_loader_without_its_file_is_refused_when_the_materializer_is_made() -> None:
    from dataflow.io import MaterializerError

    with pytest.raises(MaterializerError, match=r"from_.avro\(target='sales'\): the format "
                                                r"'avro' needs the parameters \(path or file\)"):
        from_.avro(target="sales")
    with pytest.raises(MaterializerError, match=r"needs the parameters \(path or file\) or "
                                                r"\(path\)\.$"):
        from_.csv(target="sales")
    from_.csv(target="sales", file="x.csv")  # Hamilton's name is enough


def test_options_are_keyword_only_so_a_positional_one_never_lands_in_another_field() -> None:
    """The readers' options come in an order of their own: given by position, an option is
    refused rather than taken as a different one (``columns`` read as ``n_rows``)."""
    from dataflow.io.polars_formats import PolarsCSVReader, PolarsParquetReader

    assert PolarsParquetReader("a.parquet", columns=["x"]).columns == ["x"]
    for reader in (PolarsParquetReader, PolarsCSVReader):
        with pytest.raises(TypeError, match="positional"):
            reader("a.parquet", None, ["x"])
