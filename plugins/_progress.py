"""What the progress bars share (no third-party import here)."""

from __future__ import annotations

from typing import Any


def purpose_name(purpose: Any) -> str:
    """``"EXECUTE_BLOCK"``, ``"GATHER"``, ... for a task's purpose: Hamilton's
    ``NodeGroupPurpose`` or its dataflow counterpart (an enum member, or its name or value)."""
    name = getattr(purpose, "name", None)
    return str(name if name is not None else purpose).upper()
