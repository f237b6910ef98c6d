"""A process that runs a cached pipeline, for the crash and sharing tests.

``python -m tests.caching.crash_worker CACHE_DIR MODE START [BATCH]``: MODE ``result`` stalls in the
middle of writing ``left``'s result file, ``metadata`` in the middle of the metadata
transaction of ``left`` (after the row is inserted, before the commit); both touch
``CACHE_DIR/stalled`` and sleep until killed. MODE ``run`` runs normally and prints the result.
BATCH: results per batch of writes (the adapter's default when left out).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from dataflow import driver
from dataflow.caching import adapter, stores
from tests.caching import cached_nodes


def _stall(cache: Path) -> None:
    (cache / "stalled").touch()
    time.sleep(120)


def main() -> None:
    cache, mode, start = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    if len(sys.argv) > 4:  # results per batch of writes (1: each result written on its own)
        adapter.BATCH_RESULTS = int(sys.argv[4])
    metadata_store: Any = None
    if mode == "result":
        original = stores.FORMATS["pickle"]

        def stalling_write(value: Any, handle: Any) -> None:
            if isinstance(value, list):  # left's result: half of it, then stall
                handle.write(b"\x80\x05" + b"x" * 100_000)
                handle.flush()
                _stall(cache)
            original[1](value, handle)

        stores.FORMATS["pickle"] = (original[0], stalling_write, original[2])
    elif mode == "metadata":

        class StallingStore(stores.SQLiteMetadataStore):
            def set_many(self, rows: list[dict[str, str]]) -> None:
                if all(row["node_name"] != "left" for row in rows):
                    super().set_many(rows)
                    return
                with self._transaction() as connection:
                    for row in rows:
                        connection.execute(
                            stores._INSERT,
                            (row["cache_key"], row["node_name"], row["code_version"],
                             row["data_version"], row["format"], row["run_id"], time.time(),
                             row.get("written_boot"), row.get("checksum")))
                    _stall(cache)

        metadata_store = StallingStore(cache)
    dr = (driver.Builder().with_modules(cached_nodes)
          .with_cache(path=cache, metadata_store=metadata_store).build())
    result = dr.execute(["total"], inputs={"start": start})
    print(json.dumps({"result": result, "reused": sorted(dr.cache.reused())}))


if __name__ == "__main__":
    main()
