"""The registry of loaders and savers, keyed by format name, chosen by Python type.

Plugins add formats with :func:`register_adapter`; ``from_.<format>``, ``to.<format>``,
``@load_from.<format>`` and ``@save_to.<format>`` look them up here. Several adapters may share a
format name (``json`` saves a ``dict`` with the generic saver and a ``DataFrame`` with pandas'):
the type of the node picks one, the most recently registered first, so a plugin's adapter wins
over a built-in one for the same type.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from dataflow.errors import DataflowError, did_you_mean
from dataflow.io.data_adapters import AdapterCommon, DataLoader, DataSaver
from dataflow.node import qualified_type_name

LOADER_REGISTRY: dict[str, list[type[DataLoader]]] = {}
"""Format name → loader classes, in registration order."""
SAVER_REGISTRY: dict[str, list[type[DataSaver]]] = {}
"""Format name → saver classes, in registration order."""


class UnknownFormatError(DataflowError, AttributeError):
    """No loader or saver is registered under a format name (an ``AttributeError`` too, since
    it is raised by ``from_.<format>`` attribute access, as in Hamilton)."""


class FormatTypeError(DataflowError):
    """A format has no loader or saver for the type of the node it was given."""


def register_adapter(adapter: type[AdapterCommon]) -> None:
    """Register a :class:`DataLoader` or :class:`DataSaver` subclass (or a class that is both)
    under its :meth:`~AdapterCommon.name`. Registering the same class twice is a no-op."""
    if not (isinstance(adapter, type) and issubclass(adapter, (DataLoader, DataSaver))):
        raise TypeError(f"register_adapter({adapter!r}): expected a DataLoader or DataSaver "
                        "subclass.")
    adapter._fields()  # a dataclass, or a clear TypeError now
    name = adapter.name()
    if issubclass(adapter, DataLoader):
        _add(LOADER_REGISTRY.setdefault(name, []), adapter)
    if issubclass(adapter, DataSaver):
        _add(SAVER_REGISTRY.setdefault(name, []), adapter)


def _add(registered: list[Any], adapter: type[AdapterCommon]) -> None:
    if adapter not in registered:
        registered.append(adapter)


def _registry(kind: str) -> dict[str, list[Any]]:
    return LOADER_REGISTRY if kind == "loader" else SAVER_REGISTRY


def formats(kind: str) -> list[str]:
    """The registered format names of ``kind`` (``"loader"`` or ``"saver"``), sorted."""
    return sorted(_registry(kind))


def check_format(kind: str, name: str, where: str) -> None:
    """Raise :class:`UnknownFormatError` (with a did-you-mean) when no ``kind`` is registered
    under ``name``; ``where`` is how the message names the caller (``from_``, ``@save_to``)."""
    if name not in _registry(kind):
        known = formats(kind)
        raise UnknownFormatError(
            f"{where}.{name}: no {kind} is registered for the format {name!r}."
            f"{did_you_mean(name, known)} Known formats: {', '.join(known)}. A plugin adds one "
            "with dataflow.io.register_adapter(MyAdapterClass).")


def adapters_for(kind: str, name: str) -> list[Any]:
    """Every adapter of ``kind`` registered under ``name``, most recent first."""
    return list(reversed(_registry(kind).get(name, [])))


def adapter_for(kind: str, name: str, type_: Any, where: str) -> Any:
    """The adapter class of ``kind`` for format ``name`` and values of ``type_``.

    ``where`` names the materializer and node for the error raised when none fits (a dict to
    ``csv``): it lists what the format handles and which formats handle ``type_``.
    """
    check_format(kind, name, where.split("(")[0])
    candidates = adapters_for(kind, name)
    if type_ is Any or type_ is object:  # nothing to choose by: the first (generic) one
        return candidates[-1]
    for adapter in candidates:
        if adapter.applies_to(type_):
            return adapter
    handled = sorted({t for a in candidates for t in a.applicable_type_names()})
    fitting = [f for f in formats(kind) if any(a.applies_to(type_) for a in adapters_for(kind, f))]
    raise FormatTypeError(
        f"{where}: the format {name!r} cannot {'load' if kind == 'loader' else 'save'} "
        f"{qualified_type_name(type_)}; it handles {', '.join(handled)}. "
        f"Formats for {qualified_type_name(type_)}: {', '.join(fitting) or '(none)'}.")


def all_adapters(kind: str) -> Iterable[Any]:
    for registered in _registry(kind).values():
        yield from registered
