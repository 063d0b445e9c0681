"""What the live window shows: boxes, digits and confidences over the feed, the number read,
a status line (mode, threshold, FPS), and the 'processed' mosaic of 28x28 model inputs.

    shown = annotate(frame, detections, status="multi | auto | 30 FPS")
    mosaic = processed_mosaic([d.crop for d in raw], labels=["7 0.98"])
"""

from __future__ import annotations

import cv2
import numpy as np

from ...layout import text_of
from ...regions import Detection

FONT = cv2.FONT_HERSHEY_SIMPLEX
GREEN = (60, 200, 60)
YELLOW = (0, 210, 255)
WHITE = (255, 255, 255)
BLACK = (0, 0, 0)
GREY = (150, 150, 150)
PROCESSED_SCALE = 4      # each 28x28 input shown 112x112
PROCESSED_COLUMNS = 6    # inputs per row
PROCESSED_MAX = 12       # at most this many inputs shown


def _label(img: np.ndarray, text: str, org: tuple[int, int], scale: float, color,
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
        _label(out, f"{d.digit} {d.confidence:.0%}", (x, max(y - 8 * t, 16 * t)),
               0.7 * scale, GREEN, 2 * t)
    text = text_of(detections)
    if text:
        _label(out, text, (10, int(40 * scale)), 1.2 * scale, WHITE, 3 * t)
    if message:
        _label(out, message, (10, int(75 * scale)), 0.7 * scale, YELLOW, 2 * t)
    if status:
        strip = out[h - int(26 * scale) :]
        strip[:] = strip // 3  # darkened band under the status line
        cv2.putText(out, status, (10, h - int(9 * scale)), FONT, 0.5 * scale, WHITE, t,
                    cv2.LINE_AA)
    return out


def processed_mosaic(crops: list[np.ndarray], labels: list[str] | None = None,
                     scale: int = PROCESSED_SCALE) -> np.ndarray:
    """The model's 28x28 inputs, enlarged without smoothing, side by side in rows of
    PROCESSED_COLUMNS, a caption under each. The canvas keeps its width whatever the
    count, so the window does not jump about; an empty list says so."""
    side = 28 * scale
    cell_w, cell_h = side + 8, side + 26
    crops = crops[:PROCESSED_MAX]
    rows = max(1, -(-len(crops) // PROCESSED_COLUMNS))
    canvas = np.full((rows * cell_h, PROCESSED_COLUMNS * cell_w, 3), 30, np.uint8)
    if not crops:
        _label(canvas, "no digits", (12, cell_h // 2), 0.7, GREY, 1)
    for i, crop in enumerate(crops):
        r, c = divmod(i, PROCESSED_COLUMNS)
        y, x = r * cell_h + 4, c * cell_w + 4
        big = cv2.resize(crop, (side, side), interpolation=cv2.INTER_NEAREST)
        canvas[y : y + side, x : x + side] = big[..., None]
        if labels and i < len(labels):
            cv2.putText(canvas, labels[i], (x + 2, y + side + 17), FONT, 0.5, WHITE, 1,
                        cv2.LINE_AA)
    return canvas


def key_help(image: np.ndarray, keys: list[tuple[str, str]]) -> np.ndarray:
    """The keys (key, what it does) in a darkened panel over the top left of `image`, as
    OpenCV's samples show theirs; drawn in place and returned."""
    h, w = image.shape[:2]
    scale = max(0.8, min(w, h) / 600)
    step = int(28 * scale)
    panel_h, panel_w = step * (len(keys) + 1), min(w, int(560 * scale))
    panel = image[:min(h, panel_h), :panel_w]
    panel[:] = panel // 4
    for i, (key, what) in enumerate(keys):
        y = step * (i + 1)
        for text, x, colour in ((key, 12, YELLOW), (what, 12 + int(130 * scale), WHITE)):
            cv2.putText(image, text, (x, y), FONT, 0.6 * scale, colour, 1, cv2.LINE_AA)
    return image
