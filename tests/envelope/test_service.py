"""Deployment rules and ``dataflow models serve``: the real server (uvicorn) on 127.0.0.1, called
over HTTP with httpx."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

pytest.importorskip("fastapi", reason="the serve extra (pip install '.[serve]')")
import httpx  # noqa: E402
import uvicorn  # noqa: E402

from dataflow import envelope  # noqa: E402
from dataflow.envelope import Registry, RuleError  # noqa: E402
from dataflow.envelope.service import ModelService  # noqa: E402
from tests.envelope.conftest import both_backends  # noqa: E402

FEATURES = pd.DataFrame({"spend": [10.0, 20.5, 3.0], "visits": [1, 4, 2],
                         "region": ["US", "CA", "US"]})
ROOT = Path(__file__).resolve().parents[2]


def ltv_3x(frame: pd.DataFrame) -> pd.Series:
    return frame["spend"] * 3 + frame["visits"]


def ltv_4x(frame: pd.DataFrame) -> pd.Series:
    return frame["spend"] * 4 + frame["visits"]


def save(registry: Registry, model: Callable[..., Any] = ltv_3x, **tags: str) -> Any:
    return envelope.save_model(model, "client lifetime value",
                               {"canonical_name": "client_ltv", **tags}, api_input=FEATURES,
                               registry=registry)


def save_standalone(registry: Registry) -> Any:
    """A model whose code is saved by value (defined here, not importable), needing only
    pandas: what an exported service can run without this test module."""

    def ltv(frame: pd.DataFrame) -> pd.Series:
        return frame["spend"] * 3 + frame["visits"]

    return save(registry, ltv, passes_tests="true")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running(registry: Registry, poll_interval: float = 0.05) -> Iterator[httpx.Client]:
    """``dataflow models serve``'s app under a real uvicorn on a free port, in a thread."""
    service = ModelService(registry, poll_interval)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(service.app, host="127.0.0.1", port=port,
                                          log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.01)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=20) as client:
            yield client
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        service.stop()


