"""dataflow: plain Python functions → a typed DAG → exactly the computation you ask for.

``import dataflow`` is cheap: it loads no pandas, numpy, networkx or graphviz. Import
``dataflow.driver``, ``dataflow.function_modifiers`` and friends where you need them.
"""

__version__ = "0.1.0"
