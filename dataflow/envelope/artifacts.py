"""Model files, content-addressed, through fsspec (a local directory by default).

An artifact is stored under the SHA-256 of its bytes (``ab/abcdef…``): the same model saved twice
is stored once, and a file is never changed after it is written. Writes go to a temporary name in
the same directory and are renamed into place when complete (fsynced first on a local disk), so a
crash leaves at most a ``.tmp-*`` file, never a torn artifact under a real name; reads check the
hash, so a file damaged later is reported rather than unpickled.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Callable
from typing import IO, Any

import fsspec

TEMPORARY_MARK = ".tmp-"


class ArtifactError(OSError):
    """An artifact is missing or does not hold the bytes its name promises."""


class _HashingWriter:
    """A binary file wrapper that hashes what passes through it."""

    def __init__(self, file: IO[bytes]) -> None:
        self.file = file
        self.hash = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.hash.update(data)
        self.size += len(data)
        return self.file.write(data)


class ArtifactStore:
    """Content-addressed files under ``root`` (any fsspec URL or a local path)."""

    def __init__(self, root: str | os.PathLike[str], create: bool = True) -> None:
        root = os.fspath(root)
        self.fs, self.root = fsspec.core.url_to_fs(root)
        self.root = self.root.rstrip("/")
        self.local = "file" in (self.fs.protocol if isinstance(self.fs.protocol, tuple)
                                else (self.fs.protocol,))
        self.url = root
        if create:  # (a read-only registry's store is read as it is)
            self.fs.makedirs(self.root, exist_ok=True)

    def path_of(self, digest: str) -> str:
        return f"{self.root}/{digest[:2]}/{digest}"

    def write(self, produce: Callable[[Any], None]) -> str:
        """Call ``produce(file)`` to write an artifact; returns its SHA-256 once it is in place.

        ``produce`` writes to a temporary file; only a complete, flushed file gets its real name.
        """
        temporary = f"{self.root}/{TEMPORARY_MARK}{uuid.uuid4().hex}"
        try:
            with self.fs.open(temporary, "wb") as raw:
                writer = _HashingWriter(raw)
                produce(writer)
                if self.local:
                    raw.flush()
                    os.fsync(raw.fileno())
            digest = writer.hash.hexdigest()
            target = self.path_of(digest)
            if self.fs.exists(target):
                self.fs.rm(temporary)
            else:
                self.fs.makedirs(f"{self.root}/{digest[:2]}", exist_ok=True)
                self.fs.mv(temporary, target)
                if self.local:
                    _fsync_directory(os.path.dirname(target))
            return digest
        except BaseException:
            try:
                if self.fs.exists(temporary):
                    self.fs.rm(temporary)
            except OSError:
                pass
            raise

    def read(self, digest: str) -> bytes:
        """The bytes of an artifact, checked against its hash."""
        path = self.path_of(digest)
        try:
            with self.fs.open(path, "rb") as file:
                data = file.read()
        except FileNotFoundError as error:
            raise ArtifactError(f"artifact {digest} is missing from {self.url!r} "
                                f"(looked for {path!r}).") from error
        if hashlib.sha256(data).hexdigest() != digest:
            raise ArtifactError(f"artifact {path!r} is damaged: its bytes do not hash to "
                                f"{digest}. Save the model again.")
        return data

    def exists(self, digest: str) -> bool:
        return bool(self.fs.exists(self.path_of(digest)))

    def temporaries(self) -> list[str]:
        """Temporary files left by writers that crashed (or are writing right now)."""
        return [path for path in self.fs.ls(self.root, detail=False)
                if path.rstrip("/").rsplit("/", 1)[-1].startswith(TEMPORARY_MARK)]


def _fsync_directory(directory: str) -> None:
    try:
        handle = os.open(directory, os.O_RDONLY)
    except OSError:  # Windows cannot open a directory
        return
    try:
        os.fsync(handle)
    finally:
        os.close(handle)
