"""Hamilton's ``hamilton.execution.grouping`` name for the ``purpose`` Task hooks receive, so a
ported hook's ``from hamilton.execution.grouping import NodeGroupPurpose`` keeps working.

>>> NodeGroupPurpose.EXECUTE_BLOCK.value
'execute_block'
"""

from dataflow.execution.fanout import NodeGroupPurpose

__all__ = ["NodeGroupPurpose"]
