"""The paper's detector, kept for comparison: the central 150x150 box of the frame, inked
by a 5x5 Gaussian blur and a fixed, inverted binary threshold (dark ink becomes white).

    (region,) = RoiDetector(threshold=127).detect(gray)   # always one region
"""

from __future__ import annotations

import cv2
import numpy as np

from ..regions import Box, Region

ROI_SIZE = 150
ROI_THRESHOLD = 127


def roi_box(shape: tuple[int, ...], size: int = ROI_SIZE) -> Box:
    h, w = shape[:2]
    s = min(size, h, w)
    return ((w - s) // 2, (h - s) // 2, s, s)


class RoiDetector:
    """threshold: the grey level of the paper's binary threshold (None: ROI_THRESHOLD)."""

    name = "roi"

    def __init__(self, threshold: int | None = None, size: int = ROI_SIZE):
        self.threshold = threshold
        self.size = size

    def detect(self, gray: np.ndarray) -> list[Region]:
        """The central box, its ink the binary image inside it (ink 255, paper 0)."""
        blurred = cv2.GaussianBlur(gray, (5, 5), 0)
        t = ROI_THRESHOLD if self.threshold is None else self.threshold
        _, binary = cv2.threshold(blurred, t, 255, cv2.THRESH_BINARY_INV)
        x, y, w, h = box = roi_box(binary.shape, self.size)
        return [Region(box, ink=binary[y : y + h, x : x + w])]
