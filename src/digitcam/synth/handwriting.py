"""Digits in a hand unlike MNIST's, for tests and benchmarks of reading other handwriting.

    from digitcam.synth.handwriting import other_hand
    image = other_hand(7, np.random.default_rng(0))   # a BGR photo of one "7"

MNIST's writers used upright ballpoint strokes; these are OpenCV's Hershey script faces
drawn with a thick pen and a strong right-hand slant, on tinted paper, one digit per photo.
"""

from __future__ import annotations

import cv2
import numpy as np

FONTS = (cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, cv2.FONT_HERSHEY_SCRIPT_COMPLEX | cv2.FONT_ITALIC)
CANVAS = 120
SLANT = (0.5, 0.7)   # x -= slant * y: the top leans right


def other_hand(digit: int, rng: np.random.Generator, size: int = CANVAS) -> np.ndarray:
    """A photo-like BGR image (size x size) of `digit` in the slanted script hand."""
    page = np.full((size, size), int(rng.integers(215, 250)), np.uint8)
    font = FONTS[rng.integers(0, len(FONTS))]
    scale = rng.uniform(2.2, 2.8) * size / CANVAS
    thick = max(1, int(rng.integers(6, 10) * size / CANVAS))
    (w, h), _ = cv2.getTextSize(str(digit), font, scale, thick)
    cv2.putText(page, str(digit), ((size - w) // 2, (size + h) // 2), font, scale,
                int(rng.integers(20, 60)), thick, cv2.LINE_AA)
    shear = rng.uniform(*SLANT)
    page = cv2.warpAffine(page, np.float32([[1, -shear, shear * size / 2], [0, 1, 0]]),
                          (size, size), borderMode=cv2.BORDER_REPLICATE)
    return cv2.cvtColor(page, cv2.COLOR_GRAY2BGR)
