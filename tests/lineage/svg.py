"""Reading rendered SVG pictures in tests: nodes, clusters, legend entries, fills, tooltips."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

NS = {"svg": "http://www.w3.org/2000/svg", "xlink": "http://www.w3.org/1999/xlink"}
XLINK_TITLE = "{http://www.w3.org/1999/xlink}title"


@dataclass
class SvgNode:
    name: str
    fill: str | None
    stroke: str | None
    dashed: bool
    tooltip: str | None
    texts: list[str]


def _title(group: ET.Element) -> str:
    title = group.find("svg:title", NS)
    assert title is not None and title.text is not None
    return title.text


def svg_nodes(path: Path) -> dict[str, SvgNode]:
    root = ET.parse(path).getroot()
    found: dict[str, SvgNode] = {}
    for group in root.iter("{http://www.w3.org/2000/svg}g"):
        if group.get("class") != "node":
            continue
        shape = next((el for el in group.iter() if el.tag.endswith(("path", "polygon",
                                                                    "ellipse"))), None)
        link = next((el for el in group.iter() if el.get(XLINK_TITLE) is not None), None)
        found[_title(group)] = SvgNode(
            name=_title(group),
            fill=None if shape is None else shape.get("fill"),
            stroke=None if shape is None else shape.get("stroke"),
            dashed=shape is not None and shape.get("stroke-dasharray") is not None,
            tooltip=None if link is None else link.get(XLINK_TITLE),
            texts=[t.text or "" for t in group.iter("{http://www.w3.org/2000/svg}text")],
        )
    return found


def svg_clusters(path: Path) -> list[str]:
    root = ET.parse(path).getroot()
    return [_title(g) for g in root.iter("{http://www.w3.org/2000/svg}g")
            if g.get("class") == "cluster"]


def svg_edges(path: Path) -> set[tuple[str, str]]:
    root = ET.parse(path).getroot()
    edges = set()
    for group in root.iter("{http://www.w3.org/2000/svg}g"):
        if group.get("class") == "edge":
            source, target = _title(group).split("->")
            edges.add((source, target))
    return edges


def content_nodes(nodes: dict[str, SvgNode]) -> dict[str, SvgNode]:
    return {k: v for k, v in nodes.items() if not k.startswith("_legend_")}


def legend(nodes: dict[str, SvgNode]) -> dict[str, SvgNode]:
    return {k[len("_legend_"):]: v for k, v in nodes.items() if k.startswith("_legend_")}
