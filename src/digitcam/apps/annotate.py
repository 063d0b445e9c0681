"""A frame with what was read drawn on it, as every front end that shows a picture draws it
(the live window, `predict --annotate`): each digit's box, digit and confidence, the number
read at the top, an optional message and status line.

    shown = annotate(frame, detections, status="learned | auto | 30 FPS")
    shown = annotate(*enlarged(small_scan, detections))   # room for the labels
"""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np

from ..layout import text_of
from ..regions import Detection

FONT = cv2.FONT_HERSHEY_SIMPLEX
GREEN = (60, 200, 60)
YELLOW = (0, 210, 255)
WHITE = (255, 255, 255)
BLACK = (0, 0, 0)
GREY = (150, 150, 150)
MIN_SIDE = 360  # a picture shorter than this is enlarged to annotate it (enlarged)


def label(img: np.ndarray, text: str, org: tuple[int, int], scale: float, color,
          thickness: int = 2) -> None:
    """Text with a dark outline, readable on any background."""
    cv2.putText(img, text, org, FONT, scale, BLACK, thickness + max(2, thickness // 2),
                cv2.LINE_AA)
    cv2.putText(img, text, org, FONT, scale, color, thickness, cv2.LINE_AA)


def as_bgr(frame: np.ndarray) -> np.ndarray:
    """A copy of the frame as BGR uint8 to draw on."""
    if frame.ndim == 2:
        return cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
    if frame.shape[2] == 4:
        return cv2.cvtColor(frame, cv2.COLOR_BGRA2BGR)
    return frame.copy()


def enlarged(frame: np.ndarray, detections: list[Detection], min_side: int = MIN_SIDE,
             ) -> tuple[np.ndarray, list[Detection]]:
    """A small picture (a 60 x 120 scan of a field) and its detections enlarged a whole
    number of times until its shorter side is at least `min_side` pixels, so that the
    labels drawn on it fit beside its digits; a picture that big already is as it is."""
    f = -(-min_side // max(1, min(frame.shape[:2])))
    if f <= 1:
        return frame, detections
    big = cv2.resize(frame, (frame.shape[1] * f, frame.shape[0] * f),
                     interpolation=cv2.INTER_NEAREST)
    return big, [replace(d, box=tuple(v * f for v in d.box)) for d in detections]


def annotate(frame: np.ndarray, detections: list[Detection], status: str = "",
             roi: tuple[int, int, int, int] | None = None, message: str = "") -> np.ndarray:
    """The feed with each digit's box, digit and confidence, the number read at the top,
    the central box in roi mode, `message` in the middle and `status` at the bottom."""
    out = as_bgr(frame)
    h, w = out.shape[:2]
    scale = max(0.5, min(w, h) / 600)
    t = max(1, round(scale))  # lines thicken with the photo: still seen once scaled to fit
    if roi is not None:
        x, y, bw, bh = roi  # just outside the digit's own box, which is the same
        cv2.rectangle(out, (x - 4, y - 4), (x + bw + 4, y + bh + 4), YELLOW, 2 * t)
    for d in detections:
        x, y, bw, bh = d.box
        cv2.rectangle(out, (x, y), (x + bw, y + bh), GREEN, 2 * t)
        label(out, f"{d.digit} {d.confidence:.0%}", (x, max(y - 8 * t, 16 * t)),
               0.7 * scale, GREEN, 2 * t)
    text = text_of(detections)
    if text:
        label(out, text, (10, int(40 * scale)), 1.2 * scale, WHITE, 3 * t)
    if message:
        label(out, message, (10, int(75 * scale)), 0.7 * scale, YELLOW, 2 * t)
    if status:
        strip = out[h - int(26 * scale) :]
        strip[:] = strip // 3  # darkened band under the status line
        cv2.putText(out, status, (10, h - int(9 * scale)), FONT, 0.5 * scale, WHITE, t,
                    cv2.LINE_AA)
    return out
