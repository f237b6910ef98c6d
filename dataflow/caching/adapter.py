"""The cache adapter: reuses a node's stored result when its code and its inputs are unchanged.

``Builder().with_cache(path=...)`` adds a :class:`CacheAdapter` to the driver; ``dr.cache`` is
that adapter. It works through the lifecycle seam only (``run_to_execute_node``: the run loops
do not know about caching), so a driver without a cache runs exactly as before.

For each node a run reaches, the adapter forms the **cache key**: the node's code version
(:mod:`dataflow.caching.code_version`) and the data versions
(:mod:`dataflow.caching.fingerprinting`) of every value it reads, inputs, overrides and config
included. A key found in the metadata store whose result file can be read is a *hit*: the node
is not called. Otherwise the node runs and its result is fingerprinted, written (file first,
then metadata) and logged.

Behaviours (Hamilton's): ``DEFAULT`` reuse and store; ``RECOMPUTE`` always run, store;
``DISABLE`` run as without a cache, and every node reading it is recomputed; ``IGNORE`` run as
without a cache, and readers leave it out of their keys (clients, connections). The driver's
lists (``with_cache(recompute=[...])``) win over ``@cache(behavior=...)``, which wins over
``default_behavior``. Loaders and savers (``dataflow.io``) default to ``RECOMPUTE``: a file
read again may have changed, and a file to write must be written (Hamilton reuses both, and
serves a changed file's old data).
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import enum
import functools
import hashlib
import inspect
import os
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Collection, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Literal

from dataflow.caching.code_version import code_version
from dataflow.caching.fingerprinting import Unfingerprintable, data_version
from dataflow.caching.stores import (
    FORMATS,
    FileResultStore,
    ResultChanged,
    ResultMissing,
    SQLiteMetadataStore,
    StoredResult,
    boot_id,
    format_for,
)
from dataflow.errors import DataflowError, did_you_mean
from dataflow.graph_types import internal_graph
from dataflow.node import NodeRole

__all__ = ["CacheAdapter", "CachingBehavior", "CachingEvent", "CachingEventType",
           "HamiltonCacheAdapter"]

BEHAVIOR_TAG = "cache.behavior"
FORMAT_TAG = "cache.format"

Behaviors = Literal["default", "recompute", "disable", "ignore"]
NodeSelection = Literal[True] | Collection[str] | None


class CachingBehavior(enum.Enum):
    """What the cache does at a node (see the module docstring)."""

    DEFAULT = 1
    RECOMPUTE = 2
    DISABLE = 3
    IGNORE = 4

    @classmethod
    def from_string(cls, text: str) -> CachingBehavior:
        try:
            return cls[text.upper()]
        except KeyError:
            names = [b.name.lower() for b in cls]
            raise DataflowError(f"{text!r} is not a caching behaviour; use one of {names}."
                                f"{did_you_mean(text.lower(), names)}") from None


class CachingEventType(enum.Enum):
    """What happened at a node (Hamilton's event names)."""

    GET_DATA_VERSION = "get_data_version"
    SET_DATA_VERSION = "set_data_version"
    GET_CACHE_KEY = "get_cache_key"
    SET_CACHE_KEY = "set_cache_key"
    GET_RESULT = "get_result"
    SET_RESULT = "set_result"
    MISSING_RESULT = "missing_result"
    FAILED_RETRIEVAL = "failed_retrieval"
    EXECUTE_NODE = "execute_node"
    FAILED_EXECUTION = "failed_execution"
    RESOLVE_BEHAVIOR = "resolve_behavior"
    UNHASHABLE_DATA_VERSION = "unhashable_data_version"
    FAILED_STORE = "failed_store"
    """dataflow's: writing a result failed (the run goes on; the node is not stored)."""
    IS_OVERRIDE = "is_override"
    IS_INPUT = "is_input"
    IS_FINAL_VAR = "is_final_var"


_INFO_EVENTS = {CachingEventType.GET_RESULT, CachingEventType.EXECUTE_NODE,
                CachingEventType.FAILED_EXECUTION, CachingEventType.UNHASHABLE_DATA_VERSION,
                CachingEventType.FAILED_RETRIEVAL, CachingEventType.FAILED_STORE}


@dataclasses.dataclass(frozen=True)
class CachingEvent:
    """One logged fact: ``msg`` says why (for ``execute_node``: why the node was not reused)."""

    run_id: str
    actor: Literal["adapter", "metadata_store", "result_store"]
    event_type: CachingEventType
    node_name: str
    task_id: str | None = None
    msg: str | None = None
    value: Any = None
    timestamp: float = dataclasses.field(default_factory=time.time)

    def __str__(self) -> str:
        where = self.node_name if self.task_id is None else f"{self.task_id}::{self.node_name}"
        text = f"{where}::{self.actor}::{self.event_type.value}"
        return text + (f"::{self.msg}" if self.msg else "")


_UNVERSIONED = "<unversioned>"
"""Stands for a value with no data version: a key made of it is never looked up."""


def _selection(name: str, selection: NodeSelection) -> frozenset[str] | bool:
    if selection is None:
        return frozenset()
    if selection is True:
        return True
    if isinstance(selection, str):
        raise DataflowError(f"with_cache({name}={selection!r}): give a list of node names "
                            f"(or True for every node), e.g. {name}=[{selection!r}].")
    return frozenset(selection)


class CacheAdapter:
    """Caches node results on disk (see the module docstring). Built by
    ``Builder().with_cache(...)``, reached as ``dr.cache``."""

    _writing_pool = "writing"

    def __init__(self, path: str | os.PathLike[str] = ".dataflow_cache", *,
                 metadata_store: SQLiteMetadataStore | None = None,
                 result_store: FileResultStore | None = None,
                 default: NodeSelection = None, recompute: NodeSelection = None,
                 ignore: NodeSelection = None, disable: NodeSelection = None,
                 default_behavior: Behaviors = "default",
                 default_loader_behavior: Behaviors = "recompute",
                 default_saver_behavior: Behaviors = "recompute",
                 log_to_file: bool = False) -> None:
        self.path = Path(path)
        self.metadata_store = metadata_store or SQLiteMetadataStore(self.path)
        self.result_store = result_store or FileResultStore(self.path / "results")
        self._lists = {
            CachingBehavior.DEFAULT: _selection("default", default),
            CachingBehavior.RECOMPUTE: _selection("recompute", recompute),
            CachingBehavior.IGNORE: _selection("ignore", ignore),
            CachingBehavior.DISABLE: _selection("disable", disable),
        }
        everyone = [b for b, s in self._lists.items() if s is True]
        if len(everyone) > 1:
            raise DataflowError(
                "with_cache: only one behaviour can apply to every node (True); got "
                f"{', '.join(b.name.lower() for b in everyone)}.")
        self.default_behavior = CachingBehavior.from_string(default_behavior)
        self.default_loader_behavior = CachingBehavior.from_string(default_loader_behavior)
        self.default_saver_behavior = CachingBehavior.from_string(default_saver_behavior)
        self.log_to_file = log_to_file
        self._boot = boot_id()
        """This boot of the machine: results are written without fsync and checked when read
        in a later boot (``None`` where the platform has no boot id: each file is fsynced)."""
        self._written: set[tuple[str, str]] = set()
        """Result files this adapter wrote (in this boot): written once."""
        self._changed_later: set[str] = set()
        """Nodes whose result a later node changed in place before the writer thread got to
        it (in this adapter, or in any run the metadata store remembers): written as soon as
        they are produced (see :meth:`_write_batch`)."""
        self._lock = threading.RLock()
        self._graph: Any = None
        self._driver: Any = None
        self._code_versions: dict[str, str] = {}
        self.run_ids: list[str] = []
        self._events: dict[str, list[CachingEvent]] = {}
        self.behaviors: dict[str, dict[str, CachingBehavior]] = {}
        self.data_versions: dict[str, dict[str, str]] = {}
        self.cache_keys: dict[str, dict[str, str]] = {}
        self._run_id = ""
        """The latest run started (what a node sees when its own run is not known)."""
        self._current = contextvars.ContextVar[str](f"dataflow-cache-run-{id(self)}")
        """The run of the node being called, set before each node on the thread (or asyncio
        task) that calls it: concurrent ``execute`` calls keep their own logs and keys."""
        self._owner_pid = os.getpid()
        self._pools: dict[str, ThreadPoolExecutor] = {}
        self._pending: dict[str, list[Future[Any]]] = {}
        self._batch: list[_Write] = []
        """Results waiting to be handed to the writer thread as one batch."""
        self._batch_bytes = 0
        self._stored: dict[str, tuple[dict[str, StoredResult], frozenset[str]]] = {}
        """Each running run's view of the metadata store, read in one query when it starts
        (for the nodes of its path): cache key → stored result, and the nodes it covers."""
        self._new_versions: dict[str, dict[str, str]] = {}
        """In a worker process: data versions found since the last report, by run."""

    # -- pickling (worker processes get a copy without locks, graph or driver) -----------------

    def __getstate__(self) -> dict[str, Any]:
        """What a worker process needs: this run's behaviours, data versions and the code
        versions; not the history of earlier runs, locks, threads, the graph or the driver."""
        state = dict(self.__dict__)
        run = self._run()
        state["_events"] = {}
        state["run_ids"] = [run] if run else []
        for name in ("behaviors", "data_versions", "cache_keys"):
            state[name] = {run: dict(self.__dict__[name].get(run, {}))} if run else {}
        state["_lock"] = None
        state["_current"] = None
        state["_pools"] = {}
        state["_pending"] = {}
        state["_batch"] = []
        state["_batch_bytes"] = 0
        state["_stored"] = {}
        state["_written"] = set()
        state["_new_versions"] = {}
        state["_graph"] = None
        state["_driver"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.RLock()
        self._current = contextvars.ContextVar(f"dataflow-cache-run-{id(self)}")

    # -- lifecycle -----------------------------------------------------------------------------

    def attach(self, driver: Any) -> None:
        """Called by ``Builder.build``: the driver ``view_run`` and ``dry_run`` draw and plan
        with (held weakly)."""
        self._driver = weakref.ref(driver)
        self._graph = driver.graph

    def run_after_graph_construction(self, *, graph: Any, **future_kwargs: Any) -> None:
        self._graph = internal_graph(graph)  # the driver's Graph: the nodes' functions, config

    def run_before_graph_execution(self, *, graph: Any, final_vars: list[str],
                                   inputs: Mapping[str, Any], overrides: Mapping[str, Any],
                                   execution_path: list[str], run_id: str,
                                   **future_kwargs: Any) -> None:
        self._graph = graph = internal_graph(graph)
        self._current.set(run_id)
        with self._lock:
            self._run_id = run_id
            self.run_ids.append(run_id)
            self._events[run_id] = []
            self.data_versions[run_id] = {}
            self.cache_keys[run_id] = {}
            names = set(execution_path) | set(inputs) | set(overrides) | set(graph.config)
            behaviors = {name: self.resolve_behavior(name) for name in names
                         if name in graph.nodes}
            self.behaviors[run_id] = behaviors
        for name in execution_path:  # now, so that worker processes receive them
            self.version_code(name)
        self.flush()  # a run sees what the runs before it stored
        reusable = {name for name in execution_path
                    if behaviors.get(name) is CachingBehavior.DEFAULT}
        stored = self.metadata_store.get_for_nodes(reusable)
        changed_later = self.metadata_store.changed_in_place(execution_path)
        with self._lock:
            self._stored[run_id] = (stored, frozenset(reusable))
            self._changed_later |= changed_later
        for name, behavior in behaviors.items():
            self._log(name, CachingEventType.RESOLVE_BEHAVIOR, value=behavior)
        for name in final_vars:
            self._log(name, CachingEventType.IS_FINAL_VAR)
        for name in overrides:
            self._log(name, CachingEventType.IS_OVERRIDE)
        for name in inputs:
            self._log(name, CachingEventType.IS_INPUT)

    def run_before_node_execution(self, *, run_id: str = "", **future_kwargs: Any) -> None:
        """Note the node's run for :meth:`run_to_execute_node`, called next on this thread."""
        if run_id:
            self._current.set(run_id)

    def run_after_graph_execution(self, *, run_id: str = "", **future_kwargs: Any) -> None:
        run_id = run_id or self._run_id
        with self._lock:
            self._stored.pop(run_id, None)
        self.flush()
        if self.log_to_file:
            self._write_log_file(run_id)

    def _run(self) -> str:
        """The run of the node being called (see ``_current``)."""
        return self._current.get(self._run_id)

    def resolve_behavior(self, name: str) -> CachingBehavior:
        """The behaviour at node ``name``: the driver's lists, then ``@cache``, then the
        driver's default."""
        chosen = [b for b, s in self._lists.items()
                  if isinstance(s, frozenset) and name in s]
        if len(chosen) > 1:
            raise DataflowError(
                f"with_cache: node {name!r} is given several behaviours "
                f"({', '.join(b.name.lower() for b in chosen)}); give it one.")
        if chosen:
            return chosen[0]
        node = self._graph.nodes.get(name) if self._graph is not None else None
        tag = node.tags.get(BEHAVIOR_TAG) if node is not None else None
        if tag is not None:
            return CachingBehavior.from_string(tag)
        for behavior, selection in self._lists.items():
            if selection is True:
                return behavior
        if node is not None and node.tags.get("hamilton.data_loader"):
            return self.default_loader_behavior
        if node is not None and node.tags.get("hamilton.data_saver"):
            return self.default_saver_behavior
        return self.default_behavior

    def _behavior(self, name: str) -> CachingBehavior:
        known = self.behaviors.get(self._run(), {}).get(name)
        return known if known is not None else self.resolve_behavior(name)

    # -- versions and keys ---------------------------------------------------------------------

    def version_code(self, node_name: str, fn: Callable[..., Any] | None = None) -> str:
        """The code version of node ``node_name`` (memoised: code does not change under a
        built driver)."""
        version = self._code_versions.get(node_name)
        if version is None:
            node = self._graph.nodes[node_name] if self._graph is not None else None
            if node is None:
                version = code_version(node_name, fn, (fn,) if fn is not None else ())
            else:
                version = code_version(node_name, node.fn, node.originating_functions)
            self._code_versions[node_name] = version
        return version

    def _dependency_version(self, name: str, value: Any, task_id: str | None) -> str:
        behavior = self._behavior(name)
        if behavior is CachingBehavior.IGNORE:
            return "<ignore>"
        if behavior is CachingBehavior.DISABLE:
            return f"<disable>{uuid.uuid4().hex}"
        run_id = self._run()
        versions = self.data_versions.get(run_id)
        if task_id is None and versions is not None:
            known = versions.get(name)
            if known is not None:
                return known
        try:
            version = data_version(value)
        except Unfingerprintable as why:
            version = _UNVERSIONED
            self._log(name, CachingEventType.UNHASHABLE_DATA_VERSION, task_id, msg=str(why))
        if task_id is None and versions is not None:
            with self._lock:
                versions[name] = version
                if os.getpid() != self._owner_pid:
                    self._new_versions.setdefault(run_id, {})[name] = version
        return version

    def _cache_key(self, node_name: str, fn: Callable[..., Any],
                   kwargs: Mapping[str, Any], task_id: str | None) -> tuple[str | None, str]:
        """(the key, or ``None`` with the reason there is none)."""
        versions = {name: self._dependency_version(name, kwargs[name], task_id)
                    for name in kwargs}
        return self.key_of(node_name, versions, fn)

    def key_of(self, node_name: str, versions: Mapping[str, str],
               fn: Callable[..., Any] | None = None) -> tuple[str | None, str]:
        """The cache key of ``node_name`` reading values of data ``versions`` (by name), or
        ``None`` with the reason there is none."""
        unversioned = sorted(name for name, version in versions.items()
                             if version == _UNVERSIONED)
        if unversioned:
            return None, (f"its input(s) {', '.join(map(repr, unversioned))} cannot be "
                          "fingerprinted, so it is recomputed at every run (see the "
                          "unhashable_data_version events)")
        parts = [node_name, self.version_code(node_name, fn)]
        parts += [f"{name}={versions[name]}" for name in sorted(versions)]
        return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:48], ""

    # -- the node call -------------------------------------------------------------------------

    def run_to_execute_node(self, *, node_name: str, node_tags: Mapping[str, Any],
                            node_callable: Callable[..., Any], node_kwargs: dict[str, Any],
                            task_id: str | None = None, is_expand: bool = False,
                            is_collect: bool = False, **future_kwargs: Any) -> Any:
        behavior = self._behavior(node_name)
        if behavior in (CachingBehavior.IGNORE, CachingBehavior.DISABLE):
            self._log(node_name, CachingEventType.EXECUTE_NODE, task_id,
                      msg=f"behavior {behavior.name}")
            return node_callable(**node_kwargs)
        if is_expand or is_collect:
            kind = "Parallelizable" if is_expand else "Collect"
            self._log(node_name, CachingEventType.EXECUTE_NODE, task_id,
                      msg=f"{kind} node: not cached (its items are versioned one by one "
                          "downstream)")
            return node_callable(**node_kwargs)
        key, why = self._cache_key(node_name, node_callable, node_kwargs, task_id)
        if key is not None:
            with self._lock:
                self.cache_keys.setdefault(self._run(), {})[node_name] = key
            self._log(node_name, CachingEventType.SET_CACHE_KEY, task_id, value=key)
            if behavior is CachingBehavior.DEFAULT:
                found, why = self._retrieve(node_name, key, task_id)
                if found is not _MISS:
                    return found
            else:
                why = "behavior RECOMPUTE"
        self._log(node_name, CachingEventType.EXECUTE_NODE, task_id, msg=why)
        try:
            result = node_callable(**node_kwargs)
        except BaseException:
            self._log(node_name, CachingEventType.FAILED_EXECUTION, task_id)
            raise
        if inspect.isawaitable(result):
            return self._store_later(node_name, node_tags, key, result, task_id)
        self._store(node_name, node_tags, key, result, task_id)
        return result

    async def _store_later(self, node_name: str, node_tags: Mapping[str, Any], key: str | None,
                           awaitable: Any, task_id: str | None) -> Any:
        result = await awaitable
        self._store(node_name, node_tags, key, result, task_id)
        return result

    def _retrieve(self, node_name: str, key: str, task_id: str | None) -> tuple[Any, str]:
        known = self._stored.get(self._run())
        if (known is not None and task_id is None and node_name in known[1]
                and os.getpid() == self._owner_pid):
            stored = known[0].get(key)  # read when the run started
        else:
            stored = self.metadata_store.get(key)
        if stored is None:
            self._log(node_name, CachingEventType.GET_DATA_VERSION, task_id, msg="miss",
                      actor="metadata_store")
            return _MISS, "no stored result for this code and these inputs"
        version, format, written_boot, checksum = (*stored, None, None)[:4]
        if format not in FORMATS:
            return _MISS, f"stored in unknown format {format!r}"
        restarted = written_boot is not None and written_boot != self._boot
        try:
            if restarted:  # written without fsync before the machine restarted: is it whole?
                value, damage = self.result_store.get_checked(version, format, checksum)
            else:
                value, damage = self.result_store.get(version, format), None
        except ResultMissing as missing:
            self._log(node_name, CachingEventType.FAILED_RETRIEVAL, task_id, msg=str(missing),
                      actor="result_store")
            return _MISS, f"stored result unreadable ({missing}): recomputed"
        if damage is not None:
            del value
            self.metadata_store.delete(key)
            msg = (f"result file damaged ({damage}; written without fsync before the "
                   "machine restarted)")
            self._log(node_name, CachingEventType.FAILED_RETRIEVAL, task_id, msg=msg,
                      actor="result_store")
            return _MISS, f"{msg}: recomputed"
        if restarted:  # get_checked fsynced the file: every row of it may say so
            self.metadata_store.mark_on_disk(version, format)
        self._record_version(node_name, version, task_id)
        self._log(node_name, CachingEventType.GET_RESULT, task_id, msg="hit", value=version,
                  actor="result_store")
        return value, ""

    def _record_version(self, node_name: str, version: str, task_id: str | None) -> None:
        if task_id is None:
            run_id = self._run()
            with self._lock:
                self.data_versions.setdefault(run_id, {})[node_name] = version
                if os.getpid() != self._owner_pid:
                    self._new_versions.setdefault(run_id, {})[node_name] = version

    def _store(self, node_name: str, node_tags: Mapping[str, Any], key: str | None,
               result: Any, task_id: str | None) -> None:
        """Fingerprint ``result`` (here: a fingerprint costs a small fraction of computing a
        column, less than handing it to a thread) and, with a key, have it written. In the
        driver's process, outside fan-out tasks, results are written by the writer thread in
        batches (file writes release the GIL, so the run goes on meanwhile)."""
        format: str | None = None
        if key is not None:
            requested = node_tags.get(FORMAT_TAG)
            try:
                format = format_for(result, requested)
            except DataflowError as error:
                node = self._graph.nodes.get(node_name) if self._graph is not None else None
                where = f" ({node.where()})" if node is not None else ""
                raise DataflowError(f"@cache(format={requested!r}) on node {node_name!r}"
                                    f"{where}: {error}") from None
        try:
            version = data_version(result)
        except Unfingerprintable as why:
            self._record_version(node_name, _UNVERSIONED, task_id)
            self._log(node_name, CachingEventType.UNHASHABLE_DATA_VERSION, task_id,
                      msg=f"result not stored: {why}; nodes reading it are recomputed at "
                          "every run")
            return
        self._record_version(node_name, version, task_id)
        self._log(node_name, CachingEventType.SET_DATA_VERSION, task_id, value=version)
        if key is None or format is None:
            return
        write = _Write(node_name, key, version, format, result, task_id, self._run())
        if (task_id is not None or os.getpid() != self._owner_pid
                or node_name in self._changed_later):
            # a worker process's copy, a fan-out task, or a result that a later node changes
            # in place: now, before any other node can see it
            self._write_batch([write], at_once=True)
            return
        size = _size_of(result)
        with self._lock:
            self._batch.append(write)
            self._batch_bytes += size
            if len(self._batch) < BATCH_RESULTS and self._batch_bytes < BATCH_BYTES:
                return
            batch, self._batch, self._batch_bytes = self._batch, [], 0
        self._submit(self._writing_pool, functools.partial(self._write_batch, batch))

    def _write_batch(self, batch: list[_Write], at_once: bool = False) -> None:
        """The batch's result files, then their metadata rows in one transaction: a reader
        never finds a row without its whole file. Where the machine has a boot id, files are
        not fsynced: each row says in which boot its file was written, and a read in a later
        boot checks the file (see docs/caching.md, "Durability"); elsewhere each file is
        fsynced, then their directory once. A failure is logged (``failed_store``) and the run
        goes on, uncached there.

        Unless ``at_once`` (written before any other node ran), the nodes that read a result
        may have run meanwhile and changed it in place: each file must hold a value of the
        data version the result was produced with (see :meth:`FileResultStore.set`), else it
        is dropped and that node is written at once from then on."""
        durable = self._boot is None
        written: list[tuple[_Write, str | None]] = []
        for write in batch:
            try:
                name = (write.version, write.format)
                replace = (not durable and name not in self._written
                           and self.result_store.exists(*name)
                           and not self.metadata_store.vouched(*name, self._boot))
                checksum = self.result_store.set(
                    write.version, write.format, write.result, sync_directory=False,
                    durable=durable, replace=replace,
                    expected_version=None if at_once else write.version)
            except ResultChanged:
                with self._lock:
                    self._changed_later.add(write.node_name)
                with contextlib.suppress(Exception):  # only a speed-up for the next runs
                    self.metadata_store.note_changed_in_place(write.node_name)
                self._log(write.node_name, CachingEventType.FAILED_STORE, write.task_id,
                          msg="result not stored: it changed after it was produced (a node "
                              "reading it changed it in place); from now on it is written "
                              "as soon as it is produced", run_id=write.run_id)
            except Exception as error:  # a value pickle refuses, a full disk, ...
                self._log(write.node_name, CachingEventType.FAILED_STORE, write.task_id,
                          msg=f"result not stored ({type(error).__name__}: {error})",
                          run_id=write.run_id)
            else:
                written.append((write, checksum))
                self._written.add(name)
        if not written:
            return
        try:
            if durable:
                self.result_store.sync()
            self.metadata_store.set_many([
                {"cache_key": w.key, "node_name": w.node_name,
                 "code_version": self.version_code(w.node_name), "data_version": w.version,
                 "format": w.format, "run_id": w.run_id, "written_boot": self._boot,
                 "checksum": checksum} for w, checksum in written])
        except Exception as error:
            for write, _ in written:
                self._log(write.node_name, CachingEventType.FAILED_STORE, write.task_id,
                          msg=f"result not stored ({type(error).__name__}: {error})",
                          run_id=write.run_id)
            return
        for write, _ in written:
            self._log(write.node_name, CachingEventType.SET_RESULT, write.task_id,
                      value=write.version, actor="result_store", run_id=write.run_id)

    def _submit(self, pool: str, job: Callable[[], Any]) -> Future[Any]:
        """Hand ``job`` to the adapter's ``pool`` thread (one thread, created on first use).
        At most :data:`MAX_PENDING_BATCHES` jobs wait (each holds its results alive): beyond
        that the caller waits for the oldest."""
        with self._lock:
            executor = self._pools.get(pool)
            if executor is None:
                executor = ThreadPoolExecutor(max_workers=1,
                                              thread_name_prefix=f"dataflow-cache-{pool}")
                self._pools[pool] = executor
            pending = self._pending.setdefault(pool, [])
            future = executor.submit(job)
            pending.append(future)
            oldest = pending.pop(0) if len(pending) > MAX_PENDING_BATCHES else None
        if oldest is not None:
            oldest.result()
        return future

    def flush(self) -> None:
        """Wait until every result of the runs so far is on disk (called at the end of each
        run, so a run's results are stored when ``execute`` returns)."""
        with self._lock:
            batch, self._batch, self._batch_bytes = self._batch, [], 0
        if batch:
            self._submit(self._writing_pool, functools.partial(self._write_batch, batch))
        with self._lock:  # every batch handed over so far, this run's or another's
            pending = list(self._pending.get(self._writing_pool, []))
        for future in pending:
            future.result()
        with self._lock:
            self._pending[self._writing_pool] = [
                f for f in self._pending.get(self._writing_pool, []) if not f.done()]

    # -- worker processes ----------------------------------------------------------------------

    def report_to_caller(self) -> dict[str, Any] | None:
        """In a worker process (a copy of the adapter): the events logged and the data versions
        found since the last report, sent back to the driver's adapter (see
        :mod:`dataflow.execution.reports`)."""
        if os.getpid() == self._owner_pid:
            return None
        with self._lock:
            events = [event for run in self._events.values() for event in run]
            versions, self._new_versions = self._new_versions, {}
            self._events = {}
        return {"events": events, "versions": versions} if events or versions else None

    def receive_from_worker(self, report: dict[str, Any]) -> None:
        """In the driver's process: a worker's events join the run's logs, with the data
        versions and cache keys they carry."""
        with self._lock:
            for event in report["events"]:
                self._events.setdefault(event.run_id, []).append(event)
                if event.task_id is None and event.event_type is CachingEventType.SET_CACHE_KEY:
                    self.cache_keys.setdefault(event.run_id, {})[event.node_name] = event.value
            for run_id, versions in report["versions"].items():
                self.data_versions.setdefault(run_id, {}).update(versions)

    # -- logs ----------------------------------------------------------------------------------

    def _log(self, node_name: str, event_type: CachingEventType, task_id: str | None = None,
             *, msg: str | None = None, value: Any = None,
             actor: Literal["adapter", "metadata_store", "result_store"] = "adapter",
             run_id: str | None = None) -> None:
        run_id = self._run() if run_id is None else run_id
        event = CachingEvent(run_id, actor, event_type, node_name, task_id, msg, value)
        with self._lock:
            self._events.setdefault(run_id, []).append(event)

    @property
    def code_versions(self) -> dict[str, dict[str, str]]:
        """The code version of each node a run reached, by run id (as Hamilton's)."""
        return {run: {name: self._code_versions[name] for name in behaviors
                      if name in self._code_versions}
                for run, behaviors in self.behaviors.items()}

    @property
    def last_run_id(self) -> str:
        if not self.run_ids:
            raise DataflowError("The cache has no run yet: call dr.execute(...) first.")
        return self.run_ids[-1]

    def logs(self, run_id: str | None = None,
             level: Literal["debug", "info"] = "info") -> dict[str, list[CachingEvent]]:
        """The cache's events. Without ``run_id``: every run's, by run id. With one: that run's,
        by node (``"task_id::node"`` inside fan-out tasks). ``level="info"`` keeps what
        decided each node (reused, executed and why, not fingerprintable); ``"debug"`` keeps
        every step (keys, data versions, behaviours)."""
        if level not in ("debug", "info"):
            raise DataflowError(f"logs(level={level!r}): use 'info' or 'debug'.")

        def keep(event: CachingEvent) -> bool:
            return level == "debug" or event.event_type in _INFO_EVENTS

        if run_id is None:
            return {run: [e for e in events if keep(e)] for run, events in self._events.items()}
        if run_id not in self._events:
            raise DataflowError(f"No run {run_id!r} in this driver's cache logs; runs: "
                                f"{self.run_ids}.")
        by_node: dict[str, list[CachingEvent]] = {}
        for event in self._events[run_id]:
            if keep(event):
                where = (event.node_name if event.task_id is None
                         else f"{event.task_id}::{event.node_name}")
                by_node.setdefault(where, []).append(event)
        return by_node

    def _write_log_file(self, run_id: str) -> None:
        import json

        from dataflow.caching.stores import write_atomically

        lines = "".join(json.dumps({**{k: v for k, v in dataclasses.asdict(e).items()
                                       if k != "value"}, "event_type": e.event_type.value,
                                    "value": str(e.value)}) + "\n"
                        for e in self._events.get(run_id, []))
        (self.path / "logs").mkdir(exist_ok=True)
        write_atomically(self.path / "logs" / f"{run_id}.jsonl",
                         lambda handle: handle.write(lines.encode()))

    def reused(self, run_id: str | None = None) -> list[str]:
        """The nodes a run took from the cache (the last run by default)."""
        run_id = run_id or self.last_run_id
        return [e.node_name for e in self._events.get(run_id, [])
                if e.event_type is CachingEventType.GET_RESULT and e.task_id is None]

    def executed(self, run_id: str | None = None) -> list[str]:
        """The nodes a run executed (the last run by default)."""
        run_id = run_id or self.last_run_id
        return [e.node_name for e in self._events.get(run_id, [])
                if e.event_type is CachingEventType.EXECUTE_NODE and e.task_id is None]

    # -- pictures and dry runs -----------------------------------------------------------------

    def _the_driver(self) -> Any:
        driver = self._driver() if self._driver is not None else None
        if driver is None:
            raise DataflowError("This cache adapter is not attached to a driver: build the "
                                "driver with Builder().with_cache(...) and use dr.cache.")
        return driver

    def view_run(self, run_id: str | None = None, output_file_path: str | None = None) -> Any:
        """A lineage picture of a run (the last by default): nodes taken from the cache are
        drawn with a thick orange border ("from cache" in the legend), executed nodes as
        usual. Returns the ``graphviz.Digraph``; ``output_file_path`` also writes it."""
        from dataflow.caching.views import view_run

        return view_run(self, self._the_driver(), run_id or self.last_run_id, output_file_path)

    def dry_run(self, final_vars: list[Any], inputs: Mapping[str, Any] | None = None,
                overrides: Mapping[str, Any] | None = None) -> dict[str, str]:
        """What ``execute(final_vars, inputs=..., overrides=...)`` would do at each node,
        without running any: ``{"node": "reuse" | "recompute: why"}`` in run order."""
        from dataflow.caching.views import dry_run

        return dry_run(self, self._the_driver(), final_vars, dict(inputs or {}),
                       dict(overrides or {}))

    def role(self, name: str) -> NodeRole | None:
        node = self._graph.nodes.get(name) if self._graph is not None else None
        return None if node is None else node.role


HamiltonCacheAdapter = CacheAdapter
"""Hamilton's name (``hamilton.caching.adapter.HamiltonCacheAdapter``)."""

_MISS = object()
BATCH_RESULTS = 16
BATCH_BYTES = 32 << 20
"""A batch goes to the writer thread at this many results or bytes, whichever comes first."""
MAX_PENDING_BATCHES = 4
"""Batches waiting for the writer thread at most (each holds its results alive)."""


@dataclasses.dataclass(frozen=True, slots=True)
class _Write:
    """A result to write, and what its metadata row says."""

    node_name: str
    key: str
    version: str
    format: str
    result: Any
    task_id: str | None
    run_id: str


def _size_of(value: Any) -> int:
    """Bytes of a column, array or frame (0 when it does not say): what a batch holds."""
    size = getattr(value, "nbytes", 0)
    return size if isinstance(size, int) else 0
