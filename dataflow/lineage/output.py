"""Writing pictures: a digraph → a file in the format its suffix names, atomically.

The picture is rendered to bytes (``dot`` reads DOT on stdin), written to a temporary file in
the target directory and renamed into place, so a failure leaves neither a half-written picture
nor a stray DOT source file. ``keep_dot=True`` also writes the DOT text next to the picture.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import graphviz

from dataflow.lineage.errors import GraphvizNotInstalledError, LineageError

DOT_SUFFIXES = ("dot", "gv")
RENDER_FORMATS = tuple(sorted(f for f in graphviz.FORMATS if f not in DOT_SUFFIXES))
_PIPE_OPTIONS = ("renderer", "formatter", "neato_no_op", "quiet", "engine")
_IGNORED_OPTIONS = ("cleanup", "directory", "filename", "outfile")


def dot_available() -> bool:
    """Whether the graphviz ``dot`` program is on ``PATH``."""
    return shutil.which("dot") is not None


def require_dot(purpose: str = "draw the lineage picture") -> None:
    """Raise :class:`GraphvizNotInstalledError` (how to install it) when ``dot`` is absent."""
    if not dot_available():
        raise GraphvizNotInstalledError(purpose)


def output_format(path: str | os.PathLike[str],
                  render_kwargs: Mapping[str, Any] | None = None) -> tuple[Path, str]:
    """The path to write and the format to write it in, from the path's suffix.

    A path without a suffix takes ``render_kwargs['format']`` (default ``png``) as its suffix.

    >>> output_format("lineage.svg")
    (PosixPath('lineage.svg'), 'svg')
    """
    target = Path(path)
    suffix = target.suffix[1:].lower()
    wanted = (render_kwargs or {}).get("format")
    if not suffix:
        suffix = str(wanted or "png").lower()
        target = target.with_name(f"{target.name}.{suffix}")
    elif wanted and str(wanted).lower() != suffix:
        raise LineageError(
            f"output_file_path {str(path)!r} asks for {suffix!r} but render_kwargs asks for "
            f"format={wanted!r}; drop 'format' from render_kwargs (the suffix decides)."
        )
    if suffix not in DOT_SUFFIXES and suffix not in RENDER_FORMATS:
        raise LineageError(
            f"Cannot write {str(path)!r}: graphviz has no {suffix!r} format. Use a suffix such "
            "as .png, .svg, .pdf or .dot (all graphviz formats: " + ", ".join(RENDER_FORMATS)
            + ")."
        )
    return target, suffix


def write_picture(
    digraph: graphviz.Digraph,
    path: str | os.PathLike[str],
    render_kwargs: Mapping[str, Any] | None = None,
    keep_dot: bool = False,
) -> Path:
    """Render ``digraph`` to ``path`` (format from the suffix) and return the path written.

    ``render_kwargs`` may hold ``view`` (open the file afterwards), ``engine``, ``renderer``,
    ``formatter``, ``quiet``; graphviz ``render`` arguments about file names (``cleanup``,
    ``directory``, ``filename``) are accepted and ignored, since the path decides.
    """
    render_kwargs = dict(render_kwargs or {})
    target, fmt = output_format(path, render_kwargs)
    unknown = sorted(set(render_kwargs) - {"view", "format", *_PIPE_OPTIONS, *_IGNORED_OPTIONS})
    if unknown:
        raise LineageError(
            f"render_kwargs has unknown keys {unknown}; accepted: view, format, "
            + ", ".join(_PIPE_OPTIONS) + "."
        )
    if not target.parent.exists():
        raise LineageError(
            f"Cannot write {str(target)!r}: directory {str(target.parent)!r} does not exist."
        )
    source = digraph.source.encode("utf-8")
    if fmt in DOT_SUFFIXES:
        _write_atomically(target, source)
        return target
    require_dot(f"write {str(target)!r}")
    options = {k: render_kwargs[k] for k in _PIPE_OPTIONS if k in render_kwargs}
    options.setdefault("quiet", True)  # dot's stderr goes into the error message instead
    try:
        data = digraph.pipe(format=fmt, **options)
    except graphviz.ExecutableNotFound:
        raise GraphvizNotInstalledError(f"write {str(target)!r}") from None
    except graphviz.CalledProcessError as error:
        raise LineageError(f"graphviz failed to render {str(target)!r}: {error}") from None
    if keep_dot:
        _write_atomically(target.with_suffix(".dot"), source)
    _write_atomically(target, data)
    if render_kwargs.get("view"):
        graphviz.view(str(target))
    return target


def _write_atomically(target: Path, data: bytes) -> None:
    with atomic_target(target) as temporary:
        temporary.write_bytes(data)


@contextlib.contextmanager
def atomic_target(target: Path) -> Iterator[Path]:
    """A temporary path next to ``target``; renamed onto ``target`` (with the usual file
    permissions) when the block succeeds, removed when it fails.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     with atomic_target(Path(folder) / "a.txt") as path:
    ...         _ = path.write_text("hi")
    ...     sorted(p.name for p in Path(folder).iterdir())
    ['a.txt']
    """
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
