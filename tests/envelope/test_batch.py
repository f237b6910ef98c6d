"""Batch inference: chunks give the same predictions as one call, every kind of input and output,
atomic outputs (a failing or killed run leaves the old output), the run recorded on the model."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from dataflow import envelope
from dataflow.cli import main as cli_main
from dataflow.envelope import BatchInputError, InputSchemaError, Registry, Table
from dataflow.errors import DataflowError

from .conftest import both_backends

duckdb = pytest.importorskip("duckdb")


def ltv(frame: pd.DataFrame) -> pd.Series:
    return (frame["spend"] * 3 + frame["visits"]).rename("ltv")


def features(rows: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"customer": np.arange(rows, dtype="int64"),
                         "spend": rng.random(rows), "visits": rng.integers(0, 9, rows)})


def expected(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"customer": frame["customer"].to_numpy(),
                         "ltv": (frame["spend"] * 3 + frame["visits"]).to_numpy()})


@pytest.fixture
def saved(registry: Registry) -> envelope.Envelope:
    return envelope.save_model(ltv, description="lifetime value", api_input=features(20)[
        ["spend", "visits"]], tags={"canonical_name": "client_ltv", "region": "US"},
        registry=registry)


@both_backends
def test_parquet_in_chunks_equals_one_call_and_the_run_is_recorded(
        registry: Registry, saved: envelope.Envelope, tmp_path: Path) -> None:
    frame = features(1000)
    frame.to_parquet(tmp_path / "features.parquet")
    run = envelope.batch_predict("canonical_name=client_ltv region in (US,CA)",
                                 input=tmp_path / "features.parquet",
                                 output=tmp_path / "scores.parquet", chunk_rows=128,
                                 keep_columns=["customer"], registry=registry)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "scores.parquet"), expected(frame))
    assert (run.model_id, run.rows, run.chunks) == (saved.id, 1000, 8)
    assert run.output == str(tmp_path / "scores.parquet")
    recorded = registry.metrics(names=["batch_run"])
    assert len(recorded) == 1
    assert recorded["structured"][0] == run.record()
    assert recorded["structured"][0]["rows"] == 1000
    assert [name for name in os.listdir(tmp_path) if name.startswith(".")] == []


def test_the_latest_matching_model_scores(registry: Registry, saved: envelope.Envelope) -> None:
    def doubled(frame: pd.DataFrame) -> pd.Series:
        return (frame["spend"] * 2).rename("ltv")

    newer = envelope.save_model(doubled, description="2x", api_input=features(5)[["spend"]],
                                tags={"canonical_name": "client_ltv", "region": "CA"},
                                registry=registry)
    frame = features(10)
    us = envelope.batch_predict(canonical_name="client_ltv", region="US", input=frame,
                                registry=registry)
    both = envelope.batch_predict(canonical_name="client_ltv", input=frame, registry=registry)
    assert (us.model_id, both.model_id) == (saved.id, newer.id)
    assert us.predictions is not None and both.predictions is not None
    np.testing.assert_allclose(both.predictions["ltv"], frame["spend"] * 2)
    pinned = envelope.batch_predict(input=frame, model=saved.id, registry=registry)
    pd.testing.assert_frame_equal(pinned.predictions, us.predictions)


@given(rows=st.integers(0, 60), chunk_rows=st.integers(1, 25))
def test_any_chunking_gives_the_predictions_of_one_call(tmp_path_factory: pytest.TempPathFactory,
                                                        rows: int, chunk_rows: int) -> None:
    directory = tmp_path_factory.mktemp("chunks")
    registry = Registry(directory / "registry")
    try:
        envelope.save_model(ltv, description="ltv", api_input=features(3)[["spend", "visits"]],
                            tags={"canonical_name": "ltv"}, registry=registry)
        frame = features(rows, seed=rows)
        run = envelope.batch_predict(canonical_name="ltv", input=frame, chunk_rows=chunk_rows,
                                     keep_columns=["customer"], registry=registry)
        assert run.rows == rows and run.chunks == -(-rows // chunk_rows)
        if rows:
            assert run.predictions is not None
            pd.testing.assert_frame_equal(run.predictions, expected(frame),
                                          check_dtype=False)
        frame.to_csv(directory / "in.csv", index=False)
        envelope.batch_predict(canonical_name="ltv", input=directory / "in.csv",
                               output=directory / "out.csv", chunk_rows=chunk_rows,
                               keep_columns=["customer"], registry=registry)
        written = directory / "out.csv"
        if rows:
            pd.testing.assert_frame_equal(pd.read_csv(written), expected(frame))
        else:  # no rows: the header of the run's columns
            assert written.read_text() == "customer,ltv\n"
    finally:
        registry.close()


def test_duckdb_table_to_a_table_of_the_same_file(registry: Registry, saved: envelope.Envelope,
                                                  tmp_path: Path) -> None:
    frame = features(500)
    database = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(database)) as connection:
        connection.execute("CREATE TABLE features AS SELECT * FROM frame")
        connection.execute("CREATE TABLE scores AS SELECT 1 AS old")
    run = envelope.batch_predict(canonical_name="client_ltv", input=Table(database, "features"),
                                 output=Table(database, "scores"), chunk_rows=64,
                                 keep_columns=["customer"], registry=registry)
    assert (run.rows, run.chunks) == (500, 8)
    with duckdb.connect(str(database), read_only=True) as connection:
        scores = connection.execute("SELECT * FROM scores ORDER BY customer").df()
        tables = {row[0] for row in connection.execute("SHOW TABLES").fetchall()}
    pd.testing.assert_frame_equal(scores, expected(frame), check_dtype=False)
    assert tables == {"features", "scores"}  # the temporary table is gone


def test_an_open_duckdb_connection_works_too(registry: Registry, saved: envelope.Envelope) -> None:
    connection = duckdb.connect()
    frame = features(50)
    connection.execute("CREATE TABLE features AS SELECT * FROM frame")
    envelope.batch_predict(canonical_name="client_ltv", input=Table(connection, "features"),
                           output=Table(connection, "scores"), chunk_rows=7,
                           keep_columns=["customer"], registry=registry)
    scores = connection.execute("SELECT * FROM scores ORDER BY customer").df()
    pd.testing.assert_frame_equal(scores, expected(frame), check_dtype=False)
    connection.close()


def failing_on_the_third_chunk() -> object:
    calls = {"n": 0}

    def model(frame: pd.DataFrame) -> pd.Series:
        calls["n"] += 1
        if calls["n"] == 4:  # save_model's own call, then chunks 1, 2, 3
            raise RuntimeError("feature store timed out")
        return frame["spend"].rename("ltv")
    return model


def test_a_failing_run_leaves_the_old_outputs(registry: Registry, tmp_path: Path) -> None:
    envelope.save_model(failing_on_the_third_chunk(), description="flaky",
                        api_input=features(3)[["spend"]], tags={"canonical_name": "flaky"},
                        registry=registry)
    frame = features(100)
    (tmp_path / "scores.csv").write_text("old\n")
    with pytest.raises(RuntimeError, match="feature store timed out"):
        envelope.batch_predict(canonical_name="flaky", input=frame,
                               output=tmp_path / "scores.csv", chunk_rows=10, registry=registry)
    assert (tmp_path / "scores.csv").read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["artifacts", "registry", "scores.csv"]
    database = tmp_path / "w.duckdb"
    with duckdb.connect(str(database)) as connection:
        connection.execute("CREATE TABLE scores AS SELECT 1 AS old")
    registry.add_tags(1, canonical_name="flaky2")
    with pytest.raises(RuntimeError, match="feature store timed out"):
        # the model object was loaded afresh: its counter starts again at 0
        envelope.batch_predict(canonical_name="flaky2", input=features(100),
                               output=Table(database, "scores"), chunk_rows=10,
                               registry=registry)
    with duckdb.connect(str(database), read_only=True) as connection:
        assert connection.execute("SELECT * FROM scores").fetchall() == [(1,)]
        assert [r[0] for r in connection.execute("SHOW TABLES").fetchall()] == ["scores"]
    assert registry.metrics(names=["batch_run"]).empty  # a failed run is not recorded as run


KILLED_RUN = textwrap.dedent("""
    import sys, time
    import pandas as pd
    from dataflow import envelope

    registry = envelope.Registry(sys.argv[1])
    def slow(frame):
        if frame["customer"].iloc[0] >= 200:  # the third chunk: say so, then hang
            print("writing", flush=True)
            time.sleep(60)
        return frame["spend"].rename("ltv")
    envelope.save_model(slow, description="slow", tags={"canonical_name": "slow"},
                        api_input=pd.DataFrame({"customer": [0], "spend": [1.0]}),
                        registry=registry)
    envelope.batch_predict(canonical_name="slow", input=sys.argv[2], output=sys.argv[3],
                           chunk_rows=100, registry=registry)
