"""Writers' habits that MNIST's writers rarely had, for synthetic lines (synth.lines): a
continental 1 with its flag, a crossed 7, later digits written smaller, a crop into the
first or last digit, an end mark closing an amount. All off unless a Habits says how often.

    line = make_line(x, y, rng, habits=HABITS)
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .augment import stamp
from .negatives import mark_ink, text_ink

END_MARKS = ("#", "=", "x", "*", "+", "#=")  # closing an amount (separators are labelled)


@dataclass(frozen=True)
class Habits:
    """How often a writer does what MNIST's writers rarely did (each a share of lines or
    digits; all 0 by default, so the condition suite and the detector's pages draw as
    before). The line trainer turns them on (HABITS).

    flagged_one: a "1" with the up-stroke (flag) of continental hands, sometimes a foot.
    crossed_seven: a "7" with a bar through its stem.
    shrinking: a line whose later digits are written smaller ("35.000" with small zeros).
    cut_edge: a tight crop that cuts into the first or last digit (a scan's field edge).
    end_mark: an unlabelled mark after the number (END_MARKS or a form mark), as cheque
        writers close an amount.
    lone_digit: a line that is one digit (a "1" in LONE_ONE of them) cut as the reader
        cuts a detected region, its ink filling most of the height: a phone held over one
        digit, where a bare stroke filling the crop is a 1, not a box's edge.
    """

    flagged_one: float = 0.0
    crossed_seven: float = 0.0
    shrinking: float = 0.0
    cut_edge: float = 0.0
    end_mark: float = 0.0
    lone_digit: float = 0.0


LONE_ONE = 0.3        # of lone digits, the share that are a 1 (the rest any digit)
LONE_MARGIN = (0.08, 0.25)  # a lone digit's crop above and below it, in digit heights
HABITS = Habits(flagged_one=0.5, crossed_seven=0.3, shrinking=0.15, cut_edge=0.08,
                end_mark=0.06)  # lone_digit: its own flag (training.lines --lone-digits)


def _stroke_width(cover: np.ndarray) -> int:
    """About how wide the strokes of `cover` are: twice the distance from the edge to
    their middle."""
    ink = (cover > 0.5).astype(np.uint8)
    if ink.all():  # no paper in it (a bold 1 squeezed to a few columns): edges around it
        ink = cv2.copyMakeBorder(ink, 1, 1, 1, 1, cv2.BORDER_CONSTANT, value=0)
    dist = cv2.distanceTransform(ink, cv2.DIST_L2, 3)
    if not dist.any():
        return 1
    return int(np.clip(round(2 * np.percentile(dist[dist > 0], 90)), 1,
                       max(1, cover.shape[0] // 4)))


def flag_one(cover: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A "1" as continental hands write it: a stroke from its top down to the left (the
    flag), sometimes a foot across its base. The glyph is widened leftwards to hold it."""
    h = cover.shape[0]
    t = _stroke_width(cover)
    length = h * rng.uniform(0.25, 0.5)
    angle = np.deg2rad(rng.uniform(20, 55))     # below the horizontal
    pad = int(length * np.cos(angle)) + t + 1
    out = cv2.copyMakeBorder(cover, 0, 0, pad, 0, cv2.BORDER_CONSTANT, value=0)
    ys, xs = np.nonzero(out > 0.5)
    if len(ys) == 0:
        return cover
    top = ys.min()
    x_top = int(xs[ys <= top + t].mean())
    tip = (int(x_top - length * np.cos(angle)), int(top + t / 2 + length * np.sin(angle)))
    cv2.line(out, (x_top, int(top + t / 2)), tip, 1.0, t, cv2.LINE_AA)
    if rng.random() < 0.3:
        bottom = ys.max()
        x_bot = int(xs[ys >= bottom - t].mean())
        half = int(h * rng.uniform(0.15, 0.3))
        cv2.line(out, (x_bot - half, bottom - t // 2), (x_bot + half, bottom - t // 2),
                 1.0, t, cv2.LINE_AA)
    ys, xs = np.nonzero(out > 0.1)
    return out[:, xs.min(): xs.max() + 1]


def cross_seven(cover: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A "7" with a bar through its stem, a little below the middle."""
    h, w = cover.shape
    t = _stroke_width(cover)
    row = int(h * rng.uniform(0.45, 0.65))
    xs = np.nonzero(cover[row] > 0.5)[0]
    if len(xs) == 0:
        return cover
    x = int(xs.mean())
    half = int(h * rng.uniform(0.15, 0.3))
    out = cover.copy()
    cv2.line(out, (max(0, x - half), row), (min(w - 1, x + half), row + int(rng.integers(-1, 2))),
             1.0, t, cv2.LINE_AA)
    return out


def end_mark(ink: np.ndarray, boxes, height: int, rng: np.random.Generator) -> None:
    """An unlabelled mark drawn after the number's last character, in place."""
    mark = mark_ink(int(height * rng.uniform(0.4, 0.8)), rng) if rng.random() < 0.5 else \
        text_ink(str(rng.choice(END_MARKS)), height, rng)
    bx, by, bw, bh = boxes[-1]
    x0 = bx + bw + int(height * rng.uniform(0.05, 0.4))
    y0 = int(np.clip(by + bh - mark.shape[0] * rng.uniform(0.6, 1.0), 0,
                     ink.shape[0] - mark.shape[0]))
    stamp(ink, mark, x0, y0)
