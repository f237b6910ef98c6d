"""Writes are atomic: a failed or killed write leaves the old file (or none), never half."""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from dataflow import ad_hoc_utils, driver
from dataflow.io import to
from dataflow.io.utils import atomic_path

ROWS = 1_500_000

WRITER = textwrap.dedent("""
    import sys
    import numpy as np
    import pandas as pd
    from dataflow import ad_hoc_utils, driver
    from dataflow.io import to

    def big() -> pd.DataFrame:
        rng = np.random.default_rng(0)
        return pd.DataFrame({"x": rng.random(ROWS), "y": rng.random(ROWS)})

    dr = driver.Builder().with_modules(ad_hoc_utils.create_temporary_module(big)).build()
    dr.materialize(to.csv(id="out", dependencies=["big"], path=sys.argv[1]))
    print("done", flush=True)
""").replace("ROWS", str(ROWS))


def _kill_mid_write(target: Path) -> bool:
    """Start a process writing a big frame to ``target`` and SIGKILL it once its temporary
    file holds data; True when it was killed before it finished."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    process = subprocess.Popen([sys.executable, "-c", WRITER, str(target)], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and process.poll() is None:
            # the temporary file (or, were writes not atomic, the target) holds data by now
            partial = [p for p in target.parent.iterdir() if _size(p) > 1 << 20]
            if partial:
                process.send_signal(signal.SIGKILL)
                process.wait(30)
                return True
            time.sleep(0.005)
        return False
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(30)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:  # renamed away meanwhile
        return 0


@pytest.mark.slow
@pytest.mark.parametrize("old_file", [False, True], ids=["no-old-file", "old-file"])
def test_a_write_killed_midway_leaves_the_old_file_or_none(tmp_path: Path,
                                                           old_file: bool) -> None:
    target = tmp_path / "big.csv"
    old = b"x,y\n1,2\n"
    if old_file:
        target.write_bytes(old)
    killed = _kill_mid_write(target)
    assert killed, "the writer finished before it could be killed mid-write"
    if old_file:
        assert target.read_bytes() == old  # the old file, untouched
    else:
        assert not target.exists()
    # the killed writer's temporary file may remain (hidden, next to the target), never the target


class _FailsToPickle:
    def __reduce__(self) -> tuple[object, ...]:
        raise RuntimeError("cannot pickle this")


def test_a_write_that_fails_midway_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    def payload() -> list:
        return [b"x" * (1 << 20), _FailsToPickle()]  # 1 MiB is written, then the error

    target = tmp_path / "p.pkl"
    target.write_bytes(pickle.dumps("old"))
    dr = driver.Builder().with_modules(ad_hoc_utils.create_temporary_module(payload)).build()
    with pytest.raises(RuntimeError, match="cannot pickle this") as raised:
        dr.materialize(to.pickle(id="out", dependencies=["payload"], path=str(target)))
    assert "to.pickle(id='out') saving node 'payload'" in "".join(
        getattr(raised.value, "__notes__", []))
    assert pickle.loads(target.read_bytes()) == "old"
    assert os.listdir(tmp_path) == ["p.pkl"]


def test_atomic_path_keeps_the_suffix_and_refuses_a_missing_directory(tmp_path: Path) -> None:
    with atomic_path(tmp_path / "book.xlsx") as temporary:
        assert temporary.endswith(".xlsx") and Path(temporary).parent == tmp_path
        Path(temporary).write_text("x")
    assert (tmp_path / "book.xlsx").read_text() == "x"
    with pytest.raises(FileNotFoundError, match="does not exist"), \
            atomic_path(tmp_path / "missing" / "x.csv"):
        pass