""")


def test_a_killed_run_leaves_the_old_output(tmp_path: Path) -> None:
    features(1000).to_parquet(tmp_path / "in.parquet")
    features(3).to_parquet(tmp_path / "scores.parquet")
    before = (tmp_path / "scores.parquet").read_bytes()
    process = subprocess.Popen(
        [sys.executable, "-c", KILLED_RUN, str(tmp_path / "registry"),
         str(tmp_path / "in.parquet"), str(tmp_path / "scores.parquet")],
        stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])})
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "writing"
    time.sleep(0.2)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert (tmp_path / "scores.parquet").read_bytes() == before
    pd.read_parquet(tmp_path / "scores.parquet")  # still a whole file


def test_missing_columns_are_named_with_a_did_you_mean_before_anything_runs(
        registry: Registry, saved: envelope.Envelope, tmp_path: Path) -> None:
    features(10).rename(columns={"spend": "spnd"}).to_parquet(tmp_path / "in.parquet")
    with pytest.raises(InputSchemaError) as caught:
        envelope.batch_predict(canonical_name="client_ltv", input=tmp_path / "in.parquet",
                               output=tmp_path / "out.parquet", keep_columns=["custmer"],
                               registry=registry)
    message = str(caught.value)
    assert "'spend' (the model's input) — did you mean 'spnd'?" in message
    assert "'custmer' (keep_columns) — did you mean 'customer'?" in message
    assert not (tmp_path / "out.parquet").exists()
    assert registry.metrics(names=["batch_run"]).empty


def test_a_mistyped_column_is_named(registry: Registry, saved: envelope.Envelope) -> None:
    frame = features(10).assign(visits=lambda f: f["visits"].map(str))
    with pytest.raises(InputSchemaError, match="column 'visits' is (object|str), expected int64"):
        envelope.batch_predict(canonical_name="client_ltv", input=frame, registry=registry)


def test_bad_requests_are_refused_clearly(registry: Registry, saved: envelope.Envelope,
                                          tmp_path: Path) -> None:
    frame = features(5)
    with pytest.raises(DataflowError, match="no model matches 'canonical_name=client_lt' in .*: "
                       "no model has canonical_name=client_lt \\(did you mean 'client_ltv'\\?\\)"):
        envelope.batch_predict(canonical_name="client_lt", input=frame, registry=registry)
    with pytest.raises(DataflowError, match="no model has a tag 'regoin' \\(did you mean "
                       "'region'\\?\\)"):
        envelope.batch_predict(canonical_name="client_ltv", regoin="US", input=frame,
                               registry=registry)
    envelope.save_model(ltv, description="other", api_input=features(3)[["spend", "visits"]],
                        tags={"canonical_name": "other", "region": "CA"}, registry=registry)
    # each clause matches models, only not together
    with pytest.raises(DataflowError, match="matches 'canonical_name=client_ltv region=CA'"
                       " in Registry\\(.*'\\)\\.$"):
        envelope.batch_predict(canonical_name="client_ltv", region="CA", input=frame,
                               registry=registry)
    with pytest.raises(DataflowError, match="give a tag query"):
        envelope.batch_predict(input=frame, registry=registry)
    with pytest.raises(DataflowError, match="chunk_rows must be a positive int"):
        envelope.batch_predict(canonical_name="client_ltv", input=frame, chunk_rows=0,
                               registry=registry)
    with pytest.raises(BatchInputError, match=r"input files are \.parquet or \.csv"):
        envelope.batch_predict(canonical_name="client_ltv", input=tmp_path / "in.json",
                               registry=registry)
    with pytest.raises(BatchInputError, match="does not exist"):
        envelope.batch_predict(canonical_name="client_ltv", input=tmp_path / "in.parquet",
                               registry=registry)
    with pytest.raises(BatchInputError, match=r"output files are \.parquet or \.csv"):
        envelope.batch_predict(canonical_name="client_ltv", input=frame,
                               output=tmp_path / "out.xlsx", registry=registry)
    with pytest.raises(BatchInputError, match="no table 'feats'"):
        with duckdb.connect(str(tmp_path / "w.duckdb")):
            pass
        envelope.batch_predict(canonical_name="client_ltv",
                               input=Table(tmp_path / "w.duckdb", "feats"), registry=registry)
    with pytest.raises(DataflowError, match="clash with the model's output columns"):
        envelope.batch_predict(canonical_name="client_ltv", input=frame.assign(ltv=1.0),
                               keep_columns=["ltv"], registry=registry)


def test_no_input_rows_give_a_readable_empty_parquet_file(
        registry: Registry, saved: envelope.Envelope, tmp_path: Path) -> None:
    out = tmp_path / "scores.parquet"
    run = envelope.batch_predict(canonical_name="client_ltv", input=features(0), output=out,
                                 keep_columns=["customer"], registry=registry)
    assert run.rows == 0
    written = pd.read_parquet(out)
    assert len(written) == 0
    assert dict(written.dtypes.astype(str)) == {"customer": "object", "ltv": "float64"}


def test_no_input_rows_give_a_csv_file_with_the_header_of_the_run_s_columns(
        registry: Registry, saved: envelope.Envelope, tmp_path: Path) -> None:
    features(0).to_csv(tmp_path / "empty.csv", index=False)
    for source in (features(0), tmp_path / "empty.csv"):
        out = tmp_path / "scores.csv"
        run = envelope.batch_predict(canonical_name="client_ltv", input=source, output=out,
                                     keep_columns=["customer"], registry=registry)
        assert run.rows == 0
        assert out.read_text().splitlines() == ["customer,ltv"]
        assert list(pd.read_csv(out).columns) == ["customer", "ltv"]
    envelope.batch_predict(canonical_name="client_ltv", input=features(0), output=out,
                           registry=registry)
    assert out.read_text().splitlines() == ["ltv"]  # the output schema the envelope records


def test_no_input_rows_give_an_empty_frame_of_the_run_s_columns(
        registry: Registry, saved: envelope.Envelope) -> None:
    run = envelope.batch_predict(canonical_name="client_ltv", input=features(0),
                                 keep_columns=["customer"], registry=registry)
    assert run.predictions is not None
    assert list(run.predictions.columns) == ["customer", "ltv"] and run.predictions.empty


def test_decimal_columns_score_as_the_floats_the_model_was_saved_with(
        registry: Registry, saved: envelope.Envelope, tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    database = tmp_path / "in.duckdb"
    with duckdb.connect(str(database)) as connection:  # 1.5 is a DECIMAL in DuckDB
        connection.execute("CREATE TABLE features AS SELECT 1.5 AS spend, 2 AS visits "
                           "UNION ALL SELECT 0.25, 1")
    run = envelope.batch_predict(canonical_name="client_ltv", input=Table(database, "features"),
                                 registry=registry)
    assert run.predictions is not None
    assert run.predictions["ltv"].tolist() == [6.5, 1.75]
    pq.write_table(pa.table({"spend": pa.array([1.5, 0.25]).cast(pa.decimal128(5, 2)),
                             "visits": [2, 1]}), tmp_path / "in.parquet")
    run = envelope.batch_predict(canonical_name="client_ltv", input=tmp_path / "in.parquet",
                                 registry=registry)
    assert run.predictions is not None
    assert run.predictions["ltv"].tolist() == [6.5, 1.75]


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="lists open files by /proc")
def test_a_run_refused_before_reading_closes_its_parquet_input(
        registry: Registry, saved: envelope.Envelope, tmp_path: Path) -> None:
    features(3).rename(columns={"visits": "visit"}).to_parquet(tmp_path / "in.parquet")
    with pytest.raises(InputSchemaError) as refused:
        envelope.batch_predict(canonical_name="client_ltv", input=tmp_path / "in.parquet",
                               registry=registry)
    assert refused.value is not None  # the failure (and its traceback's frames) still held
    opened = [os.path.realpath(f"/proc/self/fd/{fd}") for fd in os.listdir("/proc/self/fd")]
    assert str((tmp_path / "in.parquet").resolve()) not in opened


def test_keep_columns_given_as_one_string_is_refused_naming_the_fix(
        registry: Registry, saved: envelope.Envelope) -> None:
    with pytest.raises(DataflowError, match=r"write keep_columns=\['customer'\]"):
        envelope.batch_predict(canonical_name="client_ltv", input=features(3),
                               keep_columns="customer", registry=registry)


def test_a_model_that_does_not_return_a_row_per_input_row_is_refused(
        registry: Registry, tmp_path: Path) -> None:
    envelope.save_model(lambda frame: frame["spend"].head(1), description="first only",
                        api_input=features(1)[["spend"]], tags={"canonical_name": "head"},
                        registry=registry)
    with pytest.raises(DataflowError, match=r"returned 1 row\(s\) for a chunk of 4"):
        envelope.batch_predict(canonical_name="head", input=features(4), chunk_rows=4,
                               output=tmp_path / "out.parquet", registry=registry)
    assert not (tmp_path / "out.parquet").exists()


def test_later_chunks_keep_the_first_chunks_column_types(registry: Registry,
                                                         tmp_path: Path) -> None:
    def halves(frame: pd.DataFrame) -> pd.Series:
        # whole numbers as int64; a chunk with customer 7 gets a missing value (floats),
        # one with customer 12 a fraction
        visits = frame["visits"].astype("float64").where(frame["customer"] != 7)
        visits[frame["customer"] == 12] = 0.5
        return (visits.astype("int64") if visits.notna().all() and (visits % 1 == 0).all()
                else visits).rename("visits")

    envelope.save_model(halves, description="halves", api_input=features(3),
                        tags={"canonical_name": "halves"}, registry=registry)
    frame = features(10)
    envelope.batch_predict(canonical_name="halves", input=frame, chunk_rows=5,
                           output=tmp_path / "out.parquet", registry=registry)
    written = pd.read_parquet(tmp_path / "out.parquet", dtype_backend="numpy_nullable")
    assert str(written["visits"].dtype) == "Int64"  # the first chunk's type, with a null
    assert written["visits"].isna().tolist() == [i == 7 for i in range(10)]
    with pytest.raises(BatchInputError, match="do not fit the first chunk's"):
        envelope.batch_predict(canonical_name="halves", input=features(15), chunk_rows=5,
                               output=tmp_path / "out2.parquet", registry=registry)
    assert not (tmp_path / "out2.parquet").exists()


def test_a_duckdb_table_never_rounds_a_later_chunk_into_the_first_chunks_ints(
        registry: Registry, tmp_path: Path) -> None:
    def whole_or_not(frame: pd.DataFrame) -> pd.Series:
        values = frame["spend"]
        return (values.astype("int64") if (values % 1 == 0).all() else values).rename("y")

    envelope.save_model(whole_or_not, description="whole or not", api_input=pd.DataFrame(
        {"spend": [1.0, 2.0]}), tags={"canonical_name": "whole"}, registry=registry)
    database = tmp_path / "out.duckdb"
    with pytest.raises(BatchInputError, match="do not fit the first chunk's"):
        envelope.batch_predict(canonical_name="whole", input=pd.DataFrame(
            {"spend": [1.0, 2.0, 0.5, 2.5]}), chunk_rows=2, output=Table(database, "scores"),
            registry=registry)
    with duckdb.connect(str(database)) as connection:
        assert connection.sql("SELECT table_name FROM information_schema.tables").fetchall() \
            == []


def test_csv_chunks_are_read_in_the_models_types_not_guessed_per_chunk(
        registry: Registry, tmp_path: Path) -> None:
    def coded(frame: pd.DataFrame) -> pd.Series:
        return (frame["spend"] * 3).where(frame["code"].str.startswith("A"), 0.0).rename("y")

    envelope.save_model(coded, description="coded", api_input=pd.DataFrame(
        {"spend": [1.5, 2.0], "code": ["A1", "B"]}), tags={"canonical_name": "coded"},
        registry=registry)
    # the first chunk's spend looks like ints, the second chunk's codes like numbers
    (tmp_path / "in.csv").write_text("spend,code\n1,A1\n2,B2\n0.5,007\n2.5,12\n")
    run = envelope.batch_predict(canonical_name="coded", input=tmp_path / "in.csv",
                                 chunk_rows=2, output=tmp_path / "out.parquet",
                                 registry=registry)
    assert run.rows == 4
    assert pd.read_parquet(tmp_path / "out.parquet")["y"].tolist() == [3.0, 0.0, 0.0, 0.0]
    (tmp_path / "bad.csv").write_text("spend,code\n1,A1\n2,B2\nten,A3\n")
    with pytest.raises(InputSchemaError, match=r"bad.csv, after row 2: a value of the "
                       r"column\(s\) \['spend'\], which the model takes as numbers, is not a "
                       "number: could not convert string to float: 'ten'"):
        envelope.batch_predict(canonical_name="coded", input=tmp_path / "bad.csv",
                               chunk_rows=2, output=tmp_path / "bad.parquet", registry=registry)


def test_a_pinned_model_the_query_does_not_select_is_refused(
        registry: Registry, saved: envelope.Envelope) -> None:
    other = envelope.save_model(ltv, description="other", api_input=features(3)[
        ["spend", "visits"]], tags={"canonical_name": "other"}, registry=registry)
    frame = features(4)
    with pytest.raises(DataflowError, match=f"model {other.id} does not match the query "
                                            "'canonical_name=client_ltv'"):
        envelope.batch_predict(canonical_name="client_ltv", model=other.id, input=frame,
                               registry=registry)
    assert registry.metrics(names=["batch_run"]).empty  # nothing ran, nothing logged
    run = envelope.batch_predict(canonical_name="client_ltv", model=saved.id, input=frame,
                                 registry=registry)
    assert (run.model_id, run.query) == (saved.id, "canonical_name=client_ltv")


def test_progress_bar_on_request(registry: Registry, saved: envelope.Envelope,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("tqdm")
    envelope.batch_predict(canonical_name="client_ltv", input=features(30), chunk_rows=10,
                           progress=True, registry=registry)
    assert "batch_predict" in capsys.readouterr().err
    envelope.batch_predict(canonical_name="client_ltv", input=features(30), chunk_rows=10,
                           progress=False, registry=registry)
    assert capsys.readouterr().err == ""


def test_command_line(registry_location: tuple[str, str], tmp_path: Path) -> None:
    url, artifacts = registry_location
    registry = Registry(url, artifacts=artifacts)
    envelope.save_model(ltv, description="ltv", api_input=features(3)[["spend", "visits"]],
                        tags={"canonical_name": "client_ltv"}, registry=registry)
    frame = features(40)
    database = tmp_path / "w.duckdb"
    with duckdb.connect(str(database)) as connection:
        connection.execute("CREATE TABLE features AS SELECT * FROM frame")
    runner = CliRunner()
    result = runner.invoke(cli_main, [
        "models", "batch", "canonical_name=client_ltv", "--input", f"{database}::features",
        "--output", str(tmp_path / "scores.csv"), "--keep", "customer", "--chunk-rows", "16",
        "--registry", url, "--artifacts", artifacts])
    assert result.exit_code == 0, result.output
    assert '"rows": 40' in result.output and '"chunks": 3' in result.output
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "scores.csv"), expected(frame))
    result = runner.invoke(cli_main, [
        "models", "batch", "canonical_name=client_ltv region in (US", "--input",
        f"{database}::features", "--output", str(tmp_path / "x.csv"), "--registry", url])
    assert result.exit_code == 1
    assert "expected ',' or ')'" in result.output and "Traceback" not in result.output
    result = runner.invoke(cli_main, ["models", "batch", "--input", "a.csv", "--output",
                                      "b.csv", "--registry", url])
    assert result.exit_code == 1 and "give a tag QUERY" in result.output
    registry.close()
