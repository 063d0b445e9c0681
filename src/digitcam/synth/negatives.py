"""Ink that is not a number, for training negatives and the condition suite's non-digit
families: printed words and letters (OpenCV's Hershey fonts), smileys, stars, arrows,
circles, scribbles, and a form's marks (ticks, crosses, plus signs, triangles, boxes).
Each returns coverage in [0, 1] (ink bright), about `height` pixels high.

    ink = negative_ink(32, rng)      # a word, letters, a shape, a scribble or nothing
    ink = mark_ink(32, rng)          # a tick, a cross, a plus, a triangle, an arrow, a box
"""

from __future__ import annotations

import cv2
import numpy as np

HERSHEY = (cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_DUPLEX, cv2.FONT_HERSHEY_COMPLEX,
           cv2.FONT_HERSHEY_TRIPLEX, cv2.FONT_HERSHEY_SCRIPT_SIMPLEX,
           cv2.FONT_HERSHEY_SCRIPT_COMPLEX, cv2.FONT_HERSHEY_PLAIN)
WORDS = ("Pay", "the sum of", "Total", "Date", "No.", "Tel", "Ref", "pesos", "Name", "Amount",
         "Order", "kg", "EUR", "$", "Mar", "abc", "Hello", "Page", "Invoice", "x")
LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def text_ink(text: str, height: int, rng: np.random.Generator) -> np.ndarray:
    """`text` in one of OpenCV's Hershey fonts (printed or script) as coverage [0, 1],
    about `height` pixels high: a word on a form, or a non-digit to be left unread."""
    font = HERSHEY[rng.integers(len(HERSHEY))]
    scale = height / 22.0
    thick = max(1, int(round(scale * rng.uniform(0.8, 2.5))))
    (tw, th), base = cv2.getTextSize(text, font, scale, thick)
    img = np.zeros((th + base + 2 * thick + 4, tw + 2 * thick + 4), np.uint8)
    cv2.putText(img, text, (thick + 2, th + thick + 2), font, scale, 255, thick, cv2.LINE_AA)
    return img.astype(np.float32) / 255


def negative_ink(height: int, rng: np.random.Generator) -> np.ndarray:
    """Ink that is not a number: a word, letters, a shape, a scribble or nothing."""
    kind = rng.integers(0, 5)
    if kind == 0:
        return text_ink(str(rng.choice(WORDS)), height, rng)
    if kind == 1:
        n = int(rng.integers(1, 6))
        return text_ink("".join(rng.choice(list(LETTERS), n)), height, rng)
    size = int(height * rng.uniform(1.0, 1.6))
    g = np.zeros((size + 8, int(size * rng.uniform(1, 3)) + 8), np.uint8)
    t = max(1, int(height * rng.uniform(0.05, 0.12)))
    c, r = (g.shape[1] // 2, g.shape[0] // 2), size // 2
    if kind == 2:  # a smiley, a star, an arrow or a circle
        shape = rng.integers(0, 4)
        if shape == 0:
            cv2.circle(g, c, r, 255, t)
            cv2.circle(g, (c[0] - r // 3, c[1] - r // 4), max(1, t), 255, -1)
            cv2.circle(g, (c[0] + r // 3, c[1] - r // 4), max(1, t), 255, -1)
            cv2.ellipse(g, (c[0], c[1] + r // 6), (r // 2, r // 3), 0, 20, 160, 255, t)
        elif shape == 1:
            pts = [(c[0] + r * np.cos(a), c[1] + r * np.sin(a))
                   for a in np.linspace(-np.pi / 2, 3.5 * np.pi, 6)]
            cv2.polylines(g, [np.int32(pts)], False, 255, t)
        elif shape == 2:
            cv2.arrowedLine(g, (4, c[1]), (g.shape[1] - 5, c[1]), 255, t, tipLength=0.3)
        else:
            cv2.rectangle(g, (4, 4), (g.shape[1] - 5, g.shape[0] - 5), 255, t)
    elif kind == 3:  # a scribble
        pts = np.cumsum(rng.normal(0, r / 2, (int(rng.integers(4, 12)), 2)), 0)
        pts = pts - pts.min(0) + 4
        g = np.zeros((int(pts[:, 1].max()) + 6, int(pts[:, 0].max()) + 6), np.uint8)
        cv2.polylines(g, [np.int32(pts)], False, 255, t)
    return g.astype(np.float32) / 255


def mark_ink(height: int, rng: np.random.Generator) -> np.ndarray:
    """A mark on a form that is not a digit: a tick, a cross, a plus, a triangle, a long
    arrow or a box (training negatives beyond `negative_ink`'s, which the condition suite
    also draws)."""
    size = int(height * rng.uniform(0.8, 1.5))
    w = int(size * rng.uniform(1, 2.5)) if rng.random() < 0.3 else size
    g = np.zeros((size + 8, w + 8), np.uint8)
    t = max(1, int(height * rng.uniform(0.04, 0.12)))
    x0, y0, x1, y1 = 4, 4, w + 3, size + 3
    kind = rng.integers(0, 6)
    if kind == 0:    # tick
        cv2.polylines(g, [np.int32([(x0, (y0 + y1) // 2), ((x0 + x1) // 3, y1),
                                    (x1, y0)])], False, 255, t)
    elif kind == 1:  # cross
        cv2.line(g, (x0, y0), (x1, y1), 255, t)
        cv2.line(g, (x0, y1), (x1, y0), 255, t)
    elif kind == 2:  # plus
        cv2.line(g, ((x0 + x1) // 2, y0), ((x0 + x1) // 2, y1), 255, t)
        cv2.line(g, (x0, (y0 + y1) // 2), (x1, (y0 + y1) // 2), 255, t)
    elif kind == 3:  # triangle
        cv2.polylines(g, [np.int32([(x0, y1), ((x0 + x1) // 2, y0), (x1, y1)])], True, 255, t)
    elif kind == 4:  # arrow, any way round
        a, b = ((x0, (y0 + y1) // 2), (x1, (y0 + y1) // 2))
        cv2.arrowedLine(g, *((a, b) if rng.random() < 0.5 else (b, a)), 255, t,
                        tipLength=rng.uniform(0.15, 0.4))
    else:            # box
        cv2.rectangle(g, (x0, y0), (x1, y1), 255, t)
    return g.astype(np.float32) / 255
