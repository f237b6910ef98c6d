"""Hamilton's ``hamilton.lifecycle.base`` names that user code imports: the marker base class
of adapters and the error validators raise."""

from dataflow.lifecycle.api import LifecycleAdapter, ValidationException

__all__ = ["LifecycleAdapter", "ValidationException"]
