"""A module-level lambda: Hamilton refuses to build (no return annotation)."""

doubled = lambda x: x * 2  # noqa: E731