def wait_for(condition: Callable[[], bool], seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_predictions_equal_the_loaded_models(registry: Registry) -> None:
    saved = save(registry, passes_tests="true")
    envelope.deploy("client_ltv", query="canonical_name=client_ltv",
                    require={"passes_tests": "true"}, registry=registry)
    expected = registry.load(saved.id)(FEATURES).tolist()
    with running(registry) as client:
        by_rows = client.post("/client_ltv", json={"records": FEATURES.to_dict("records")})
        by_columns = client.post("/client_ltv", json={"columns": FEATURES.to_dict("list")})
        assert by_rows.status_code == by_columns.status_code == 200, by_rows.text
        bare = client.post("/client_ltv", json=FEATURES.to_dict("records"))
        assert by_rows.json() == by_columns.json() == bare.json() == {
            "model_id": saved.id, "predictions": expected}
        # integers for a float column are fine; extra columns are ignored
        one = client.post("/client_ltv", json={"records": [
            {"spend": 2, "visits": 1, "region": "US", "customer": "c-1"}]})
        assert one.json()["predictions"] == [7.0]


def test_a_frame_returning_model_answers_rows(registry: Registry) -> None:
    def scores(frame: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame({"ltv": frame["spend"] * 2, "churn": frame["visits"] < 2})

    saved = envelope.save_model(scores, "ltv and churn", {"canonical_name": "scores"},
                                api_input=FEATURES, registry=registry)
    envelope.deploy("scores", query="canonical_name=scores", registry=registry)
    with running(registry) as client:
        answer = client.post("/scores", json={"columns": FEATURES.to_dict("list")})
        assert answer.json() == {"model_id": saved.id, "predictions": scores(FEATURES).to_dict(
            "records")}


def test_a_bad_request_is_a_422_naming_the_field(registry: Registry) -> None:
    save(registry)
    envelope.deploy("client_ltv", query="canonical_name=client_ltv", registry=registry)
    with running(registry) as client:
        wrong = client.post("/client_ltv", json={"records": [
            {"spend": "lots", "visits": 1, "region": "US"}]})
        assert wrong.status_code == 422
        (error,) = wrong.json()["detail"]
        assert error["loc"] == ["body", "records", 0, "spend"]
        missing = client.post("/client_ltv", json={"columns": {"spend": [1.0], "visits": [1]}})
        assert missing.status_code == 422
        assert [e["loc"] for e in missing.json()["detail"]] == [["body", "columns", "region"]]
        ragged = client.post("/client_ltv", json={"columns": {
            "spend": [1.0, 2.0], "visits": [1], "region": ["US"]}})
        assert ragged.status_code == 422 and "different lengths" in ragged.text
        neither = client.post("/client_ltv", json={})
        assert neither.status_code == 422 and "exactly one of 'records'" in neither.text
        # the OpenAPI page documents the generated models
        schema = client.get("/openapi.json").json()
        assert set(schema["components"]["schemas"]["ClientLtvRow"]["properties"]) == {
            "spend", "visits", "region"}
        assert client.get("/docs").status_code == 200


@both_backends
def test_a_new_model_is_swapped_in_under_concurrent_requests(registry: Registry) -> None:
    old = save(registry, passes_tests="true")
    envelope.deploy("client_ltv", query="canonical_name=client_ltv",
                    require={"passes_tests": "true"}, registry=registry)
    payload = {"records": FEATURES.to_dict("records")}
    answers = {old.id: ltv_3x(FEATURES).tolist()}
    failures: list[str] = []
    served: list[int] = []
    stop = threading.Event()

    def hammer(client: httpx.Client) -> None:
        while not stop.is_set():
            try:
                response = client.post("/client_ltv", json=payload)
                body = response.json()
                if response.status_code != 200 or body["predictions"] != answers[
                        body["model_id"]]:
                    failures.append(f"{response.status_code} {response.text}")
                served.append(body["model_id"])
            except Exception as error:  # a refused or dropped connection is a failure too
                failures.append(repr(error))

    with running(registry) as client:
        threads = [threading.Thread(target=hammer, args=(client,)) for _ in range(4)]
        for thread in threads:
            thread.start()
        wait_for(lambda: len(served) > 20)
        untested = save(registry, ltv_4x)  # matches the query, not the requirement
        new = save(registry, ltv_4x, passes_tests="true")
        answers[new.id] = ltv_4x(FEATURES).tolist()
        wait_for(lambda: served[-1] == new.id)
        after = len(served)
        wait_for(lambda: len(served) > after + 20)
        stop.set()
        for thread in threads:
            thread.join()
        assert failures == []
        assert untested.id not in served
        first_new = served.index(new.id)
        assert set(served[:first_new]) == {old.id}
        assert served[-10:] == [new.id] * 10
        assert client.get("/client_ltv/metadata").json()["model_id"] == new.id


def test_a_rule_whose_requirement_no_model_meets_answers_503(registry: Registry) -> None:
    saved = save(registry, passes_tests="false")
    envelope.deploy("client_ltv", query="canonical_name=client_ltv",
                    require={"passes_tests": "true"}, registry=registry)
    envelope.deploy("churn", query="canonical_name=churn", registry=registry)
    with running(registry) as client:
        refused = client.post("/client_ltv", json={"records": FEATURES.to_dict("records")})
        assert refused.status_code == 503
        detail = refused.json()["detail"]
        assert f"model {saved.id}" in detail and "passes_tests='false'" in detail
        assert client.get("/client_ltv/metadata").status_code == 503
        nothing = client.post("/churn", json={})
        assert nothing.status_code == 503
        assert "no model matches the query 'canonical_name=churn'" in nothing.json()["detail"]
        health = client.get("/health")
        assert health.status_code == 503  # not ready: a rule serves nothing
        assert health.json()["rules"] == {"churn": None, "client_ltv": None}
        registry.add_tags(saved.id, passes_tests="true")  # now it qualifies
        wait_for(lambda: client.get("/health").json()["rules"]["client_ltv"] == saved.id)
        served = client.post("/client_ltv", json={"records": FEATURES.to_dict("records")})
        assert served.json()["model_id"] == saved.id


@both_backends
def test_health_is_503_with_the_reason_until_every_rule_serves_a_model(
        registry: Registry, registry_location: tuple[str, str]) -> None:
    with running(registry) as client:
        health = client.get("/health")  # no rules: nothing to serve
        assert health.status_code == 503, health.text
        assert health.json()["status"] == "unavailable"
        assert "no deployment rules in" in health.json()["reason"]
        envelope.deploy("client_ltv", query="canonical_name=client_ltv", registry=registry)
        wait_for(lambda: "client_ltv" in client.get("/health").json()["rules"])
        health = client.get("/health")  # a rule that points at no model
        assert health.status_code == 503
        assert "rule 'client_ltv': no model matches the query 'canonical_name=client_ltv'" \
            in health.json()["reason"]
        broken = save(registry)  # a model whose file is gone cannot be loaded
        (Path(registry.artifacts.path_of(broken.artifact))).unlink()
        wait_for(lambda: "failed to load" in client.get("/health").json().get("reason", ""))
        assert client.get("/health").status_code == 503
        assert f"model {broken.id} failed to load: ArtifactError" in \
            client.get("/health").json()["reason"]
        good = save(registry, ltv_4x)
        wait_for(lambda: client.get("/health").status_code == 200)
        assert client.get("/health").json() == {"status": "ok",
                                                "rules": {"client_ltv": good.id}}
        # the registry becomes unreadable: the model keeps answering, the service is not ready
        _break_registry(registry, registry_location)
        wait_for(lambda: client.get("/health").status_code == 503)
        assert "cannot be read" in client.get("/health").json()["reason"]
        answer = client.post("/client_ltv", json={"records": FEATURES.to_dict("records")})
        assert answer.status_code == 200 and answer.json()["model_id"] == good.id


def _break_registry(registry: Registry, location: tuple[str, str]) -> None:
    """Take the registry's database away from the running service: SQLite's directory gone
    (as an unmounted share; its pooled connections closed, so the next look opens the path),
    PostgreSQL's tables dropped."""
    url, _ = location
    if url.startswith("postgresql"):
        with registry.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE envelope_rules, envelope_tag_events, "
                                       "envelope_tags, envelope_metrics, envelope_models, "
                                       "envelope_schema")
        return
    Path(url).rename(f"{url}-gone")
    registry.close()


def test_rules_are_replaced_by_name_and_removed(registry: Registry) -> None:
    save(registry)
    envelope.deploy("client_ltv", query="canonical_name=client_ltv", registry=registry)
    with running(registry) as client:
        assert client.get("/client_ltv/metadata").status_code == 200
        envelope.deploy("client_ltv", query="canonical_name=client_ltv", path="/v2/ltv",
                        registry=registry)
        wait_for(lambda: client.get("/v2/ltv/metadata").status_code == 200)
        assert client.get("/client_ltv/metadata").status_code == 404
        rules = client.get("/rules").json()
        assert [(r["name"], r["path"], r["status"]) for r in rules] == [
            ("client_ltv", "/v2/ltv", "serving")]
        envelope.undeploy("client_ltv", registry=registry)
        wait_for(lambda: client.get("/rules").json() == [])
        assert client.post("/v2/ltv", json={}).status_code == 404
    assert envelope.rules(registry=registry) == []


def test_rule_mistakes_are_named(registry: Registry) -> None:
    envelope.deploy("client_ltv", query="canonical_name=client_ltv", registry=registry)
    with pytest.raises(RuleError, match="the rule 'client_ltv' serves that path"):
        envelope.deploy("other", query="canonical_name=x", path="/client_ltv",
                        registry=registry)
    with pytest.raises(RuleError, match="'/health' is the service's own"):
        envelope.deploy("health", query="canonical_name=x", path="/health", registry=registry)
    with pytest.raises(RuleError, match="give a query"):
        envelope.deploy("any", registry=registry)
    with pytest.raises(RuleError, match="did you mean 'client_ltv'"):
        envelope.undeploy("client_lvt", registry=registry)
    with pytest.raises(envelope.QuerySyntaxError):
        envelope.deploy("bad", query="canonical_name=", registry=registry)


def test_the_command_line_deploys_finds_and_exports(registry: Registry, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from dataflow.cli import main

    saved = save(registry, passes_tests="true")
    location = ["--registry", str(registry.url), "--artifacts", registry.artifacts.url]
    runner = CliRunner()
    deployed = runner.invoke(main, ["models", "deploy", "client_ltv", "-q",
                                    "canonical_name=client_ltv", "--require",
                                    "passes_tests=true", *location])
    assert deployed.exit_code == 0, deployed.output
    found = runner.invoke(main, ["models", "find", "canonical_name=client_ltv", *location])
    assert json.loads(found.output)["id"] == saved.id
    exported = runner.invoke(main, ["models", "export", "client_ltv", str(tmp_path / "svc"),
                                    *location])
    assert exported.exit_code == 0, exported.output
    assert "Dockerfile, model.pkl, requirements.txt, service.json, service.py" in exported.output
    wrong = runner.invoke(main, ["models", "export", "client_lvt", str(tmp_path / "x"),
                                 *location])
    assert wrong.exit_code != 0 and "did you mean 'client_ltv'" in wrong.output


def test_an_exported_directory_serves_the_model_without_dataflow(registry: Registry,
                                                                 tmp_path: Path) -> None:
    saved = save_standalone(registry)
    envelope.deploy("client_ltv", query="canonical_name=client_ltv", registry=registry)
    directory = Path(envelope.export_service("client_ltv", str(tmp_path / "svc"),
                                             registry=registry))
    requirements = (directory / "requirements.txt").read_text().splitlines()
    assert {line.split("==")[0].lower() for line in requirements} >= {
        "pandas", "fastapi", "uvicorn", "cloudpickle", "pydantic"}
    assert "FROM python:" in (directory / "Dockerfile").read_text()
    port = free_port()
    # run from the directory with a clean path: dataflow is not importable there
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    process = subprocess.Popen([sys.executable, "-I", "service.py", "--port", str(port)],
                               cwd=directory, env=environment, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            def up() -> bool:
                assert process.poll() is None, process.stdout.read().decode()  # type: ignore
                try:
                    return client.get("/health").status_code == 200
                except httpx.TransportError:
                    return False

            wait_for(up, 30)
            answer = client.post("/client_ltv", json={"records": FEATURES.to_dict("records")})
            assert answer.json() == {"model_id": saved.id,
                                     "predictions": ltv_3x(FEATURES).tolist()}
            assert client.post("/client_ltv", json={"records": [{"spend": 1.0}]}
                               ).status_code == 422
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_exported_requirements_resolve_with_pip(registry: Registry, tmp_path: Path) -> None:
    def ltv(frame: pd.DataFrame) -> pd.Series:
        if frame.empty:  # the model's code uses dataflow: its environment names it
            raise RuleError("no rows")
        return frame["spend"] * 3

    save(registry, ltv)
    assert "dataflow==" in " ".join(registry.get(1).requirements)
    envelope.deploy("client_ltv", query="canonical_name=client_ltv", registry=registry)
    directory = Path(envelope.export_service("client_ltv", str(tmp_path / "svc"),
                                             registry=registry))
    # this project's own name is on PyPI as another project: left as a comment, not pinned
    lines = (directory / "requirements.txt").read_text().splitlines()
    assert [line for line in lines if "dataflow" in line.lower()][0].startswith("# dataflow==")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet",
         "--report", str(tmp_path / "report.json"), "-r", str(directory / "requirements.txt")],
        capture_output=True, text=True, timeout=600)
    if result.returncode != 0 and any(text in result.stderr for text in (
            "NewConnectionError", "Temporary failure in name resolution",
            "Network is unreachable")):
        print(f"pip could not reach an index: {result.stderr[-500:]}")
        pytest.skip("no network to resolve requirements.txt against")
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    resolved = {item["metadata"]["name"].lower(): item["metadata"]["version"]
                for item in report["install"]}
    for line in lines:
        if line.startswith("#"):
            continue
        name, version = line.split("==")
        assert resolved[name.lower().replace("_", "-")] == version


def test_the_serving_benchmark_runs() -> None:
    done = subprocess.run([sys.executable, "-m", "benchmarks.serve", "--seconds", "0.2"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert "| models serve |" in done.stdout and "| hand-written FastAPI |" in done.stdout


def test_a_registry_from_before_rules_gets_the_rules_table(registry_location: tuple[str, str]
                                                           ) -> None:
    from sqlalchemy import inspect, text

    url, artifacts = registry_location
    with Registry(url, artifacts=artifacts) as older:
        save(older)
        with older.engine.begin() as connection:  # as a registry written before rules existed
            connection.execute(text("DROP TABLE envelope_rules"))
        assert "envelope_rules" not in inspect(older.engine).get_table_names()
    with Registry(url, artifacts=artifacts) as reopened:
        envelope.deploy("client_ltv", query="canonical_name=client_ltv", registry=reopened)
        assert envelope.get_rule("client_ltv", registry=reopened).select(reopened).id == 1


def test_dataflow_models_serve_runs_the_service(registry: Registry) -> None:
    saved = save(registry, passes_tests="true")
    envelope.deploy("client_ltv", query="canonical_name=client_ltv", registry=registry)
    port = free_port()
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "dataflow.cli", "models", "serve", "--registry",
         str(registry.url), "--artifacts", registry.artifacts.url, "--port", str(port),
         "--poll", "0.1"], env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            def up() -> bool:
                assert process.poll() is None, process.stdout.read().decode()  # type: ignore
                try:
                    return client.get("/health").status_code == 200
                except httpx.TransportError:
                    return False

            wait_for(up, 30)
            assert client.get("/health").json()["rules"] == {"client_ltv": saved.id}
            newer = save(registry, ltv_4x)
            wait_for(lambda: client.get("/health").json()["rules"]["client_ltv"] == newer.id)
            answer = client.post("/client_ltv", json={"columns": FEATURES.to_dict("list")})
            assert answer.json() == {"model_id": newer.id,
                                     "predictions": ltv_4x(FEATURES).tolist()}
    finally:
        process.terminate()
        process.wait(timeout=10)
