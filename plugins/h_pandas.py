"""pandas integration (Hamilton's ``hamilton.plugins.h_pandas``): ``@with_columns``.

See :mod:`dataflow.function_modifiers.pandas_columns` and ``docs/decorators/reuse.md``.
"""

from dataflow.function_modifiers.pandas_columns import AppendColumns, ColumnOf, with_columns

__all__ = ["AppendColumns", "ColumnOf", "with_columns"]
