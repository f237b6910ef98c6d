"""Real processes: two savers on one registry at once, metrics from another process, and a
process killed while it writes an artifact."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from dataflow.envelope import ArtifactError, ArtifactStore, Registry, save_model
from tests.envelope.conftest import both_backends
from tests.envelope.test_registry import FRAME, ltv

ROOT = Path(__file__).resolve().parents[2]

SAVER = textwrap.dedent("""\
    import os, sys, time
    import pandas as pd
    from dataflow.envelope import Registry, save_model, log_metrics

    url, artifacts, name, start = sys.argv[1:5]
    while not os.path.exists(start):  # both processes begin together
        time.sleep(0.001)
    registry = Registry(url, artifacts=artifacts)
    frame = pd.DataFrame({"x": [1.0, 2.0]})
    for i in range(8):
        def model(frame, i=i):
            return frame["x"] * i
        saved = save_model(model, description=f"{name} {i}",
                           tags={"canonical_name": "m", "writer": name, "i": str(i)},
                           api_input=frame, registry=registry)
        log_metrics(saved.id, registry=registry, loss=float(i))
    print("done")
    """)


def _python(script: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", script, *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})


@both_backends
def test_two_processes_saving_to_one_registry_both_succeed(
        registry_location: tuple[str, str], tmp_path: Path) -> None:
    """Neither registry exists beforehand: both processes also race to create the tables."""
    url, artifacts = registry_location
    start = tmp_path / "start"
    writers = [_python(SAVER, url, artifacts, name, str(start)) for name in ("a", "b")]
    time.sleep(0.5)
    start.touch()
    for writer in writers:
        out, err = writer.communicate(timeout=240)
        assert writer.returncode == 0, err
        assert out.strip() == "done"
    registry = Registry(url, artifacts=artifacts)
    try:
        found = registry.find(canonical_name="m")
        assert len(found) == 16 and len({r.id for r in found}) == 16
        for name in ("a", "b"):
            mine = registry.find(writer=name)
            assert sorted(int(r.tags["i"]) for r in mine) == list(range(8))
            for record in mine:
                model = registry.load(record.id)
                assert model({"x": [1.0, 2.0]}).tolist() == [1.0 * int(record.tags["i"]),
                                                             2.0 * int(record.tags["i"])]
        metrics = registry.metrics(canonical_name="m", names=["loss"])
        assert len(metrics) == 16
        assert (metrics["value"] == metrics["tag.i"].astype(float)).all()
    finally:
        registry.close()


WRITER_KILLED_MID_ARTIFACT = textwrap.dedent("""\
    import sys, time
    from dataflow.envelope import ArtifactStore

    store = ArtifactStore(sys.argv[1])
    def produce(file):
        file.write(b"x" * (1 << 20))
        file.file.flush()
        open(sys.argv[2], "w").close()  # tell the test we are half-way
        time.sleep(120)
        file.write(b"y" * (1 << 20))
    store.write(produce)
    """)


def _wait_for(path: Path, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while not path.exists():
        if process.poll() is not None:
            raise AssertionError(f"the writer ended early: {process.communicate()}")
        assert time.monotonic() < deadline, "the writer never got half-way"
        time.sleep(0.01)


def test_a_writer_killed_mid_artifact_leaves_no_artifact(tmp_path: Path) -> None:
    root, marker = tmp_path / "artifacts", tmp_path / "half-way"
    writer = _python(WRITER_KILLED_MID_ARTIFACT, str(root), str(marker))
    _wait_for(marker, writer)
    writer.send_signal(signal.SIGKILL)
    writer.communicate(timeout=60)
    store = ArtifactStore(root)
    [temporary] = store.temporaries()
    assert store.fs.size(temporary) == 1 << 20  # the torn bytes stayed under a temporary name
    assert [p for p in store.fs.ls(store.root) if p != temporary] == []  # no artifact
    # the same content written again lands whole under its hash
    digest = store.write(lambda file: file.write(b"x" * (1 << 20) + b"y" * (1 << 20)))
    assert store.read(digest) == b"x" * (1 << 20) + b"y" * (1 << 20)


SAVER_KILLED_WHILE_PICKLING = textwrap.dedent("""\
    import os, sys, time
    import pandas as pd
    from dataflow.envelope import Registry, save_model

    class Stalls:
        def __reduce__(self):
            open(sys.argv[2], "w").close()
            time.sleep(120)
            return (int, ())

    class Model:
        def __init__(self):
            self.weights = os.urandom(1 << 20)  # pickled (and written) before the stall
            self.stalls = Stalls()
        def predict(self, frame):
            return frame["x"]

    save_model(Model(), description="never saved", api_input=pd.DataFrame({"x": [1.0]}),
               registry=Registry(sys.argv[1]))
    """)


def test_a_save_killed_mid_write_leaves_the_registry_as_it_was(tmp_path: Path) -> None:
    location, marker = tmp_path / "registry", tmp_path / "half-way"
    registry = Registry(location)
    try:
        writer = _python(SAVER_KILLED_WHILE_PICKLING, str(location), str(marker))
        _wait_for(marker, writer)
        writer.send_signal(signal.SIGKILL)
        writer.communicate(timeout=60)
        assert registry.find() == []
        [temporary] = registry.artifacts.temporaries()
        assert registry.artifacts.fs.size(temporary) >= 1 << 20  # it was mid-write
        assert [p for p in registry.artifacts.fs.ls(registry.artifacts.root)
                if p != temporary] == []
        # and the registry works on
        saved = save_model(ltv, description="d", api_input=FRAME, registry=registry)
        assert registry.load(saved.id)(FRAME).tolist() == ltv(FRAME).tolist()
    finally:
        registry.close()


def test_a_damaged_artifact_is_reported_not_unpickled(tmp_path: Path) -> None:
    store = ArtifactStore(tmp_path)
    digest = store.write(lambda file: file.write(b"model bytes"))
    Path(store.path_of(digest)).write_bytes(b"model bytez")
    with pytest.raises(ArtifactError, match="is damaged: its bytes do not hash to"):
        store.read(digest)
    Path(store.path_of(digest)).unlink()
    with pytest.raises(ArtifactError, match="is missing"):
        store.read(digest)
