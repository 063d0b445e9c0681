"""The vocabulary the reading stages share: a box, a region a detector found, a digit read.

    detect (frame -> [Region]) -> recognize (frame, [Region] -> [Detection]) -> layout
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

Box = tuple[int, int, int, int]  # x, y, w, h in frame pixels


def iou(a: Box, b: Box) -> float:
    """Intersection over union of two (x, y, w, h) boxes (0 when they do not overlap)."""
    iw = max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    ih = max(0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = iw * ih
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


@dataclass
class Region:
    """What a detector found: where, how sure, and optionally the ink as it cut it."""

    box: Box                          # x, y, w, h in frame pixels
    score: float = 1.0
    ink: np.ndarray | None = field(default=None, repr=False)
    # ink: the region's ink as the detector cut it (grey, ink bright, tight to box), for
    # recognisers that want it; None: recognisers cut it from the frame themselves
    rect: tuple | None = None
    # rect: the turned rectangle ((cx, cy), (w, h), angle in degrees) of a line of writing,
    # w along it, as cv2.minAreaRect gives it; None: the box, level


@dataclass
class Detection:
    """One digit read: the digit, its probability, where, and what the model saw."""

    digit: int
    confidence: float
    box: Box                      # x, y, w, h in the input image's pixels
    probs: np.ndarray = field(repr=False)  # (10,) probabilities
    crop: np.ndarray = field(repr=False)   # (28, 28) uint8: what the model saw
    after: str = ""               # separators read right after this digit (".", ",", "-", "/")
    line: int | None = None       # which line of writing it is on (set by the layout)

    def as_dict(self) -> dict:
        out = {"digit": self.digit, "confidence": round(self.confidence, 4),
               "box": [int(v) for v in self.box]}
        if self.after:
            out["after"] = self.after
        return out
