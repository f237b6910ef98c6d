"""``diff_with_revision``: the graph of modules now against their graph at a git revision, in
real git repositories made in temporary directories."""

from __future__ import annotations

import doctest
import importlib
import importlib.util
import subprocess
import sys
import types
import uuid
from pathlib import Path

import pytest

import dataflow.lineage.diff
from dataflow.lineage import LineageError
from dataflow.lineage.diff import RevisionDiff, diff_with_revision

from .svg import legend, svg_nodes

V1 = '''\
def raw() -> int:
    return 3


def spend(raw: int) -> int:
    """Weekly spend."""
    return raw * 10


def signups(raw: int) -> int:
    return raw + 1


def spend_per_signup(spend: int, signups: int) -> float:
    return spend / signups


def scaled(spend: int, factor: float) -> float:
    return spend * factor
'''

V2 = '''\
def raw() -> int:
    return 3


def spend(raw: int) -> int:
    """Spend per week (docstring edits do not count)."""
    return raw * 10  # nor do comments


def signups_clean(raw: int) -> int:
    return max(raw, 1)


def spend_per_signup(spend: int, signups_clean: int) -> float:
    return spend / signups_clean


def scaled(spend: int, factor: float) -> float:
    return spend * factor * 2
'''


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
                          cwd=repo, check=True, capture_output=True, text=True)
    return done.stdout


def commit(repo: Path, files: dict[str, str], message: str) -> None:
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    git(repo, "add", *files)
    git(repo, "commit", "-qm", message)


def load(file: Path) -> types.ModuleType:
    """Import ``file`` as a plain module under a fresh name, as a user's import would."""
    name = f"{file.stem}_{uuid.uuid4().hex[:8]}"
    spec = importlib.util.spec_from_file_location(name, file)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q")
    commit(tmp_path, {"features.py": V1}, "v1")
    (tmp_path / "features.py").write_text(V2)
    return tmp_path


def test_added_removed_changed_and_unchanged_nodes(repo):
    features = load(repo / "features.py")
    result = diff_with_revision([features], "HEAD")
    assert isinstance(result, RevisionDiff) and result.git_ref == "HEAD"
    assert result.changes.added == ("signups_clean",)
    assert result.changes.removed == ("signups",)
    assert sorted(result.changes.changed) == ["scaled", "spend_per_signup"]
    # docstring and comment edits do not count; an input present in both is unchanged
    assert sorted(result.changes.unchanged) == ["factor", "raw", "spend"]
    assert set(result.old.nodes) == {"raw", "spend", "signups", "spend_per_signup", "scaled",
                                     "factor"}
    assert set(result.new.nodes) == {"raw", "spend", "signups_clean", "spend_per_signup",
                                     "scaled", "factor"}
    assert str(result.changes).splitlines() == [
        "+ signups_clean", "- signups", "~ spend_per_signup", "~ scaled"]
    # the old graph's functions are the old code, runnable: the revision is really rebuilt
    old_fn = result.old.nodes["scaled"].fn
    assert old_fn is not None and old_fn(spend=30, factor=2.0) == 60.0
    assert result.new.nodes["scaled"].fn(spend=30, factor=2.0) == 120.0


def test_an_older_revision_by_name_and_the_working_tree_untouched(repo):
    commit(repo, {"features.py": V2}, "v2")
    (repo / "features.py").write_text(V2 + "\n\ndef extra(scaled: float) -> float:\n"
                                            "    return scaled\n")
    status_before = git(repo, "status", "--porcelain")
    features = load(repo / "features.py")
    assert diff_with_revision([features], "HEAD").changes.added == ("extra",)
    since_v1 = diff_with_revision([features], "HEAD~1").changes
    assert set(since_v1.added) == {"signups_clean", "extra"}
    assert since_v1.removed == ("signups",)
    assert git(repo, "status", "--porcelain") == status_before
    assert "extra" in (repo / "features.py").read_text()


def test_a_module_new_since_the_revision_only_adds_nodes(repo):
    (repo / "fresh.py").write_text("def brand_new(raw: int) -> int:\n    return raw\n")
    result = diff_with_revision([load(repo / "fresh.py")], "HEAD")
    assert result.changes.added == ("brand_new", "raw")
    assert result.changes.removed == () and result.changes.changed == ()
    assert len(result.old) == 0


def test_config_builds_both_graphs(tmp_path):
    git(tmp_path, "init", "-q")
    source = '''\
from dataflow.function_modifiers import config


@config.when(region="eu")
def tax__eu(price: float) -> float:
    return price * 0.2


@config.when(region="us")
def tax__us(price: float) -> float:
    return price * 0.1
'''
    commit(tmp_path, {"prices.py": source}, "v1")
    (tmp_path / "prices.py").write_text(source.replace("price * 0.1", "price * 0.07"))
    prices = load(tmp_path / "prices.py")
    assert diff_with_revision([prices], "HEAD", {"region": "eu"}).changes.changed == ()
    assert diff_with_revision([prices], "HEAD", {"region": "us"}).changes.changed == ("tax",)


