"""What the progress bars share (no third-party import here)."""

from __future__ import annotations

from typing import Any


def purpose_name(purpose: Any) -> str:
    """``"EXECUTE_BLOCK"``, ``"GATHER"``, ... for a task's purpose: Hamilton's
    ``NodeGroupPurpose`` or its dataflow counterpart (an enum member, or its name or value)."""
    name = getattr(purpose, "name", None)
    return str(name if name is not None else purpose).upper()


def sendable(values: Any) -> Any:
    """The constructor arguments a progress bar's pickled copy keeps: of a dict, the items
    whose values pickle; of a list, the elements that pickle. A stream (anything with a
    ``write`` method: a file, a ``StringIO``) belongs to this process, and what does not pickle
    (a console) is left behind: the copy uses the library's default for it."""
    import pickle

    def pickles(value: Any) -> bool:
        if callable(getattr(value, "write", None)):
            return False
        try:
            pickle.dumps(value)
        except Exception:  # PicklingError, TypeError, AttributeError, ...
            return False
        return True

    if isinstance(values, dict):
        return {key: value for key, value in values.items() if pickles(value)}
    return [value for value in values if pickles(value)]
