"""The package metadata stays honest: every required dependency is used, the versions CI runs are
the versions the metadata claims, and the oldest leg of the matrix installs exactly the floors.

Read from the installed metadata (``make`` reinstalls when pyproject.toml changes) and from the
Makefile, which defines the matrix that ``make test`` runs.
"""

from __future__ import annotations

import ast
import re
from importlib.metadata import metadata, requires
from pathlib import Path

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
MAKEFILE = (ROOT / "Makefile").read_text()


def _requirements(extra: str | None = None) -> list[Requirement]:
    """Required dependencies (``extra=None``) or those an extra adds."""
    found = []
    for line in requires("dataflow") or []:
        requirement = Requirement(line)
        wanted = {"extra": extra or ""}
        if (requirement.marker is None) == (extra is None) and (
                requirement.marker is None or requirement.marker.evaluate(wanted)):
            found.append(requirement)
    return found


def _floor(requirement: Requirement) -> Version:
    (floor,) = [Version(s.version) for s in requirement.specifier if s.operator == ">="]
    return floor


def _make_variable(name: str) -> str:
    (value,) = re.findall(rf"^{re.escape(name)} :=(.*)$", MAKEFILE, flags=re.MULTILINE)
    return value.strip()


def _top_level_imports() -> set[str]:
    imported = set()
    for path in [*(ROOT / "dataflow").rglob("*.py"), *(ROOT / "plugins").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
    return imported


def test_every_required_dependency_is_imported_by_the_package() -> None:
    required = {r.name.lower().replace("-", "_") for r in _requirements()}
    assert required, "no required dependency read from the metadata"
    assert sorted(required - _top_level_imports()) == []


def test_networkx_is_an_extra_not_a_requirement() -> None:
    assert "networkx" not in {r.name for r in _requirements()}
    assert [r.name for r in _requirements("networkx")] == ["networkx"]
    assert "networkx" in {r.name for r in _requirements("test")}


def test_the_progress_bars_are_extras_and_tested() -> None:
    """tqdm and rich are extras of their own, in the test extra, never required (read from the
    installed metadata, which ``make`` refreshes whenever pyproject.toml changes)."""
    required = {r.name for r in _requirements()}
    tested = {r.name for r in _requirements("test")}
    for name in ("tqdm", "rich"):
        assert name not in required
        assert [r.name for r in _requirements(name)] == [name]
        assert name in tested


def test_the_oldest_matrix_leg_installs_exactly_the_declared_floors() -> None:
    declared = {r.name: _floor(r) for r in [*_requirements(), *_requirements("networkx")]}
    pinned = {}
    for pin in _make_variable("FLOORS").split():
        name, version = pin.split("==")
        pinned[name] = Version(version)
    assert pinned == declared
    assert _make_variable("PINS_py310-oldest") == "$(FLOORS)"


def test_the_matrix_covers_every_python_the_metadata_claims() -> None:
    """requires-python's floor is the oldest leg; the classifiers name exactly the Pythons run."""
    meta = metadata("dataflow")
    legs = _make_variable("LEGS").split()
    run = {_make_variable(f"PY_{leg}") for leg in legs} | {"3.11"}  # 3.11: the main leg
    claimed = {c.rsplit(" :: ", 1)[1] for c in meta.get_all("Classifier") or []
               if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)}
    assert claimed == run
    oldest = min(run, key=Version)
    assert oldest in SpecifierSet(meta["Requires-Python"])
    assert f"3.{Version(oldest).minor - 1}" not in SpecifierSet(meta["Requires-Python"])
    assert _make_variable(f"PY_{legs[0]}") == oldest


def test_license_is_an_spdx_expression() -> None:
    """The TOML-table form of ``license`` is deprecated by setuptools; the SPDX string is not."""
    meta = metadata("dataflow")
    assert meta["License-Expression"] == "Apache-2.0"


def test_the_wheel_holds_every_module(tmp_path: Path) -> None:
    """A wheel built from this tree (what ``pip install dataflow`` gets) carries every module of
    ``dataflow/`` and ``plugins/``: a subpackage missing from pyproject's list would be absent
    from the install although the editable install used in development finds it."""
    import subprocess
    import sys
    import zipfile

    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--wheel-dir", str(tmp_path), str(ROOT)],
                   check=True, cwd=tmp_path)
    (wheel,) = tmp_path.glob("dataflow-*.whl")
    shipped = {name for name in zipfile.ZipFile(wheel).namelist() if name.endswith(".py")}
    expected = {f"dataflow/{path.relative_to(ROOT / 'dataflow').as_posix()}"
                for path in (ROOT / "dataflow").rglob("*.py")}
    expected |= {f"dataflow/plugins/{path.relative_to(ROOT / 'plugins').as_posix()}"
                 for path in (ROOT / "plugins").rglob("*.py")}
    assert sorted(expected - shipped) == []
