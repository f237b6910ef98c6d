"""The generic formats: ``json``, ``pickle``, ``file``, ``literal``, ``environment``, and numpy
``npy`` (numpy imported only when an array is loaded or saved). Hamilton's names and parameters.
"""

from __future__ import annotations

import dataclasses
import json
import os
import pickle
from collections.abc import Sequence
from typing import Any

from dataflow.io.data_adapters import DataLoader, DataSaver
from dataflow.io.utils import (
    atomic_path,
    atomic_write_bytes,
    get_array_metadata,
    get_file_metadata,
    loaded_class,
)


@dataclasses.dataclass
class JSONDataLoader(DataLoader):
    """``from_.json(path=...)``: a ``dict`` or ``list`` from a JSON file."""

    path: str

    @classmethod
    def applicable_types(cls) -> Sequence[type]:
        return [dict, list]

    @classmethod
    def name(cls) -> str:
        return "json"

    def load_data(self, type_: type) -> tuple[Any, dict[str, Any]]:
        with open(self.path, encoding="utf-8") as handle:
            data = json.load(handle)
        return data, get_file_metadata(self.path)


@dataclasses.dataclass
class JSONDataSaver(DataSaver):
    """``to.json(path=...)``: a ``dict`` or ``list`` to a JSON file."""

    path: str
    indent: int | None = None

    @classmethod
    def applicable_types(cls) -> Sequence[type]:
        return [dict, list]

    @classmethod
    def name(cls) -> str:
        return "json"

    def save_data(self, data: Any) -> dict[str, Any]:
        atomic_write_bytes(self.path, json.dumps(data, indent=self.indent).encode("utf-8"))
        return get_file_metadata(self.path)


@dataclasses.dataclass
class PickleLoader(DataLoader):
    """``from_.pickle(path=...)``: any object from a pickle file. Unpickling runs code from
    the file: load only files you (or your own pipeline) wrote."""

    path: str

    @classmethod
    def applicable_types(cls) -> Sequence[type]:
        return [object]

    @classmethod
    def name(cls) -> str:
        return "pickle"

    def load_data(self, type_: type) -> tuple[Any, dict[str, Any]]:
        with open(self.path, "rb") as handle:
            data = pickle.load(handle)
        return data, get_file_metadata(self.path)


@dataclasses.dataclass
class PickleSaver(DataSaver):
    """``to.pickle(path=...)``: any picklable object to a file."""

    path: str
    protocol: int = pickle.DEFAULT_PROTOCOL

    @classmethod
    def applicable_types(cls) -> Sequence[type]:
        return [object]

    @classmethod
    def name(cls) -> str:
        return "pickle"

    def save_data(self, data: Any) -> dict[str, Any]:
        with atomic_path(self.path) as temporary, open(temporary, "wb") as handle:
            pickle.dump(data, handle, protocol=self.protocol)
        return get_file_metadata(self.path)


@dataclasses.dataclass
class RawFileDataLoader(DataLoader):
    """``from_.file(path=..., encoding="utf-8")``: a file's text."""

    path: str
    encoding: str = "utf-8"

    @classmethod
    def applicable_types(cls) -> Sequence[type]:
        return [str]

    @classmethod
    def name(cls) -> str:
        return "file"

    def load_data(self, type_: type) -> tuple[Any, dict[str, Any]]:
        with open(self.path, encoding=self.encoding) as handle:
            return handle.read(), get_file_metadata(self.path)


@dataclasses.dataclass
class RawFileDataSaver(DataSaver):
    """``to.file(path=..., encoding="utf-8")``: text (``str``) or ``bytes`` to a file."""

    path: str
    encoding: str = "utf-8"

    @classmethod
    def applicable_types(cls) -> Sequence[type]:
        return [str, bytes]

    @classmethod
    def name(cls) -> str:
        return "file"

    def save_data(self, data: Any) -> dict[str, Any]:
        payload = data if isinstance(data, bytes) else str(data).encode(self.encoding)
        atomic_write_bytes(self.path, payload)
        return get_file_metadata(self.path)


@dataclasses.dataclass
class LiteralValueDataLoader(DataLoader):
    """``from_.literal(value=...)``: the value itself (handy to stub a loader in tests)."""

    value: Any

    @classmethod
    def applicable_types(cls) -> Sequence[type]:
        return [object]

    @classmethod
    def name(cls) -> str:
        return "literal"

    def load_data(self, type_: type) -> tuple[Any, dict[str, Any]]:
        return self.value, {}


@dataclasses.dataclass
class EnvVarDataLoader(DataLoader):
    """``from_.environment(names=("A", "B"))``: a dict of those environment variables (a
    missing one is an error naming it)."""

    names: tuple[str, ...]

    @classmethod
    def applicable_types(cls) -> Sequence[type]:
        return [dict]

    @classmethod
    def name(cls) -> str:
        return "environment"

    def load_data(self, type_: type) -> tuple[Any, dict[str, Any]]:
        names = (self.names,) if isinstance(self.names, str) else tuple(self.names)
        missing = [n for n in names if n not in os.environ]
        if missing:
            raise KeyError(f"environment variable(s) not set: {', '.join(missing)}")
        return {n: os.environ[n] for n in names}, {"environment": {"names": list(names)}}


@dataclasses.dataclass
class NumpyNpyReader(DataLoader):
    """``from_.npy(path=..., mmap_mode=None, allow_pickle=False)``: a numpy array."""

    path: str
    mmap_mode: str | None = None
    allow_pickle: bool = False
    fix_imports: bool = True
    encoding: str = "ASCII"

    @classmethod
    def applicable_types(cls) -> Sequence[type]:
        return loaded_class("numpy", "ndarray")

    @classmethod
    def applicable_type_names(cls) -> list[str]:
        return ["numpy.ndarray"]

    @classmethod
    def name(cls) -> str:
        return "npy"

    def load_data(self, type_: type) -> tuple[Any, dict[str, Any]]:
        import numpy as np

        options: dict[str, Any] = {"mmap_mode": self.mmap_mode, "encoding": self.encoding,
                                   "allow_pickle": self.allow_pickle,
                                   "fix_imports": self.fix_imports}
        array = np.load(self.path, **options)
        return array, {**get_file_metadata(self.path), **get_array_metadata(array)}


@dataclasses.dataclass
class NumpyNpyWriter(DataSaver):
    """``to.npy(path=..., allow_pickle=False)``: a numpy array to a ``.npy`` file."""

    path: str
    allow_pickle: bool = False
    fix_imports: bool = True
    """Accepted for Hamilton's signature; numpy 2 ignores it when saving."""

    @classmethod
    def applicable_types(cls) -> Sequence[type]:
        return loaded_class("numpy", "ndarray")

    @classmethod
    def applicable_type_names(cls) -> list[str]:
        return ["numpy.ndarray"]

    @classmethod
    def name(cls) -> str:
        return "npy"

    def save_data(self, data: Any) -> dict[str, Any]:
        import numpy as np

        with atomic_path(self.path) as temporary, open(temporary, "wb") as handle:
            np.save(handle, data, allow_pickle=self.allow_pickle)
        return {**get_file_metadata(self.path), **get_array_metadata(data)}


ADAPTERS: tuple[type[Any], ...] = (
    JSONDataLoader, JSONDataSaver, PickleLoader, PickleSaver, RawFileDataLoader,
    RawFileDataSaver, LiteralValueDataLoader, EnvVarDataLoader, NumpyNpyReader, NumpyNpyWriter,
)
