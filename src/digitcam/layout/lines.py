"""Stage 3, lay out: digits -> lines (top to bottom, each left to right) -> text.

    order = reading_order([d.box for d in detections])
    ordered = arrange(detections)  # reading order, each with its line index
    text_of(detections)          # "2026 86" : lines separated by a space
    as_reading(detections)       # {text, lines, digits: [{digit, confidence, box, line}]}
"""

from __future__ import annotations

import numpy as np

from ..regions import Box, Detection


def lines_of(boxes: list[Box]) -> list[list[int]]:
    """Indices of `boxes` grouped into lines, top to bottom, each left to right: a box joins
    the line above when its centre is within 0.6 median heights of that line's centres."""
    if not boxes:
        return []
    heights = np.array([b[3] for b in boxes], float)
    centres = np.array([b[1] + b[3] / 2 for b in boxes])
    tolerance = 0.6 * float(np.median(heights))
    lines: list[list[int]] = []
    for i in np.argsort(centres, kind="stable"):
        if lines and abs(centres[i] - np.mean([centres[j] for j in lines[-1]])) <= tolerance:
            lines[-1].append(int(i))
        else:
            lines.append([int(i)])
    return [sorted(line, key=lambda j: boxes[j][0]) for line in lines]


def reading_order(boxes: list[Box]) -> list[int]:
    """Indices of `boxes` in reading order: lines top to bottom, each left to right."""
    return [i for line in lines_of(boxes) for i in line]


def _union(boxes: list[Box]) -> Box:
    x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
    x1, y1 = max(b[0] + b[2] for b in boxes), max(b[1] + b[3] for b in boxes)
    return x0, y0, x1 - x0, y1 - y0


def arrange(detections: list[Detection]) -> list[Detection]:
    """The detections in reading order, each given its line's index (0 = first line).

    Digits that a recogniser read as one line of writing (the same `line` set) stay
    together, left to right; those lines, and digits read one by one (`line` None), are
    ordered as reading_order orders boxes: lines top to bottom, each left to right."""
    groups: dict[object, list[Detection]] = {}
    for k, d in enumerate(detections):
        groups.setdefault(("line", d.line) if d.line is not None else ("digit", k), []).append(d)
    units = list(groups.values())
    boxes = [_union([d.box for d in unit]) for unit in units]
    ordered = []
    for index, line in enumerate(lines_of(boxes)):
        for u in line:  # along the line: left to right (a line is turned 45 degrees at most)
            for d in sorted(units[u], key=lambda d: d.box[0] + d.box[2] / 2):
                d.line = index
                ordered.append(d)
    return ordered


def line_groups(detections: list[Detection]) -> list[list[int]]:
    """Indices of `detections` by line, top to bottom: by each detection's `line` when all
    are set (as Recognizer.read sets them), else as reading_order groups their boxes."""
    if detections and all(d.line is not None for d in detections):
        lines: dict[int, list[int]] = {}
        for i, d in enumerate(detections):
            lines.setdefault(d.line, []).append(i)
        return list(lines.values())
    return lines_of([d.box for d in detections])


def _line_texts(detections: list[Detection]) -> tuple[list[list[int]], list[str]]:
    groups = line_groups(detections)
    return groups, ["".join(f"{detections[i].digit}{detections[i].after}" for i in g)
                    for g in groups]


def text_of(detections: list[Detection]) -> str:
    """The digits (with the separators read after them) as numbers, lines separated by a
    space."""
    return " ".join(_line_texts(detections)[1])


def as_reading(detections: list[Detection]) -> dict:
    """The JSON schema of `digitcam predict --json` (without the path): text, the text of
    each line (top to bottom, separators included), and digits, each with `line`: its
    line's index in `lines` (and `after`: separators read right after it, when any)."""
    groups, texts = _line_texts(detections)
    line_of = {i: n for n, g in enumerate(groups) for i in g}
    return {"text": " ".join(texts), "lines": texts,
            "digits": [{**d.as_dict(), "line": line_of[i]} for i, d in enumerate(detections)]}
