"""A node's value that merely defines ``__await__`` (a dask collection, a Ray object ref) is a
value: the run loops await only coroutines and asyncio futures. Awaiting dask collections
started an event loop per node that walked each collection's graph (seconds on a 300-feature
dask pipeline)."""

from __future__ import annotations

import dask.dataframe as dd
import pandas as pd

from dataflow import ad_hoc_utils, base, driver
from plugins import h_dask
from plugins.h_timing import NodeTimer


class Handle:
    """Awaitable, as dask collections and Ray refs are; records whether it was awaited."""

    awaited = 0

    def __await__(self):
        Handle.awaited += 1
        yield from ()
        return "awaited instead"


def handle() -> Handle:
    return Handle()


def test_an_awaitable_value_is_returned_not_awaited_with_hooks() -> None:
    Handle.awaited = 0
    dr = (driver.Builder().with_modules(ad_hoc_utils.create_temporary_module(handle))
          .with_adapters(NodeTimer(), base.DictResult()).build())
    assert isinstance(dr.execute(["handle"])["handle"], Handle)
    assert Handle.awaited == 0


def test_dask_collections_are_not_awaited_by_the_dask_adapter() -> None:
    Handle.awaited = 0

    def doubled(spend: dd.Series) -> dd.Series:
        return spend * 2

    adapter = h_dask.DaskGraphAdapter(None, base.DictResult(), use_delayed=False,
                                      compute_at_end=False)
    dr = (driver.Builder().with_modules(ad_hoc_utils.create_temporary_module(doubled, handle))
          .with_adapters(adapter).build())
    spend = dd.from_pandas(pd.Series([1.0, 2.0, 3.0]), npartitions=2)
    out = dr.execute(["doubled", "handle"], inputs={"spend": spend})
    assert isinstance(out["handle"], Handle) and Handle.awaited == 0
    assert out["doubled"].compute().tolist() == [2.0, 4.0, 6.0]
