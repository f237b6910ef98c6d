"""The registry on SQLite and on a real PostgreSQL server: tag queries, loading with schema
checks, tags added later with their history, metrics."""

from __future__ import annotations

import datetime as dt
import json
import time

import numpy as np
import pandas as pd
import pytest

from dataflow import envelope
from dataflow.envelope import (
    InputSchemaError,
    ModelNotFoundError,
    QuerySyntaxError,
    Registry,
    save_model,
)
from dataflow.envelope.database import ENGINES
from tests.envelope.conftest import both_backends

FRAME = pd.DataFrame({"spend": [1.0, 2.5, 4.0], "visits": [1, 3, 5],
                      "country": ["US", "CA", "US"]})


def ltv(frame: pd.DataFrame) -> pd.Series:
    return (frame["spend"] * 3 + frame["visits"]).rename("ltv")


def _save(registry: Registry, **tags: str) -> envelope.Envelope:
    return save_model(ltv, description="lifetime value", tags=tags, api_input=FRAME,
                      registry=registry)


@both_backends
def test_find_ands_across_tags_and_ors_inside_a_list(registry: Registry) -> None:
    us = _save(registry, canonical_name="client_ltv", region="US")
    ca = _save(registry, canonical_name="client_ltv", region="CA")
    _save(registry, canonical_name="churn", region="US")
    mx = _save(registry, canonical_name="client_ltv", region="MX")

    found = registry.find(canonical_name="client_ltv", region=["US", "CA"])
    assert [r.id for r in found] == [ca.id, us.id]  # newest first
    assert found[0].tags == {"canonical_name": "client_ltv", "region": "CA"}
    assert found[0].description == "lifetime value"
    assert found[0].created_at.tzinfo is dt.timezone.utc
    assert [r.id for r in registry.find("canonical_name=client_ltv region in (US,CA)")] == \
        [ca.id, us.id]
    assert [r.id for r in registry.find({"canonical_name": "client_ltv"}, latest=True)] == \
        [mx.id]
    assert len(registry.find()) == 4
    assert registry.find(canonical_name="nothing") == []
    # a string query and keywords together: all must hold
    assert [r.id for r in registry.find("canonical_name=client_ltv", region="US")] == [us.id]


@both_backends
def test_load_behaves_as_the_saved_model_and_checks_its_input(registry: Registry) -> None:
    saved = _save(registry, canonical_name="client_ltv")
    model = registry.load(saved.id)
    new = pd.DataFrame({"country": ["US"], "visits": [2], "spend": [10.0], "extra": [0]})
    pd.testing.assert_series_equal(model(new), ltv(new[["spend", "visits", "country"]]))
    assert model.predict(new).tolist() == [32.0]
    assert model({"spend": [1.0], "visits": [1], "country": ["US"]}).tolist() == [4.0]

    with pytest.raises(InputSchemaError) as missing:
        model(pd.DataFrame({"spnd": [1.0], "visits": [1], "country": ["US"]}))
    assert "column 'spend' (float64) is missing (did you mean 'spnd'?)" in str(missing.value)
    with pytest.raises(InputSchemaError) as mistyped:
        model(pd.DataFrame({"spend": ["ten"], "visits": [1], "country": ["US"]}))
    assert "column 'spend' is " in str(mistyped.value)
    assert "expected float64" in str(mistyped.value)
    with pytest.raises(InputSchemaError, match="takes a pandas DataFrame"):
        model(42)
    # an int column where floats were saved is fine (numbers stand for numbers)
    assert model(pd.DataFrame({"spend": [1], "visits": [1], "country": ["US"]})).tolist() == [4.0]


def test_a_needed_column_given_twice_is_refused_by_name(registry: Registry) -> None:
    model = registry.load(_save(registry, canonical_name="client_ltv").id)
    twice = pd.DataFrame([[1.0, 5.0, 1, "US"]], columns=["spend", "spend", "visits", "country"])
    with pytest.raises(InputSchemaError, match="column 'spend' appears 2 times"):
        model(twice)
    # a label that reads as the same name (1 and "1") is the same column to the schema
    saved = save_model(lambda frame: frame["1"] * 2, description="doubles column 1",
                       api_input=pd.DataFrame({"1": [1.0]}), registry=registry)
    with pytest.raises(InputSchemaError, match="column '1' appears 2 times"):
        registry.load(saved.id)(pd.DataFrame([[1.0, 7.0]], columns=[1, "1"]))


