"""Atomic writes give files the mode ``open()`` would, keep an existing file's mode, and write
through a symlink to its target."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from dataflow import ad_hoc_utils, driver
from dataflow.io import to
from dataflow.io.utils import atomic_write_text

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def umask_022() -> Iterator[None]:
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def frame() -> pd.DataFrame:
    return pd.DataFrame({"a": [1, 2]})


def summary(frame: pd.DataFrame) -> dict:
    return {"n": len(frame)}


def test_new_files_get_the_mode_open_gives(tmp_path: Path, umask_022: None) -> None:
    (tmp_path / "plain.txt").write_text("x")
    atomic_write_text(tmp_path / "atomic.txt", "x")
    dr = driver.Builder().with_modules(ad_hoc_utils.create_temporary_module(frame, summary)).build()
    dr.materialize(to.csv(id="c", dependencies=["frame"], path=str(tmp_path / "f.csv")),
                   to.json(id="j", dependencies=["summary"], path=str(tmp_path / "s.json")),
                   to.pickle(id="p", dependencies=["frame"], path=str(tmp_path / "f.pkl")))
    expected = _mode(tmp_path / "plain.txt")
    assert expected == 0o644
    for name in ("atomic.txt", "f.csv", "s.json", "f.pkl"):
        assert _mode(tmp_path / name) == expected, name


def test_the_umask_is_followed(tmp_path: Path) -> None:
    previous = os.umask(0o077)
    try:
        atomic_write_text(tmp_path / "private.txt", "x")
    finally:
        os.umask(previous)
    assert _mode(tmp_path / "private.txt") == 0o600


def test_an_existing_file_keeps_its_mode(tmp_path: Path, umask_022: None) -> None:
    target = tmp_path / "shared.txt"
    target.write_text("old")
    os.chmod(target, 0o664)
    atomic_write_text(target, "new")
    assert target.read_text() == "new" and _mode(target) == 0o664


def test_a_symlink_stays_a_link_and_its_target_is_replaced(tmp_path: Path) -> None:
    real = tmp_path / "real.txt"
    real.write_text("old")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    atomic_write_text(link, "new")
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.txt", "real.txt"]


def test_the_umask_is_read_without_changing_it() -> None:
    # another thread changing the umask at the wrong moment would lose it: it is only read
    code = ("import os; os.umask(0o027); from dataflow.io import utils; "
            "print(oct(utils._umask()), oct(os.umask(0)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**os.environ}).stdout.split()
    assert out == ["0o27", "0o27"]
