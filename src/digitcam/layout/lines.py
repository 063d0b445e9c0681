"""Stage 3, lay out: digits -> lines (top to bottom, each left to right) -> text.

    order = reading_order([d.box for d in detections])
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


def text_of(detections: list[Detection]) -> str:
    """The digits as a number, lines (as reading_order groups them) separated by a space."""
    lines = lines_of([d.box for d in detections])
    return " ".join("".join(str(detections[i].digit) for i in line) for line in lines)


def as_reading(detections: list[Detection]) -> dict:
    """The JSON schema of `digitcam predict --json` (without the path): text, the text of
    each line (top to bottom), and digits, each with `line`: its line's index in `lines`."""
    lines = lines_of([d.box for d in detections])
    line_of = {i: n for n, line in enumerate(lines) for i in line}
    texts = ["".join(str(detections[i].digit) for i in line) for line in lines]
    return {"text": " ".join(texts), "lines": texts,
            "digits": [{**d.as_dict(), "line": line_of[i]} for i, d in enumerate(detections)]}