def test_a_dict_that_is_not_a_table_is_refused_saying_how_to_give_one_row(
        registry: Registry) -> None:
    model = registry.load(_save(registry, canonical_name="client_ltv").id)
    with pytest.raises(InputSchemaError, match=r"not a table .*one row as a list of one dict"):
        model({"spend": 1.0, "visits": 1, "country": "US"})
    assert model([{"spend": 1.0, "visits": 1, "country": "US"}]).tolist() == [4.0]


def test_as_of_a_date_is_refused_asking_for_a_moment(registry: Registry) -> None:
    _save(registry, canonical_name="client_ltv")
    with pytest.raises(TypeError, match=r"as_of is a datetime .* not a date"):
        registry.find(canonical_name="client_ltv", as_of=dt.date(2026, 1, 31))


@both_backends
def test_get_returns_what_was_derived_at_save_time(registry: Registry) -> None:
    saved = _save(registry, canonical_name="client_ltv")
    got = registry.get(saved.id)
    assert got == saved
    assert got.input_schema == {"spend": "float64", "visits": "int64",
                                "country": str(FRAME["country"].dtype)}
    assert got.output_kind == "series" and got.output_schema == {"ltv": "float64"}
    assert got.input_stats["spend"] == {"dtype": "float64", "count": 3, "nulls": 0, "min": 1.0,
                                        "max": 4.0, "mean": 2.5}
    assert got.input_stats["country"]["top"] == {"US": 2, "CA": 1}
    assert got.output_stats["ltv"]["max"] == 17.0


@both_backends
def test_unknown_model_is_named(registry: Registry) -> None:
    _save(registry)
    with pytest.raises(ModelNotFoundError, match=r"no model 99 in Registry\(.*ids run from 1"):
        registry.get(99)
    with pytest.raises(ModelNotFoundError):
        registry.add_tags(99, passes_tests="true")
    with pytest.raises(ModelNotFoundError):
        registry.log_metrics(99, loss=1.0)


@both_backends
def test_tags_added_later_keep_history_and_answer_as_of(registry: Registry) -> None:
    first = _save(registry, canonical_name="client_ltv")
    second = _save(registry, canonical_name="client_ltv")
    before_ci = dt.datetime.now(dt.timezone.utc)
    time.sleep(0.01)
    registry.add_tags(first.id, passes_tests="true")
    after_first = dt.datetime.now(dt.timezone.utc)
    time.sleep(0.01)
    registry.add_tags(second.id, passes_tests="true")
    registry.add_tags(first.id, passes_tests="false")  # a later CI run fails it
    after_all = dt.datetime.now(dt.timezone.utc)

    query = "canonical_name=client_ltv passes_tests=true"
    assert registry.find(query, as_of=before_ci) == []
    at_first = registry.find(query, as_of=after_first)
    assert [r.id for r in at_first] == [first.id]
    assert at_first[0].tags == {"canonical_name": "client_ltv", "passes_tests": "true"}
    assert [r.id for r in registry.find(query, as_of=after_all)] == [second.id]
    assert [r.id for r in registry.find(query)] == [second.id]
    # a naive datetime is local time, as datetime.astimezone() reads it
    naive_local = after_first.astimezone().replace(tzinfo=None)
    assert [r.id for r in registry.find(query, as_of=naive_local)] == [first.id]
    # before a model existed, no query selects it
    assert registry.find(as_of=first.created_at - dt.timedelta(seconds=1)) == []

    history = registry.tag_history(first.id)
    assert [(k, v) for k, v, _ in history] == [
        ("canonical_name", "client_ltv"), ("passes_tests", "true"), ("passes_tests", "false")]
    assert registry.get(first.id).tags == {"canonical_name": "client_ltv",
                                           "passes_tests": "false"}


