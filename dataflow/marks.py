"""The attribute names dataflow writes on user functions and modules, defined once.

Decorators never wrap a function: they leave marks on it (or, for a function that already
belongs to a module, on a copy of it; see :func:`dataflow.instructions.own_function`), and the
collect and resolve stages read them back. Every such name lives here so that the stages and the
decorators agree on them without importing each other.
"""

from __future__ import annotations

INSTRUCTIONS_ATTRIBUTE = "__dataflow_instructions__"
"""On a function: the tuple of instructions its decorators recorded (see ``record``)."""

REMOTE_ATTRIBUTE = "__dataflow_remote_instructions__"
"""On a function: ``(target, instruction)`` pairs it recorded for *other* functions
(``@mutate``). The target functions themselves are never touched."""

REMOTE_AUTHORS_ATTRIBUTE = "__dataflow_remote_authors__"
"""In a module's namespace: every function of the module that recorded instructions for other
functions, in definition order, including ones a later ``def`` of the same name replaced (which
Hamilton applies too)."""

EXCLUDE_ATTRIBUTE = "__dataflow_exclude__"
"""On a function: true when it is a helper, not a node (``@dataflow_exclude``, mutators)."""

COPY_OF_ATTRIBUTE = "__dataflow_copy_of__"
"""On a function: the function it is a decorated copy of (a decorator applied to a function
that already belonged to a module decorates a copy, never the shared original)."""

TEMPORARY_MARK = "__dataflow_temporary__"
"""On a module built by ``ad_hoc_utils.create_temporary_module``: the functions it was given."""
