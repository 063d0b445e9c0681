"""The one runtime path: frame -> preprocess -> classify (ONNX) -> detections.

Every front end (CLI, live window, web page, evaluation) reads through `Recognizer.read`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from .detect.components import Box, extract_digits, extract_roi
from .recognize.classifier import get_classifier

# Chosen from the trade-off curve in BENCHMARKS.md ("Live recognition"): below 0.5 no
# number more is read right; above it right readings fall faster than false ones.
DEFAULT_MIN_CONFIDENCE = 0.5
MODES = ("multi", "roi")


@dataclass
class Detection:
    digit: int
    confidence: float
    box: Box                      # x, y, w, h in the input image's pixels
    probs: np.ndarray = field(repr=False)  # (10,) probabilities
    crop: np.ndarray = field(repr=False)   # (28, 28) uint8: what the model saw

    def as_dict(self) -> dict:
        return {"digit": self.digit, "confidence": round(self.confidence, 4),
                "box": [int(v) for v in self.box]}


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


class Recognizer:
    """Reads handwritten digits in a camera frame or photo of any size.

    model: shipped name ("cnn", "mlp", ...) or path to an .onnx file; mode: "multi"
    (every digit, robust) or "roi" (the paper's central box); threshold: None for automatic,
    or 0-255; min_confidence: readings below it are dropped (kept with keep_rejected=True).
    """

    def __init__(self, model: str | os.PathLike | None = None, mode: str = "multi",
                 threshold: int | None = None,
                 min_confidence: float = DEFAULT_MIN_CONFIDENCE):
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        if threshold is not None and not 0 <= int(threshold) <= 255:
            raise ValueError(f"threshold must be 0-255 or None, got {threshold}")
        if not 0.0 <= min_confidence <= 1.0:
            raise ValueError(f"min_confidence must be in [0, 1], got {min_confidence}")
        self.classifier = get_classifier(model)
        self.mode = mode
        self.threshold = threshold
        self.min_confidence = min_confidence

    @property
    def model_name(self) -> str:
        return self.classifier.name

    def read(self, image: np.ndarray, keep_rejected: bool = False) -> list[Detection]:
        """Detections in reading order (left to right, lines top to bottom)."""
        extract = extract_digits if self.mode == "multi" else extract_roi
        crops = extract(image, self.threshold)
        if not crops:
            return []
        probs = self.classifier.predict_proba(np.stack([c.image for c in crops]))
        detections = [
            Detection(int(p.argmax()), float(p.max()), c.box, p, c.image)
            for c, p in zip(crops, probs)
        ]
        if not keep_rejected:
            detections = self.confident(detections)
        return [detections[i] for i in reading_order([d.box for d in detections])]

    def confident(self, detections: list[Detection]) -> list[Detection]:
        """The detections at or above min_confidence, in their order."""
        return [d for d in detections if d.confidence >= self.min_confidence]

    def read_text(self, image: np.ndarray) -> str:
        return text_of(self.read(image))

    @staticmethod
    def as_dict(detections: list[Detection]) -> dict:
        """The JSON schema of `digitcam predict --json` (without the path)."""
        return {"text": text_of(detections), "digits": [d.as_dict() for d in detections]}
