"""Runnable examples; each subpackage is one pipeline (see its ``README``/docstring)."""
