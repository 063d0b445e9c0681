"""What a detector is: a name, and frame -> regions."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from ..regions import Region


class Detector(Protocol):
    """Finds the digits (or strings of digits) in a frame.

    detect(gray): gray is 2-D uint8, as digitcam.io.frames.to_gray makes it; returns the
    regions in any order, boxes in frame pixels. A detector may fill Region.ink (grey, ink
    bright, tight to the box) for recognisers that want its cut. Detectors that binarise
    have a settable `threshold` (None: automatic; 0-255), which the live trackbar sets."""

    name: str

    def detect(self, gray: np.ndarray) -> list[Region]: ...
