"""What a recogniser is: a name, and (frame, regions) -> digits."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from ..regions import Detection, Region


class DigitRecognizer(Protocol):
    """Reads the digits in the regions a detector found; owns its input normalisation.

    recognize(gray, regions): gray is the 2-D uint8 frame the regions were found in; returns
    digit-level detections with boxes in frame pixels, not filtered by confidence (the
    reader does that). One region may yield several digits (a string recogniser), or none."""

    name: str

    def recognize(self, gray: np.ndarray, regions: list[Region]) -> list[Detection]: ...
