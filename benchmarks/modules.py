"""Source text of the benchmark modules.

Each scenario is written as real ``.py`` files and imported, so both frameworks read the same
functions from a real module. ``hand_*`` modules call the same functions in straight-line
code, the way a person would without a framework.
"""

from __future__ import annotations

import importlib.util
import itertools
import sys
import types
from pathlib import Path

_counter = itertools.count()


def load(directory: Path, stem: str, source: str) -> types.ModuleType:
    """Write ``source`` to ``directory/<stem>_<n>.py`` and import it as a fresh module."""
    name = f"{stem}_{next(_counter)}"
    path = directory / f"{name}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


# -- scalar graphs -----------------------------------------------------------------------------

def chain(n: int) -> tuple[str, list[str]]:
    """``n0(x)``, ``n1(n0)``, ... one chain ``n`` deep; the output is its end."""
    lines = ["def n0(x: int) -> int:\n    return x + 1\n"]
    lines += [f"def n{i}(n{i - 1}: int) -> int:\n    return n{i - 1} + 1\n" for i in range(1, n)]
    return "\n".join(lines), [f"n{n - 1}"]


def chains(count: int, depth: int) -> tuple[str, list[str]]:
    """``count`` independent chains ``depth`` deep (wide and shallow); outputs: every end."""
    lines = []
    for c in range(count):
        lines.append(f"def c{c}_0(x: int) -> int:\n    return x + {c}\n")
        lines += [f"def c{c}_{i}(c{c}_{i - 1}: int) -> int:\n    return c{c}_{i - 1} + 1\n"
                  for i in range(1, depth)]
    return "\n".join(lines), [f"c{c}_{depth - 1}" for c in range(count)]


def layered(layers: int, width: int) -> tuple[str, list[str]]:
    """``layers`` x ``width`` nodes; each depends on 3 nodes of the previous layer."""
    lines = [f"def l0_{j}(x: int) -> int:\n    return x + {j}\n" for j in range(width)]
    for layer in range(1, layers):
        for j in range(width):
            a, b, c = (f"l{layer - 1}_{(j + k) % width}" for k in (0, 1, 7))
            lines.append(f"def l{layer}_{j}({a}: int, {b}: int, {c}: int) -> int:\n"
                         f"    return ({a} + {b} - {c}) % 1000003\n")
    return "\n".join(lines), [f"l{layers - 1}_{j}" for j in range(width)]


def hand_source(module_name: str, graph_source: str, outputs: list[str]) -> str:
    """Straight-line calls of the graph module's functions in dependency order, computing
    ``outputs`` from ``x`` (only the functions the outputs need), arguments by position and
    values in local variables (``n1_ = n1(n0_)``)."""
    import ast

    params: dict[str, list[str]] = {}
    for fn in ast.parse(graph_source).body:
        assert isinstance(fn, ast.FunctionDef)
        params[fn.name] = [a.arg for a in fn.args.args]
    order: list[str] = []
    seen: set[str] = {"x"}
    for output in outputs:
        stack = [(output, iter(params[output]))]
        seen.add(output)
        while stack:
            name, pending = stack[-1]
            for dep in pending:
                if dep not in seen:
                    seen.add(dep)
                    stack.append((dep, iter(params[dep])))
                    break
            else:
                stack.pop()
                order.append(name)
    body = [f"from {module_name} import {', '.join(order)}", "", "", "def run(x):"]
    for name in order:  # by position, the fastest call a person would write
        arguments = ", ".join(f"{p}_" if p != "x" else "x" for p in params[name])
        body.append(f"    {name}_ = {name}({arguments})")
    body.append("    return {" + ", ".join(f"{o!r}: {o}_" for o in outputs) + "}")
    return "\n".join(body) + "\n"


# -- pandas features ---------------------------------------------------------------------------

def features(n_inputs: int, n_features: int) -> tuple[str, list[str]]:
    """``n_features`` Series features of ``n_inputs`` input columns ``c0..``; every third
    feature also reads an earlier feature, so intermediates are reused."""
    lines = ["import pandas as pd", ""]
    names = []
    for i in range(n_features):
        a, b = f"c{i % n_inputs}", f"c{(i * 3 + 1) % n_inputs}"
        if i % 3 == 2:
            prev = f"f{i - 1}"
            lines.append(f"def f{i}({a}: pd.Series, {prev}: pd.Series) -> pd.Series:\n"
                         f"    return {a} * {i % 7 + 1} - {prev}\n")
        else:
            lines.append(f"def f{i}({a}: pd.Series, {b}: pd.Series) -> pd.Series:\n"
                         f"    return {a} * {i % 5 + 1} + {b}\n")
        names.append(f"f{i}")
    return "\n".join(lines), names


def hand_features_source(module_name: str, graph_source: str, outputs: list[str]) -> str:
    """The hand-written feature script: call each function, build one DataFrame on the
    columns' common index without copying them (the best a careful person would write)."""
    import ast

    body = [f"import pandas as pd\nimport {module_name} as m", "", "", "def run(inputs):",
            "    v = dict(inputs)"]
    for fn in ast.parse(graph_source).body:
        if isinstance(fn, ast.FunctionDef):
            args = ", ".join(f"{a.arg}=v[{a.arg!r}]" for a in fn.args.args)
            body.append(f"    v[{fn.name!r}] = m.{fn.name}({args})")
    body.append(f"    return pd.DataFrame({{k: v[k] for k in {outputs!r}}}, "
                f"index=v[{outputs[0]!r}].index, copy=False)")
    return "\n".join(body) + "\n"


# -- decorators --------------------------------------------------------------------------------

def parameterized(root: str, n: int) -> str:
    """One ``@parameterize`` expanding into ``n`` nodes."""
    return (f"from {root}.function_modifiers import parameterize, value\n\n\n"
            f"@parameterize(**{{f'p{{i}}': {{'k': value(i)}} for i in range({n})}})\n"
            "def p(x: int, k: int) -> int:\n    return x + k\n")


def extracted(root: str, n: int) -> str:
    """One ``@extract_columns`` of ``n`` columns, each checked by ``@check_output``."""
    return (f"import pandas as pd\nfrom {root}.function_modifiers import check_output, "
            "extract_columns\n\n"
            f"COLUMNS = [f'col_{{i}}' for i in range({n})]\n\n\n"
            "@check_output(range=(0.0, 1.0), target_=COLUMNS)\n"
            "@extract_columns(*COLUMNS)\n"
            "def frame(n_rows: int) -> pd.DataFrame:\n"
            "    return pd.DataFrame({c: [0.5] * n_rows for c in COLUMNS})\n")
