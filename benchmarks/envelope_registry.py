"""Tag queries on a large model registry (issue 11: 10,000 models x 10 tags, <= 20 ms a query).

    python -m benchmarks.envelope_registry              # 10,000 models x 10 tags, SQLite and
                                                        # PostgreSQL (when 127.0.0.1:5432 answers)
    python -m benchmarks.envelope_registry --quick      # 300 models, a smoke run

The registry is filled in one transaction through its own tables (saving 10,000 real models
would measure pickling, not queries). Each query runs ``--repeats`` times after one unreported
run; the best, the median and the 95th percentile are reported (on a shared machine the
best is the closest to an idle one's figure), beside two hand-written baselines in the
same run: the same selection as one hand-written SQL statement through the raw DB-API (ids
only, no records) and a Python filter over every model's tags already in memory.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert

from dataflow.envelope import Registry, parse_query
from dataflow.envelope import tables as t

REGIONS = ("US", "CA", "MX", "GB", "DE", "FR", "JP", "BR", "IN", "AU")


def model_tags(count: int, seed: int = 0) -> list[dict[str, str]]:
    """``count`` models' tags: 10 keys each, a canonical name shared by about 50 models."""
    rng = random.Random(seed)
    names = max(1, count // 50)
    return [{
        "canonical_name": f"model_{rng.randrange(names)}",
        "region": rng.choice(REGIONS),
        "tier": rng.choice(("gold", "silver", "bronze")),
        "passes_tests": rng.choice(("true", "false")),
        **{f"tag_{k}": f"v{rng.randrange(20)}" for k in range(4, 10)},
    } for _ in range(count)]


def fill(registry: Registry, all_tags: list[dict[str, str]]) -> None:
    start = dt.datetime(2026, 1, 1)
    models, tags = [], []
    for i, model in enumerate(all_tags, start=1):
        moment = start + dt.timedelta(minutes=i)
        models.append({"id": i, "description": f"model {i}", "created_at": moment,
                       "artifact": "0" * 64, "user": "bench", "host": "bench",
                       "details": "{}"})
        tags += [{"model_id": i, "key": k, "value": v, "set_at": moment}
                 for k, v in model.items()]
    with registry._write() as connection:
        connection.execute(insert(t.models), models)
        connection.execute(insert(t.tags), tags)
        connection.execute(insert(t.tag_events), tags)
    if registry.url.startswith("postgresql"):
        with registry.engine.connect() as connection:
            connection.exec_driver_sql("SELECT setval(pg_get_serial_sequence("
                                       f"'envelope_models', 'id'), {len(all_tags)})")
            connection.exec_driver_sql("ANALYZE")
            connection.commit()


def timed(function: Callable[[], Any], repeats: int) -> tuple[float, float, float, Any]:
    """(best ms, median ms, p95 ms, the last result)."""
    result = function()
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        result = function()
        times.append((time.perf_counter() - began) * 1000)
    times.sort()
    return times[0], statistics.median(times), times[int(0.95 * (len(times) - 1))], result


def hand_sql(registry: Registry, canonical_name: str, regions: tuple[str, ...]) -> Callable[
        [], list[int]]:
    """The selective query as one SQL statement, through the raw DB-API connection."""
    raw = registry.engine.raw_connection()
    marker = "?" if registry.url.startswith("sqlite") else "%s"
    sql = (f"SELECT a.model_id FROM envelope_tags a JOIN envelope_tags b "
           f"ON b.model_id = a.model_id AND b.key = 'region' "
           f"AND b.value IN ({', '.join([marker] * len(regions))}) "
           f"WHERE a.key = 'canonical_name' AND a.value = {marker} ORDER BY a.model_id DESC")

    def run() -> list[int]:
        cursor = raw.cursor()
        cursor.execute(sql, (*regions, canonical_name))
        return [row[0] for row in cursor.fetchall()]
    return run


def bench(label: str, registry: Registry, count: int, repeats: int) -> list[dict[str, Any]]:
    all_tags = model_tags(count)
    began = time.perf_counter()
    fill(registry, all_tags)
    print(f"{label}: {count:,} models x 10 tags filled in {time.perf_counter() - began:.1f} s")
    name = all_tags[0]["canonical_name"]
    middle = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(minutes=count // 2)
    text = f"canonical_name={name} region in (US,CA) passes_tests=true"
    parsed = parse_query(text)
    queries: list[tuple[str, Callable[[], Any]]] = [
        ("find(canonical_name=..., region=[US, CA])",
         lambda: registry.find(canonical_name=name, region=["US", "CA"])),
        ("find(canonical_name=..., latest=True)",
         lambda: registry.find(canonical_name=name, latest=True)),
        (f"find({text!r})", lambda: registry.find(text)),
        ("find(same, as_of=middle of history)",
         lambda: registry.find(canonical_name=name, region=["US", "CA"], as_of=middle)),
        ("find(tier=gold, passes_tests=true, tag_4=v1): 3 broad clauses",
         lambda: registry.find(tier="gold", passes_tests="true", tag_4="v1")),
        ("find(tier=gold): a third of all models", lambda: registry.find(tier="gold")),
        ("hand: one SQL statement, ids only", hand_sql(registry, name, ("US", "CA"))),
        ("hand: Python filter over tags in memory",
         lambda: [i for i, tags in enumerate(all_tags, 1)
                  if tags["canonical_name"] == name and tags["region"] in ("US", "CA")]),
        ("hand: Python filter, string query", lambda: [
            i for i, tags in enumerate(all_tags, 1) if parsed.matches(tags)]),
    ]
    rows = []
    for title, query in queries:
        best, median, p95, result = timed(query, repeats)
        rows.append({"backend": label, "query": title, "best_ms": best, "median_ms": median,
                     "p95_ms": p95, "results": len(result)})
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--quick", action="store_true", help="300 models, 5 repeats")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args(argv)
    count, repeats = (300, 5) if args.quick else (args.models, args.repeats)
    print(f"load average at start: {os.getloadavg()}")
    rows = []
    with tempfile.TemporaryDirectory() as directory:
        registry = Registry(directory)
        rows += bench("SQLite", registry, count, repeats)
        registry.close()
        if not args.no_postgres:
            rows += _postgres(directory, count, repeats)
    print(f"load average at end: {os.getloadavg()}")
    print("| backend | query | results | best ms | median ms | p95 ms |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        print(f"| {row['backend']} | {row['query']} | {row['results']:,} | "
              f"{row['best_ms']:.2f} | {row['median_ms']:.2f} | {row['p95_ms']:.2f} |")


def _postgres(directory: str, count: int, repeats: int) -> list[dict[str, Any]]:
    try:
        import psycopg

        connection = psycopg.connect(host="127.0.0.1", port=5432, dbname="test",
                                     user="postgres", autocommit=True, connect_timeout=3)
    except Exception as error:  # no server, no driver: say so and go on
        print(f"PostgreSQL skipped: {error}")
        return []
    schema = f"envelope_bench_{os.getpid()}"
    connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        registry = Registry("postgresql+psycopg://postgres@127.0.0.1:5432/test"
                            f"?options=-csearch_path%3D{schema}",
                            artifacts=os.path.join(directory, "pg-artifacts"))
        rows = bench("PostgreSQL", registry, count, repeats)
        registry.close()
        return rows
    finally:
        connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
        connection.close()


if __name__ == "__main__":
    main()
