"""A line of handwriting -> characters, by a CNN read with CTC (no segmentation first).

Pre-processing (shared with training, so the network sees at run time what it learnt on):
the grey crop, ink dark, is scaled to LINE_HEIGHT pixels high keeping its aspect, inverted
(ink bright) and stretched between the paper level and full-strength ink.
Post-processing: greedy CTC decoding, each character's span of time steps giving its
columns, its rows the ink found there; confidence is the character's peak probability.

    x = line_input(gray_crop)                # (32, W) float32, ink bright in [0, 1]
    chars = decode(probs, line_width=W)      # [Char(text, confidence, x0, x1, probs)]
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import cv2
import numpy as np

from ..assets.registry import Model
from ..io.frames import cut_level, cut_upright
from ..regions import Detection, Region
from .mnist import mnist_normalize

ALPHABET = "0123456789.,-/"   # class k + 1; class 0 is the CTC blank
BLANK = 0
LINE_HEIGHT = 32
STRIDE = 4                    # input columns per output time step (a model's card may say 2)
MAX_WIDTH = 1024              # longer lines are squeezed to this many columns
LEVEL = 2.0                   # degrees: a region turned less is cut straight
MIN_RANGE = 40.0              # paper-to-ink span (grey levels) below which nothing is stretched
BIG_SHRINK = 4.0              # crops shrunk more than this many times are flattened first
STRETCHES = (1.0, 0.85, 1.15, 0.7, 1.3)  # widths each region is read at; the readings vote


def flatten(gray: np.ndarray, shrink: float) -> np.ndarray:
    """A big crop (ink dark) about to be shrunk `shrink` times, made ready for it: the paper
    levelled (each pixel divided by the paper's brightness around it, so a shadow across a
    phone photo is not taken for ink), specks removed (3x3 median), and the ink widened by
    half the shrink, so a ballpoint's 2 px line on a 300 px digit is still a line at
    LINE_HEIGHT rather than a faint trace."""
    k = 2 * int(round(shrink)) + 1
    paper = cv2.blur(cv2.dilate(gray, np.ones((k, k), np.uint8)), (k, k))
    level = np.clip(gray.astype(np.float32) / np.maximum(paper, 1) * 255, 0, 255)
    g = cv2.medianBlur(level.astype(np.uint8), 3)
    widen = int(round(shrink / 2))
    return cv2.erode(g, np.ones((widen, widen), np.uint8)) if widen > 1 else g


def line_input(gray: np.ndarray, max_width: int = MAX_WIDTH, stretch: float = 1.0,
               ) -> np.ndarray:
    """Grey crop (H, W) uint8, ink dark -> (LINE_HEIGHT, W') float32, ink bright in [0, 1],
    W' (the scaled width times `stretch`) a multiple of STRIDE (so of any model's stride).
    Paper maps to 0 whatever its shade, ink to about 1. A crop more than BIG_SHRINK times
    LINE_HEIGHT high is flattened first (`flatten`)."""
    return line_inputs(gray, (stretch,), max_width)[0]


def line_inputs(gray: np.ndarray, stretches: tuple[float, ...], max_width: int = MAX_WIDTH,
                ) -> list[np.ndarray]:
    """`line_input` of one crop at each of `stretches` (the same arrays), flattening a big
    crop once for all of them."""
    h, w = gray.shape
    if h > BIG_SHRINK * LINE_HEIGHT:
        gray = flatten(gray, h / LINE_HEIGHT)
    out = []
    for stretch in stretches:
        width = int(np.clip(round(w * stretch * LINE_HEIGHT / max(h, 1)), STRIDE, max_width))
        width += -width % STRIDE
        shrink = width < w or h > LINE_HEIGHT
        g = cv2.resize(gray, (width, LINE_HEIGHT),
                       interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)
        out.append(ink_strength(g))
    return out


def ink_strength(gray: np.ndarray) -> np.ndarray:
    """A grey image (ink dark) as float32 ink strength in [0, 1]: the paper (the 30th
    percentile of darkness) at 0, full-strength ink (the 99.5th) at 1, a span of at least
    MIN_RANGE grey levels so that blank paper stays blank."""
    ink = 255.0 - gray.astype(np.float32)
    paper = float(np.percentile(ink, 30))
    full = float(np.percentile(ink, 99.5))
    return np.clip((ink - paper) / max(full - paper, MIN_RANGE), 0.0, 1.0)


def batch_lines(lines: list[np.ndarray]) -> np.ndarray:
    """Line inputs of different widths -> (N, LINE_HEIGHT, max W, 1), padded with paper."""
    width = max(x.shape[1] for x in lines)
    out = np.zeros((len(lines), LINE_HEIGHT, width, 1), np.float32)
    for i, x in enumerate(lines):
        out[i, :, : x.shape[1], 0] = x
    return out


def path_score(probs: np.ndarray) -> float:
    """Log-probability of the greedy CTC path through (T, classes) probabilities: how sure
    the network is of what it read, comparable between readings of one region."""
    return float(np.log(np.maximum(probs.max(1), 1e-9)).sum())


def agreed(texts: list[str], scores: list[float]) -> int:
    """Which of several readings of one region to keep: the digits most of them read
    (a majority vote, as ROVER combines recognisers), a tie going to the surest; of the
    readings with those digits, the surest. Returns its index."""
    digits = ["".join(c for c in t if c.isdigit()) for t in texts]
    votes: dict[str, int] = {}
    for d in digits:
        votes[d] = votes.get(d, 0) + 1
    return max(range(len(texts)), key=lambda i: (votes[digits[i]], scores[i]))


@dataclass
class Char:
    text: str            # a digit or a separator
    confidence: float    # peak probability of this character
    x0: int              # columns of the line input it covers
    x1: int
    probs: np.ndarray    # (10,) digit probabilities at its peak (renormalised)


def decode(probs: np.ndarray, line_width: int | None = None, stride: int = STRIDE,
           ) -> list[Char]:
    """Greedy CTC decoding of one line's (T, classes) probabilities: repeats merged, blanks
    dropped; each character's columns run from midway after the previous character to
    midway before the next."""
    best = probs.argmax(1)
    runs: list[tuple[int, int, int]] = []  # (class, first t, last t)
    for t, k in enumerate(best):
        if runs and runs[-1][0] == k and runs[-1][2] == t - 1:
            runs[-1] = (k, runs[-1][1], t)
        else:
            runs.append((int(k), t, t))
    kept = [r for r in runs if r[0] != BLANK]
    width = line_width or probs.shape[0] * stride
    chars = []
    for i, (k, t0, t1) in enumerate(kept):
        start = 0 if i == 0 else (kept[i - 1][2] + 1 + t0) / 2
        end = probs.shape[0] if i == len(kept) - 1 else (t1 + 1 + kept[i + 1][1]) / 2
        span = probs[t0: t1 + 1, k]
        peak = t0 + int(span.argmax())
        digits = probs[peak, 1:11]
        chars.append(Char(ALPHABET[k - 1], float(span.max()),
                          int(start * stride), int(min(end * stride, width)),
                          digits / max(float(digits.sum()), 1e-9)))
    return chars


def ink_rows(x: np.ndarray, x0: int, x1: int, level: float = 0.35) -> tuple[int, int]:
    """First and last row of line input `x` with ink in columns x0..x1 (all rows if none)."""
    rows = np.nonzero((x[:, x0:x1] > level).any(1))[0]
    if len(rows) == 0:
        return 0, x.shape[0] - 1
    return int(rows[0]), int(rows[-1])


def ink_columns(x: np.ndarray, x0: int, x1: int, level: float = 0.35) -> tuple[int, int]:
    """First and last column with ink in columns x0..x1 of `x` (x0, x1 - 1 if none)."""
    cols = np.nonzero((x[:, x0:x1] > level).any(0))[0]
    if len(cols) == 0:
        return x0, max(x0, x1 - 1)
    return x0 + int(cols[0]), x0 + int(cols[-1])


def dark_ink(crop: np.ndarray) -> np.ndarray:
    """`crop` with its ink dark: ink is the minority that departs from the paper's median,
    so when the bright tail departs further than the dark one the crop is inverted."""
    lo, mid, hi = np.percentile(crop, (2, 50, 98))
    return 255 - crop if hi - mid > mid - lo else crop


def paper_level(gray: np.ndarray, box: tuple[int, int, int, int], samples: int = 64) -> int:
    """The background's grey level in a region's box: the median of at most about
    `samples` x `samples` of its pixels (ink is the minority of a number's box)."""
    x, y, w, h = (int(v) for v in box)
    step = max(1, max(w, h) // samples)
    part = gray[max(0, y): y + max(h, 1): step, max(0, x): x + max(w, 1): step]
    return int(np.median(part)) if part.size else int(np.median(gray[::8, ::8]))


def _char_crop(x: np.ndarray, x0: int, x1: int) -> np.ndarray:
    """A character's ink from the line input, MNIST-style 28x28 uint8 (for display)."""
    part = (x[:, x0:x1] * 255).astype(np.uint8)
    ys, xs = np.nonzero(part > 60)
    if len(ys) == 0:
        return np.zeros((28, 28), np.uint8)
    return mnist_normalize(part[ys.min(): ys.max() + 1, xs.min(): xs.max() + 1])


class LineRecognizer:
    """Reads each region as a line of digits and separators (CNN + CTC): with the line
    model(s) given (default the shipped `lines`) and any models each one's card says it is
    read with ("read_with"), each at every width in `stretches`, keeping for each region
    the reading most of them agree on (`agreed`)."""

    name = "lines"
    model_kind = "line-ctc"  # what model= names (assets.registry.KINDS)

    def __init__(self, model: str | os.PathLike | list | tuple | None = None,
                 threads: int = 1, margin: float = 0.15,
                 stretches: tuple[float, ...] = STRETCHES):
        """model: a line model's name or path, or several (default the shipped `lines`);
            each brings the models its card lists under "read_with".
        margin: the region is cut with this share of its height around it (0.15).
        stretches: each region is read at these widths (1: as written) by each model and
        the readings vote (`agreed`: most common digits, ties to the surest by
        `path_score`); (1.0,) with one model reads it once."""
        names = model if isinstance(model, (list, tuple)) else (model,)
        self.models: list[Model] = []
        for name in names:
            self.models.append(Model(name, "line-ctc", threads))
            for other in self.models[-1].card.get("read_with", []):
                if other not in names and all(m.name != other for m in self.models):
                    self.models.append(Model(other, "line-ctc", threads))
        self.strides = [int(m.card.get("input", {}).get("stride", STRIDE))
                        for m in self.models]   # input columns per output step, by card
        self.model = self.models[0]  # the one whose name the reader reports
        self.margin = margin
        self.stretches = tuple(stretches) or (1.0,)

    def _cut(self, gray: np.ndarray, region) -> tuple[np.ndarray, np.ndarray]:
        """The region upright with a margin and the matrix back to frame pixels. A level
        region is cut straight out (no edge stretched into it). Where the margin runs past
        the frame's edge it is paper (`paper_level`), so that a stroke the frame cuts (a
        tall 1 filling a close-up, a field's digit at the scan's edge) ends there, as a
        digit does, rather than running across the whole crop as a box's edge does."""
        paper = paper_level(gray, region.box)
        if region.rect is not None and abs(region.rect[2]) >= LEVEL:
            return cut_upright(gray, *region.rect, margin=self.margin, paper=paper)
        if region.rect is not None:
            (cx, cy), (w, h), _ = region.rect
            box = (cx - w / 2, cy - h / 2, w, h)
        else:
            box = region.box
        return cut_level(gray, box, self.margin * box[3], paper)

    def recognize(self, gray: np.ndarray, regions: list[Region]) -> list[Detection]:
        if not regions:
            return []
        cuts = [self._cut(gray, r) for r in regions]
        inputs = [x for crop, _ in cuts for x in line_inputs(dark_ink(crop), self.stretches)]
        # the same inputs for every model (any model's stride divides their widths)
        batch = batch_lines(inputs)
        readings: list[list[tuple[float, np.ndarray, np.ndarray, int]]] = [[] for _ in cuts]
        for model, stride in zip(self.models, self.strides):
            for i, (x, p) in enumerate(zip(inputs, model.run(batch))):
                steps = p[: x.shape[1] // stride]
                readings[i // len(self.stretches)].append((path_score(steps), x, steps, stride))
        found = []
        for k, (crop, back) in enumerate(cuts):
            read = [decode(steps, x.shape[1], stride) for _, x, steps, stride in readings[k]]
            best = agreed(["".join(c.text for c in chars) for chars in read],
                          [r[0] for r in readings[k]])
            _, x, _, _ = readings[k][best]
            chars = read[best]
            scale = (crop.shape[1] / x.shape[1], crop.shape[0] / LINE_HEIGHT)
            for d in self._detections(chars, x, scale, back, gray.shape):
                d.line = k  # one region, one line of writing
                found.append(d)
        return found

    @staticmethod
    def _detections(chars: list[Char], x: np.ndarray, scale: tuple[float, float],
                    back: np.ndarray, frame_shape: tuple[int, int]) -> list[Detection]:
        out = []
        fh, fw = frame_shape
        for ch in chars:
            if not ch.text.isdigit():
                if out:
                    out[-1].after += ch.text
                continue
            c0, c1 = ink_columns(x, ch.x0, max(ch.x1, ch.x0 + 1))
            r0, r1 = ink_rows(x, c0, c1 + 1)
            corners = np.float32([[c0, r0], [c1 + 1, r0], [c0, r1 + 1],
                                  [c1 + 1, r1 + 1]]) * np.float32(scale)
            pts = cv2.transform(corners[None], back)[0]
            x0, y0 = np.clip(pts.min(0), 0, (fw - 1, fh - 1))
            x1, y1 = np.clip(pts.max(0), 0, (fw, fh))
            box = (int(x0), int(y0), max(1, int(x1 - x0)), max(1, int(y1 - y0)))
            out.append(Detection(int(ch.text), ch.confidence, box, ch.probs,
                                 _char_crop(x, c0, c1 + 1)))
        if out:  # after the last digit only a dash means something ("10359-" on a cheque);
            out[-1].after = "-" if "-" in out[-1].after else ""  # a dot there is a speck
        return out
