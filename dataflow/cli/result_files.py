"""Where and how ``dataflow run`` writes its DataFrame: ``.parquet``, ``.csv``, ``.json`` or
``.pkl``, picked by the suffix.

Everything that can make the write fail (the suffix, the directory, a parquet engine) is checked
before the dataflow runs, so nobody waits for a long run to learn the file cannot be written;
the file is written under a temporary name and renamed, so a failure leaves nothing behind.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import shlex
from pathlib import Path
from typing import Any

from dataflow.cli.errors import CliError
from dataflow.errors import did_you_mean
from dataflow.lineage import output as picture_output

RESULT_SUFFIXES = (".parquet", ".csv", ".json", ".pkl")


def checked_target(output: str) -> Path:
    """``output`` as a path that the result can be written to, or a :class:`CliError` saying
    why it cannot."""
    target = Path(output)
    if target.suffix not in RESULT_SUFFIXES:
        found = f"its suffix is {target.suffix!r}" if target.suffix else "it has no suffix"
        hint = did_you_mean(target.suffix, RESULT_SUFFIXES) if target.suffix else ""
        raise CliError(f"Cannot write {output!r} (--output): {found}; use one of "
                       f"{', '.join(RESULT_SUFFIXES)}.{hint}")
    if not target.parent.is_dir():
        raise CliError(f"Cannot write {output!r} (--output): directory "
                       f"{str(target.parent)!r} does not exist. Create it first "
                       f"(mkdir -p {shlex.quote(str(target.parent))}) or write elsewhere.")
    if target.suffix == ".parquet":
        require_parquet_engine(target)
    return target


def require_parquet_engine(target: Path) -> None:
    """Refuse a ``.parquet`` output before running anything when pandas has no parquet engine
    (pyarrow or fastparquet), saying what to install."""
    for engine in ("pyarrow", "fastparquet"):
        try:
            importlib.import_module(engine)
            return
        except ImportError:
            continue
    extra = ""
    if "parquet" in _declared_extras():
        extra = (" (or install dataflow with its parquet extra: pip install -e '.[parquet]' "
                 "in the dataflow source tree)")
    raise CliError(f"Writing {str(target)!r} needs pyarrow, which is not installed: "
                   f"pip install pyarrow{extra}. Or write .csv, .json or .pkl instead.")


def _declared_extras() -> list[str]:
    try:
        return importlib.metadata.metadata("dataflow").get_all("Provides-Extra") or []
    except importlib.metadata.PackageNotFoundError:
        return []


def write_frame(frame: Any, target: Path) -> None:
    """Write ``frame`` in the format of ``target``'s suffix, all or nothing."""
    with picture_output.atomic_target(target) as temporary:
        if target.suffix == ".parquet":
            frame.to_parquet(temporary)
        elif target.suffix == ".csv":
            frame.to_csv(temporary)
        elif target.suffix == ".json":
            frame.to_json(temporary)
        else:
            frame.to_pickle(temporary)


def frame_size(frame: Any) -> str:
    """``"2 rows, 1 column"``: what ``run`` reports after writing."""
    return f"{_count(len(frame), 'row')}, {_count(len(frame.columns), 'column')}"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
