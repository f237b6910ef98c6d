"""Integrations with external libraries, one module per library (``dataflow.plugins.<name>``).

Each plugin imports its library inside itself, never at ``import dataflow``."""
