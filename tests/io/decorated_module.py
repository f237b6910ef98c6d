"""A module using every loading/saving decorator, under ``from __future__ import annotations``
(Hamilton #1297: its return checks read the annotation strings and refuse these)."""

from __future__ import annotations

import pandas as pd

from dataflow.function_modifiers import dataloader, datasaver, load_from, save_to, source, value


@load_from.csv(path=source("frame_path"))
def total_a(frame: pd.DataFrame) -> float:
    return float(frame["a"].sum())


@load_from.csv(path=source("frame_path"))  # same format, same parameter name (Hamilton #232)
def total_b(frame: pd.DataFrame) -> float:
    return float(frame["b"].sum())


@load_from.json(path=source("settings_path"), inject_="settings")
def scaled(settings: dict, total_a: float) -> float:
    return total_a * settings["scale"]


@save_to.json(path=source("report_path"), output_name_="report_json")
def report(total_a: float, total_b: float, scaled: float) -> dict:
    return {"a": total_a, "b": total_b, "scaled": scaled}


@save_to.pickle(path=value("unused.pkl"))
def unsaved(total_a: float) -> float:
    return total_a


@dataloader()
def raw_lines(lines_path: str) -> tuple[list, dict]:
    with open(lines_path) as handle:
        lines = handle.read().splitlines()
    return lines, {"rows": len(lines)}


@datasaver()
def lines_copy(raw_lines: list, copy_path: str) -> dict:
    with open(copy_path, "w") as handle:
        handle.write("\n".join(raw_lines))
    return {"path": copy_path, "rows": len(raw_lines)}
