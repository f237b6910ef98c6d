"""Hamilton's ``function_modifiers.macros``: ``@does``, the ``pipe`` family and ``@mutate``.

The code lives in :mod:`~dataflow.function_modifiers.delegation` (``does``),
:mod:`~dataflow.function_modifiers.steps` (``step``), :mod:`~dataflow.function_modifiers.pipes`
(``pipe_input``, ``pipe_output``) and
:mod:`~dataflow.function_modifiers.mutations` (``mutate``, ``apply_to``); this module gathers
them under Hamilton's import path (``from hamilton.function_modifiers.macros import step``).
"""

from dataflow.function_modifiers.delegation import does
from dataflow.function_modifiers.mutations import apply_to, mutate
from dataflow.function_modifiers.pipes import SingleTargetError, pipe, pipe_input, pipe_output
from dataflow.function_modifiers.steps import Applicable, step

__all__ = ["Applicable", "SingleTargetError", "apply_to", "does", "mutate", "pipe",
           "pipe_input", "pipe_output", "step"]
