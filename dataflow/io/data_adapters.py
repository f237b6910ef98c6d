"""The base classes of loaders and savers (Hamilton's ``hamilton.io.data_adapters``).

A loader or saver is a dataclass: its fields are the parameters users pass to
``from_.<format>(...)`` / ``to.<format>(...)`` / ``@load_from.<format>(...)``, fields without a
default are required. The class says which Python types it handles
(:meth:`AdapterCommon.applicable_types`) and under which format name it is registered
(:meth:`AdapterCommon.name`); :func:`dataflow.io.registry.register_adapter` makes it available.

>>> import dataclasses, json
>>> from dataflow.io import DataSaver, register_adapter
>>> @dataclasses.dataclass
... class UpperJSON(DataSaver):
...     path: str
...     @classmethod
...     def applicable_types(cls): return [dict]
...     @classmethod
...     def name(cls): return "upper_json"
...     def save_data(self, data):
...         from dataflow.io.utils import atomic_write_text, get_file_metadata
...         atomic_write_text(self.path, json.dumps(data).upper())
...         return get_file_metadata(self.path)
>>> register_adapter(UpperJSON)
"""

from __future__ import annotations

import abc
import dataclasses
import typing
from collections.abc import Sequence
from typing import Any


class AdapterCommon(abc.ABC):
    """What loaders and savers share: their format name, the types they handle, and their
    parameters (read from the dataclass fields)."""

    @classmethod
    @abc.abstractmethod
    def applicable_types(cls) -> Sequence[type]:
        """The Python types this adapter loads or saves (``object`` for any)."""

    @classmethod
    @abc.abstractmethod
    def name(cls) -> str:
        """The format name: ``from_.<name>``, ``to.<name>``, ``@load_from.<name>``."""

    @classmethod
    def applies_to(cls, type_: Any) -> bool:
        """Whether this adapter handles values of ``type_`` (``Any`` fits every adapter)."""
        if type_ is Any:
            return True
        target = typing.get_origin(type_) or type_
        if not isinstance(target, type):
            return False
        for candidate in cls.applicable_types():
            if candidate is Any or candidate is object:
                return True
            candidate = typing.get_origin(candidate) or candidate
            if isinstance(candidate, type) and issubclass(target, candidate):
                return True
        return False

    @classmethod
    def applicable_type_names(cls) -> list[str]:
        """The applicable types, named for messages."""
        return [getattr(t, "__qualname__", repr(t)) for t in cls.applicable_types()]

    @classmethod
    def _fields(cls) -> tuple[dataclasses.Field[Any], ...]:
        if not dataclasses.is_dataclass(cls):
            raise TypeError(f"{cls.__qualname__} must be a @dataclasses.dataclass: its fields "
                            "are the parameters users pass.")
        return dataclasses.fields(cls)

    @classmethod
    def get_required_arguments(cls) -> dict[str, Any]:
        """Parameter name → type, for the parameters without a default."""
        return {f.name: f.type for f in cls._fields()
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING}

    @classmethod
    def get_optional_arguments(cls) -> dict[str, Any]:
        """Parameter name → type, for the parameters with a default."""
        return {f.name: f.type for f in cls._fields()
                if not (f.default is dataclasses.MISSING
                        and f.default_factory is dataclasses.MISSING)}

    @classmethod
    def describe(cls) -> str:
        """``csv (PandasCSVReader)``, for errors and lineage."""
        return f"{cls.name()} ({cls.__qualname__})"


class DataLoader(AdapterCommon, abc.ABC):
    """Loads a value: :meth:`load_data` returns ``(value, metadata)``."""

    @abc.abstractmethod
    def load_data(self, type_: type) -> tuple[Any, dict[str, Any]]:
        """The loaded value (of ``type_``) and its metadata (see :mod:`dataflow.io.utils`)."""


class DataSaver(AdapterCommon, abc.ABC):
    """Saves a value: :meth:`save_data` writes it and returns its metadata."""

    @abc.abstractmethod
    def save_data(self, data: Any) -> dict[str, Any]:
        """Write ``data`` (atomically, for files) and return its metadata."""
