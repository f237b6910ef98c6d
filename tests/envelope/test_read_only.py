"""A registry this process can only read (a read-only mount, a file and directory without write
permission: what a serving process often has) is read, served and scored from; every write is
refused with an error naming the registry, and nothing in it changes.

The read-only cases are real: a read-only bind mount in a user namespace (``unshare``), and
``chmod`` with the reading process run as a user the permissions bind (as root, ``nobody``
through ``setpriv``: root itself ignores them)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

import dataflow
from dataflow import envelope
from dataflow.envelope import Registry, RegistryReadOnlyError

ROOT = Path(dataflow.__file__).resolve().parent.parent
NOBODY = 65534


def ltv(frame: pd.DataFrame) -> pd.Series:
    return (frame["spend"] * 3 + frame["visits"]).rename("ltv")


FRAME = pd.DataFrame({"spend": [1.0, 2.5, 4.0], "visits": [1, 3, 5]})


@pytest.fixture
def shared() -> Iterator[Path]:
    """A directory every user can reach (pytest's tmp_path is private to its user)."""
    directory = Path(tempfile.mkdtemp(prefix="dataflow-read-only-"))
    directory.chmod(0o755)
    try:
        yield directory
    finally:
        for path in [directory, *directory.rglob("*")]:
            if not path.is_symlink():
                path.chmod(0o755 if path.is_dir() else 0o644)
        shutil.rmtree(directory)


def _registry_with_a_served_model(location: Path) -> None:
    with Registry(location) as registry:
        saved = envelope.save_model(ltv, description="lifetime value", api_input=FRAME,
                                    tags={"canonical_name": "client_ltv"},
                                    registry=registry)
        registry.log_metrics(saved, rmse=0.5)
        envelope.deploy("client_ltv", query="canonical_name=client_ltv", registry=registry)


def _contents(directory: Path, sqlite_index: bool = True) -> dict[str, str]:
    """Every file's hash (without SQLite's own ``-wal``/``-shm`` files beside the database
    when ``sqlite_index`` is false: a reader may create those where it can)."""
    return {str(path.relative_to(directory)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(directory.rglob("*")) if path.is_file()
            and (sqlite_index or not path.name.endswith(("-wal", "-shm")))}


CHILD = textwrap.dedent("""
    import json, sys
    import pandas as pd
    from dataflow import envelope
    from dataflow.envelope import Registry, RegistryReadOnlyError
    from dataflow.envelope.service import ModelService

    location, output = sys.argv[1], sys.argv[2]
    registry = Registry(location)
    seen = {"read_only": registry.read_only}
    record = registry.find("canonical_name=client_ltv", latest=True)[0]
    frame = pd.DataFrame({"spend": [1.0, 2.0], "visits": [1, 2]})
    seen["predictions"] = registry.load(record.id)(frame).tolist()
    seen["metrics"] = registry.metrics(names=["rmse"])["value"].tolist()
    seen["rules"] = [rule.name for rule in envelope.rules(registry=registry)]
    service = ModelService(registry)
    seen["serving"] = {name: d.model_id for name, d in service.deployments.items()}
    run = envelope.batch_predict("canonical_name=client_ltv", input=frame, output=output,
                                 registry=registry)
    seen["batch_rows"] = run.rows
    refused = {}
    for name, write in [
            ("add_tags", lambda: registry.add_tags(record.id, stage="prod")),
            ("log_metrics", lambda: registry.log_metrics(record.id, rmse=0.1)),
            ("save_model", lambda: envelope.save_model(
                lambda f: f["spend"], description="x", api_input=frame, registry=registry)),
            ("deploy", lambda: envelope.deploy("other", query="canonical_name=x",
                                               registry=registry))]:
        try:
            write()
            refused[name] = None
        except RegistryReadOnlyError as error:
            refused[name] = str(error)
    seen["refused"] = refused
    print(json.dumps(seen))
""")


def _read_only_command(how: str, registry_dir: Path) -> list[str]:
    """The command prefix that runs a process for which ``registry_dir`` is read-only."""
    if how == "mount":
        if shutil.which("unshare") is None or subprocess.run(
                ["unshare", "-rm", "true"], capture_output=True).returncode != 0:
            pytest.skip("no user namespaces here (unshare -rm) for a read-only bind mount")
        script = ('mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" "$0" && '
                  'exec "$@"')
        return ["unshare", "-rm", "sh", "-c", script, str(registry_dir)]
    for path in [registry_dir, *registry_dir.rglob("*")]:
        path.chmod(0o555 if path.is_dir() else 0o444)
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("root ignores chmod, and there is no setpriv to read as another user")
    return _as_nobody()


def _as_nobody() -> list[str]:
    """The ``setpriv`` prefix running a command as ``nobody``; skips where this interpreter
    cannot start as ``nobody`` (pyenv's Python 3.10 here loads its shared library from under
    ``/root``, which ``nobody`` cannot read; 3.11, on the main leg, starts)."""
    prefix = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
    started = subprocess.run([*prefix, sys.executable, "-c", "pass"], capture_output=True,
                             text=True, cwd="/")
    if started.returncode != 0:
        pytest.skip(f"{sys.executable} cannot start as nobody: {started.stderr.strip()[:200]}")
    return prefix


@pytest.mark.parametrize("how", ["mount", "chmod"])
def test_a_read_only_registry_is_read_served_and_scored_and_refuses_writes(
        shared: Path, how: str) -> None:
    location = shared / "registry"
    _registry_with_a_served_model(location)
    output = shared / "out"
    output.mkdir(mode=0o777)
    output.chmod(0o777)
    before = _contents(location)
    command = [*_read_only_command(how, location), sys.executable, "-c", CHILD, str(location),
               str(output / "scores.csv")]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=shared,
                          env={**os.environ, "PYTHONPATH": str(ROOT), "HOME": str(shared)})
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["read_only"] is True
    assert seen["predictions"] == [4.0, 8.0]
    assert seen["metrics"] == [0.5]
    assert seen["rules"] == ["client_ltv"] and seen["serving"] == {"client_ltv": 1}
    assert seen["batch_rows"] == 2
    assert pd.read_csv(output / "scores.csv")["ltv"].tolist() == [4.0, 8.0]
    for name, message in seen["refused"].items():
        assert message is not None, f"{name} wrote to a read-only registry"
        assert f"the registry at {location / 'registry.db'} is read-only" in message, message
    assert "the run of model 1 is not logged" in done.stderr
    assert _contents(location) == before  # not a byte changed, no file added


def test_read_only_true_reads_and_refuses_every_write_by_name(tmp_path: Path) -> None:
    location = tmp_path / "registry"
    _registry_with_a_served_model(location)
    before = _contents(location, sqlite_index=False)
    with Registry(location, read_only=True) as registry:
        assert "read_only=True" in repr(registry)
        record = registry.find(canonical_name="client_ltv", latest=True)[0]
        assert registry.load(record).envelope.id == record.id
        assert registry.revision() > 0
        with pytest.raises(RegistryReadOnlyError, match=r"cannot tag model 1: the registry at "
                           + str(location / "registry.db").replace(".", r"\.")
                           + " is read-only"):
            registry.add_tags(record, stage="prod")
        with pytest.raises(RegistryReadOnlyError, match="cannot save a model"):
            envelope.save_model(ltv, description="x", api_input=FRAME, registry=registry)
        with pytest.raises(RegistryReadOnlyError, match="cannot undeploy rule 'client_ltv'"):
            envelope.undeploy("client_ltv", registry=registry)
        with pytest.raises(PermissionError):  # what code that catches OS errors expects
            registry.log_metrics(record, rmse=1.0)
    assert _contents(location, sqlite_index=False) == before


def test_a_read_only_sqlite_url_is_read_only(tmp_path: Path) -> None:
    _registry_with_a_served_model(tmp_path / "registry")
    url = f"sqlite:///file:{tmp_path / 'registry' / 'registry.db'}?mode=ro&uri=true"
    with Registry(url, artifacts=tmp_path / "registry" / "artifacts") as registry:
        assert registry.read_only
        assert [r.id for r in registry.find(canonical_name="client_ltv")] == [1]
        with pytest.raises(RegistryReadOnlyError, match="cannot tag model 1"):
            registry.add_tags(1, stage="prod")


def test_a_read_only_location_with_no_registry_says_so(shared: Path) -> None:
    (shared / "empty").mkdir()
    with pytest.raises(RegistryReadOnlyError, match="cannot be read as a registry"):
        Registry(shared / "empty", read_only=True)


def test_a_read_only_registry_from_before_rules_has_no_rules(tmp_path: Path) -> None:
    import sqlite3

    location = tmp_path / "registry"
    _registry_with_a_served_model(location)
    with sqlite3.connect(location / "registry.db") as connection:  # as an older dataflow left it
        connection.execute("DROP TABLE envelope_rules")
    with Registry(location, read_only=True) as registry:  # cannot add the table: reads without
        assert envelope.rules(registry=registry) == []
        assert [r.id for r in registry.find(canonical_name="client_ltv")] == [1]



TURNED = textwrap.dedent("""
    import os, sys
    from pathlib import Path
    from dataflow.envelope import Registry, RegistryReadOnlyError

    location = Path(sys.argv[1])
    registry = Registry(location)  # writable when opened
    assert not registry.read_only
    registry.add_tags(1, stage="staging")
    for path in [location, *location.rglob("*")]:  # then its permissions change
        path.chmod(0o555 if path.is_dir() else 0o444)
    registry.close()  # (its open connections go; the next write opens the file again)
    try:
        registry.add_tags(1, stage="prod")
    except RegistryReadOnlyError as error:
        print("refused:", error)
    print("tags:", registry.get(1).tags["stage"])
""")


def test_a_registry_turned_read_only_after_opening_refuses_writes_naming_it(
        shared: Path) -> None:
    location = shared / "registry"
    _registry_with_a_served_model(location)
    prefix: list[str] = []
    if os.geteuid() == 0:  # root writes whatever the permissions: write as nobody
        if shutil.which("setpriv") is None:
            pytest.skip("root ignores chmod, and there is no setpriv to write as another user")
        prefix = _as_nobody()
        for path in [location, *location.rglob("*")]:
            os.chown(path, NOBODY, NOBODY)
    done = subprocess.run([*prefix, sys.executable, "-c", TURNED, str(location)],
                          capture_output=True, text=True, timeout=300, cwd=shared,
                          env={**os.environ, "PYTHONPATH": str(ROOT), "HOME": str(shared)})
    assert done.returncode == 0, done.stderr[-3000:]
    assert (f"refused: cannot tag model 1: the registry at {location / 'registry.db'} is "
            "read-only to this process (attempt to write a readonly database)") in done.stdout
    assert "tags: staging" in done.stdout