@both_backends
def test_metrics_are_a_tidy_frame_with_tags(registry: Registry) -> None:
    us = _save(registry, canonical_name="client_ltv", region="US")
    ca = _save(registry, canonical_name="client_ltv", region="CA")
    _save(registry, canonical_name="churn")
    envelope.log_metrics(us, training_loss=0.12, roc_curve={"fpr": [0, 0.5, 1],
                                                            "tpr": [0, 0.8, 1]})
    envelope.log_metrics(ca.id, registry=registry, training_loss=np.float64(0.2),
                         confusion=np.array([[5, 1], [2, 7]]))
    us.log_metrics(training_loss=0.1)

    frame = registry.metrics(canonical_name="client_ltv", names=["training_loss"])
    assert list(frame.columns) == ["model_id", "name", "value", "structured", "logged_at",
                                   "tag.canonical_name", "tag.region"]
    assert frame[["model_id", "value", "tag.region"]].values.tolist() == [
        [us.id, 0.12, "US"], [us.id, 0.1, "US"], [ca.id, 0.2, "CA"]]
    assert str(frame["logged_at"].dtype).startswith("datetime64")
    assert frame["logged_at"].dt.tz is not None

    structured = registry.metrics("canonical_name=client_ltv", names=["roc_curve", "confusion"])
    assert structured["name"].tolist() == ["roc_curve", "confusion"]
    assert structured["structured"].tolist() == [{"fpr": [0, 0.5, 1], "tpr": [0, 0.8, 1]},
                                                 [[5, 1], [2, 7]]]
    assert structured["value"].isna().all()
    assert registry.metrics(canonical_name="nothing").empty


def test_metrics_refuse_what_json_cannot_hold(registry: Registry) -> None:
    saved = _save(registry)
    with pytest.raises(ValueError, match=r"log_metrics\(1, model=...\): an object is neither"):
        registry.log_metrics(saved.id, model=object())


def test_query_errors_reach_find(registry: Registry) -> None:
    with pytest.raises(QuerySyntaxError, match="character 11: expected '=' or 'in'"):
        registry.find("region=US oops")
    with pytest.raises(ValueError, match=r"tags are strings and True is a bool; write "
                                         r"passes_tests='true'"):
        registry.find(passes_tests=True)


