"""Hamilton's import path for the loader/saver registry (``hamilton.registry``):
``from dataflow import registry; registry.register_adapter(MyLoader)``. The registry itself
lives in :mod:`dataflow.io.registry`."""

from dataflow.io.registry import LOADER_REGISTRY, SAVER_REGISTRY, register_adapter

__all__ = ["LOADER_REGISTRY", "SAVER_REGISTRY", "register_adapter"]
