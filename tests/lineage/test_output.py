"""Writing pictures: formats from suffixes, atomic writes, failures leave nothing behind."""

from __future__ import annotations

import os
import stat

import pytest

from dataflow.lineage import LineageError, lineage_digraph, write_picture
from dataflow.lineage.output import atomic_target, output_format

from .sample_graphs import fn_node


def test_output_format_from_suffix(tmp_path):
    assert output_format(tmp_path / "a.SVG")[1] == "svg"
    assert output_format(tmp_path / "a.gv")[1] == "gv"
    path, fmt = output_format(tmp_path / "a", {"format": "pdf"})
    assert (path.name, fmt) == ("a.pdf", "pdf")
    assert output_format(tmp_path / "a")[0].name == "a.png"


def test_failed_render_leaves_no_file(tmp_path):
    digraph = lineage_digraph([fn_node("a")])
    digraph.body.append("this is { not dot")
    with pytest.raises(LineageError, match="graphviz failed to render.*syntax error"):
        write_picture(digraph, tmp_path / "broken.png", keep_dot=True)
    assert os.listdir(tmp_path) == []


def test_overwrites_atomically_with_normal_permissions(tmp_path):
    target = tmp_path / "g.svg"
    target.write_text("old")
    write_picture(lineage_digraph([fn_node("a")]), target)
    assert target.read_text().startswith("<?xml")
    mode = stat.S_IMODE(target.stat().st_mode)
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o666 & ~umask
    assert os.listdir(tmp_path) == ["g.svg"]


def test_atomic_target_removes_the_temporary_file_on_error(tmp_path):
    with pytest.raises(RuntimeError), atomic_target(tmp_path / "x.csv") as temporary:
        temporary.write_text("half")
        raise RuntimeError("failed half way")
    assert os.listdir(tmp_path) == []