def test_relative_imports_of_the_old_version_resolve_in_its_package(tmp_path):
    git(tmp_path, "init", "-q")
    commit(tmp_path, {"shop/__init__.py": "", "shop/rates.py": "VAT = 0.2\n",
                      "shop/prices.py": "from .rates import VAT\n\n\n"
                                        "def gross(net: float) -> float:\n"
                                        "    return net * (1 + VAT)\n"}, "v1")
    (tmp_path / "shop" / "prices.py").write_text(
        "from .rates import VAT\n\n\ndef gross(net: float) -> float:\n"
        "    return round(net * (1 + VAT), 2)\n")
    sys.path.insert(0, str(tmp_path))
    try:
        prices = importlib.import_module("shop.prices")
        result = diff_with_revision([prices], "HEAD")
    finally:
        sys.path.remove(str(tmp_path))
        for name in [n for n in sys.modules if n == "shop" or n.startswith("shop.")]:
            del sys.modules[name]
    assert result.changes.changed == ("gross",)
    assert result.old.nodes["gross"].fn(net=10.0) == pytest.approx(12.0)


def test_leaves_no_module_of_the_revision_in_sys_modules(repo):
    before = set(sys.modules)
    diff_with_revision([load(repo / "features.py")], "HEAD")
    assert [n for n in set(sys.modules) - before if "@" in n] == []


def test_picture_colours_added_removed_and_changed(repo):
    result = diff_with_revision([load(repo / "features.py")], "HEAD")
    written = result.write_picture(repo / "diff.svg")
    assert written == repo / "diff.svg"
    nodes = svg_nodes(written)
    assert set(legend(nodes)) >= {"added", "removed", "changed"}
    assert nodes["signups"].dashed and not nodes["signups_clean"].dashed
    assert nodes["signups"].fill != nodes["signups_clean"].fill != nodes["scaled"].fill
    assert "signups" in result.digraph().source


def test_outside_git_and_unknown_revision_are_readable_errors(tmp_path, repo):
    loose = tmp_path.parent / f"loose_{uuid.uuid4().hex[:8]}"
    loose.mkdir()
    (loose / "solo.py").write_text("def a() -> int:\n    return 1\n")
    with pytest.raises(LineageError, match="is not inside a git work tree"):
        diff_with_revision([load(loose / "solo.py")], "HEAD")
    with pytest.raises(LineageError, match="git revision 'no-such-ref' does not exist in"):
        diff_with_revision([load(repo / "features.py")], "no-such-ref")
    git(repo, "tag", "release-1")
    with pytest.raises(LineageError, match=r"git revision 'relase-1' does not exist in .*"
                                           r"Did you mean 'release-1'\? Give a branch, a tag"):
        diff_with_revision([load(repo / "features.py")], "relase-1")


def test_an_old_version_that_fails_to_import_or_build_names_module_and_revision(tmp_path):
    git(tmp_path, "init", "-q")
    commit(tmp_path, {"broken.py": "import no_such_package_anywhere\n\n\n"
                                   "def a() -> int:\n    return 1\n"}, "v1")
    (tmp_path / "broken.py").write_text("def a() -> int:\n    return 1\n")
    broken = load(tmp_path / "broken.py")
    with pytest.raises(LineageError) as raised:
        diff_with_revision([broken], "HEAD")
    message = str(raised.value)
    assert f"The version of {broken.__name__} at git revision 'HEAD'" in message
    assert "failed to import: ModuleNotFoundError: No module named 'no_such_package_anywhere'" \
        in message
    commit(tmp_path, {"broken.py": "def a(b: int) -> int:\n    return b\n\n\n"
                                   "def b(a: int) -> int:\n    return a\n"}, "a cycle")
    (tmp_path / "broken.py").write_text("def a() -> int:\n    return 1\n")
    with pytest.raises(LineageError, match=r"at git revision 'HEAD' do not build into a graph: "
                                           r"\w+Error: .*cycle"):
        diff_with_revision([broken], "HEAD")


def test_a_single_module_instead_of_a_list_says_how_to_call_it(repo):
    features = load(repo / "features.py")
    with pytest.raises(TypeError, match=rf"diff_with_revision\(\[{features.__name__}\], "
                                        r"'HEAD'\)"):
        diff_with_revision(features, "HEAD")  # type: ignore[arg-type]


def test_docstring_examples_hold():
    failed, attempted = doctest.testmod(dataflow.lineage.diff)
    assert attempted > 0 and failed == 0
