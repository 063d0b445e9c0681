"""What the live window shows besides the annotated feed (apps.annotate): the 'processed'
mosaic of 28x28 model inputs and the panel of keys.

    mosaic = processed_mosaic([d.crop for d in raw], labels=["7 0.98"])
    key_help(shown, [("q", "quit")])
"""

from __future__ import annotations

import cv2
import numpy as np

from ..annotate import FONT, GREY, WHITE, YELLOW, label

PROCESSED_SCALE = 4      # each 28x28 input shown 112x112
PROCESSED_COLUMNS = 6    # inputs per row
PROCESSED_MAX = 12       # at most this many inputs shown


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
        label(canvas, "no digits", (12, cell_h // 2), 0.7, GREY, 1)
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