def test_directory_and_environment_variable_locations(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("DATAFLOW_REGISTRY", str(tmp_path / "from_env"))
    saved = save_model(ltv, description="d", api_input=FRAME)  # the default registry
    assert (tmp_path / "from_env" / "registry.db").exists()
    assert Registry().get(saved.id) == saved
    assert Registry(tmp_path / "from_env").find()[0].id == saved.id
    with pytest.raises(ValueError, match="a database URL needs artifacts="):
        Registry("postgresql+psycopg://nobody@127.0.0.1/none")
    # a database URL in the environment, its artifacts beside it
    monkeypatch.setenv("DATAFLOW_REGISTRY", f"sqlite:///{tmp_path / 'url.db'}")
    monkeypatch.setenv("DATAFLOW_REGISTRY_ARTIFACTS", str(tmp_path / "shared-models"))
    with Registry() as registry:
        assert registry.artifacts.url == str(tmp_path / "shared-models")
        assert registry.find() == []
    assert registry.url not in ENGINES  # closed
    assert registry.find() == []  # and opened again on use


@both_backends
def test_revision_grows_with_every_save_and_tag(registry: Registry) -> None:
    start = registry.revision()
    saved = save_model(ltv, description="untagged", api_input=FRAME, registry=registry)
    after_save = registry.revision()
    registry.add_tags(saved.id, passes_tests="true")
    after_tag = registry.revision()
    registry.log_metrics(saved.id, loss=1.0)  # metrics do not change what queries select
    assert start < after_save < after_tag == registry.revision()


def test_columns_that_are_not_strings_keep_their_labels(registry: Registry) -> None:
    def first_column(frame: pd.DataFrame) -> pd.Series:
        return frame[0] + frame[1]

    frame = pd.DataFrame({0: [1.0, 2.0], 1: [3.0, 4.0]})
    saved = save_model(first_column, description="by position", api_input=frame,
                       registry=registry)
    assert saved.input_schema == {"0": "float64", "1": "float64"}
    model = registry.load(saved.id)
    assert model(pd.DataFrame({1: [1.0], 0: [2.0]})).tolist() == [3.0]
    with pytest.raises(InputSchemaError, match="column '1' .* is missing"):
        model(pd.DataFrame({0: [2.0]}))


def test_overlong_tags_are_refused(registry: Registry) -> None:
    with pytest.raises(ValueError, match="is too long: keys hold up to 200 characters and "
                                         "values up to 1000"):
        _save(registry, note="x" * 1001)


@pytest.mark.parametrize("spelling", ["registry", "sqlite:///registry.db"])
def test_a_relative_location_is_the_one_in_the_current_directory(tmp_path, monkeypatch,
                                                                  spelling) -> None:
    # engines are cached per URL: a relative location opened in one directory must not serve,
    # through its pooled connections, a registry of the same name opened in another one
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    artifacts = "artifacts" if "://" in spelling else None  # relative too: made absolute
    monkeypatch.chdir(first)
    with Registry(spelling, artifacts=artifacts) as in_first:
        saved = _save(in_first, canonical_name="in_first")
        monkeypatch.chdir(second)
        with Registry(spelling, artifacts=artifacts) as in_second:
            assert in_second.find() == []
            _save(in_second, canonical_name="in_second")
            if "://" in spelling:
                assert in_second.url == f"sqlite:///{second / 'registry.db'}"
                assert in_second.artifacts.url == str(second / "artifacts")
            else:
                assert (second / "registry" / "registry.db").exists()
                assert in_second.artifacts.url == str(second / "registry" / "artifacts")
        assert [r.id for r in in_first.find()] == [saved.id]  # still its own database
        in_first.load(saved.id)  # and its own model files
    monkeypatch.chdir(first)
    with Registry(spelling, artifacts=artifacts) as again:
        assert [r.tags for r in again.find()] == [{"canonical_name": "in_first"}]
        assert str(first) in again.url


@both_backends
def test_remove_tags_is_atomic_kept_in_the_history_and_answers_as_of(registry: Registry
                                                                      ) -> None:
    model = _save(registry, canonical_name="client_ltv", passes_tests="true", stage="prod")
    start = registry.revision()
    tagged = dt.datetime.now(dt.timezone.utc)
    time.sleep(0.01)
    with pytest.raises(ValueError, match=r"model 1 has no tag 'stag' \(did you mean 'stage'\?\)"
                                         r".*Nothing was removed"):
        registry.remove_tags(model, "passes_tests", "stag")
    assert registry.get(model).tags == {"canonical_name": "client_ltv",
                                        "passes_tests": "true", "stage": "prod"}
    registry.remove_tags(model.id, "passes_tests", "stage")
    assert registry.get(model).tags == {"canonical_name": "client_ltv"}
    assert registry.revision() > start  # a service selecting by these tags looks again
    assert registry.find("passes_tests=true") == []
    assert [r.id for r in registry.find(canonical_name="client_ltv")] == [model.id]
    # the history keeps the removal; as_of answers with the tags the model had then
    assert [(k, v) for k, v, _ in registry.tag_history(model)][-2:] == [
        ("passes_tests", None), ("stage", None)]
    then = registry.find("passes_tests=true", as_of=tagged)
    assert [r.id for r in then] == [model.id] and then[0].tags["stage"] == "prod"
    now = dt.datetime.now(dt.timezone.utc)
    assert registry.find("passes_tests=true", as_of=now) == []
    assert registry.find(canonical_name="client_ltv", as_of=now)[0].tags == {
        "canonical_name": "client_ltv"}
    registry.add_tags(model, stage="staging")  # and a removed tag can be set again
    assert registry.get(model).tags["stage"] == "staging"
    with pytest.raises(ModelNotFoundError):
        registry.remove_tags(99, "stage")
    with pytest.raises(ValueError, match="name the tags to remove"):
        registry.remove_tags(model)


def test_the_command_line_tags_and_untags(registry: Registry) -> None:
    from click.testing import CliRunner

    from dataflow.cli import main as cli_main

    model = _save(registry, canonical_name="client_ltv")
    location = ["--registry", registry.url, "--artifacts", registry.artifacts.url]
    runner = CliRunner()
    done = runner.invoke(cli_main, ["models", "tag", str(model.id), "passes_tests=true",
                                    "stage=prod", *location])
    assert done.exit_code == 0, done.output
    assert json.loads(done.output) == {"id": 1, "tags": {
        "canonical_name": "client_ltv", "passes_tests": "true", "stage": "prod"}}
    done = runner.invoke(cli_main, ["models", "untag", "1", "stage", "passes_tests", *location])
    assert done.exit_code == 0, done.output
    assert json.loads(done.output) == {"id": 1, "tags": {"canonical_name": "client_ltv"}}
    done = runner.invoke(cli_main, ["models", "untag", "1", "stage", *location])
    assert done.exit_code != 0 and "model 1 has no tag 'stage'" in done.output
    done = runner.invoke(cli_main, ["models", "tag", "1", "stage", *location])
    assert done.exit_code != 0 and "write KEY=VALUE" in done.output
