"""Synthetic handwritten number lines: MNIST digits written as one string on varied paper.

Training data for the string recogniser (and, laid on pages, for the detector). A line is
a grey image (ink dark), the text it shows (digits and the separators `.` `,` `-` `/`)
and each character's box. Digits touch, overlap or stand apart; a separator is drawn as a
pen would (a dot, a tick, a dash, a slash); the paper may carry what real fields carry:
printed guilloche or texture, an underline, a box, a ruled line, printed words.

    rng = np.random.default_rng(0)
    line = make_line(x_train, y_train, rng)   # Line(image, text, boxes)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import cv2
import numpy as np

from .augment import jpeg, stamp
from .habits import LONE_MARGIN, LONE_ONE, Habits, cross_seven, end_mark, flag_one
from .negatives import WORDS, mark_ink, negative_ink, text_ink

SEPARATORS = ".,-/"
PEN_SHARE = 0.35     # digits redrawn as a pen line of their own width (pen_line)
NEGATIVE_SHARE = 0.06  # lines that are not a number (words, letters, shapes, marks)
BANK_SHARE = 0.5     # with a glyph bank: lines written mostly with its real digits
BANK_DIGITS = 0.8    # in such a line, the share of digits taken from the bank


@dataclass
class Line:
    image: np.ndarray                      # (H, W) uint8 grey, ink dark
    text: str                              # what is written: digits and separators
    boxes: list[tuple[int, int, int, int]] = field(default_factory=list)  # per character


def _glyph(digit: np.ndarray, height: int, rng: np.random.Generator, label: int = -1,
           habits: Habits | None = None) -> np.ndarray:
    """One digit (MNIST's uint8 white on black, or a bank's coverage in [0, 1]) as ink
    coverage [0, 1] of the given height, its stroke made thinner or bolder; with
    `habits`, a 1 may get a flag and a 7 a bar."""
    if digit.dtype != np.uint8:
        digit = (digit * 255).astype(np.uint8)
    ys, xs = np.nonzero(digit > 30)
    d = digit[ys.min(): ys.max() + 1, xs.min(): xs.max() + 1] if len(ys) else digit
    aspect = rng.uniform(0.85, 1.2)
    w = max(1, int(round(d.shape[1] * height / d.shape[0] * aspect)))
    big = cv2.resize(d, (w, height), interpolation=cv2.INTER_CUBIC).astype(np.float32) / 255
    if habits and label == 1 and rng.random() < habits.flagged_one:
        big = flag_one(big, rng)
    elif habits and label == 7 and rng.random() < habits.crossed_seven:
        big = cross_seven(big, rng)
    if PEN_SHARE and rng.random() < PEN_SHARE:  # a pen line along the stroke's middle
        return pen_line(big, rng.uniform(1.0, max(1.5, 0.09 * height)))
    width = rng.uniform(-0.6, 1.0) * height / 28.0   # thinner (ballpoint) to bolder (marker)
    if abs(width) >= 0.5:
        k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * int(abs(width)) + 1,) * 2)
        big = (cv2.dilate if width > 0 else cv2.erode)(big, k)
    return np.clip((big - rng.uniform(0.1, 0.3)) / 0.5, 0.0, 1.0)


def pen_line(cover: np.ndarray, width: float) -> np.ndarray:
    """The strokes of `cover` (coverage [0, 1]) redrawn `width` pixels wide along their
    middle (the ridge of the distance to the stroke's edge): a ballpoint's 1-2 px line
    on a digit of any size, where an enlarged MNIST digit has a marker's stroke."""
    binary = (cover > 0.5).astype(np.uint8)
    dist = cv2.distanceTransform(binary, cv2.DIST_L2, 3)
    ridge = (dist > 0) & (dist >= cv2.dilate(dist, np.ones((3, 3), np.uint8)) - 0.75)
    line = ridge.astype(np.uint8) * 255
    r = int(round(width / 2))
    if r:
        line = cv2.dilate(line, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1,) * 2))
    return cv2.GaussianBlur(line.astype(np.float32) / 255, (0, 0), 0.6)


def _separator(char: str, height: int, rng: np.random.Generator) -> tuple[np.ndarray, int]:
    """A separator drawn by pen: (coverage, its top relative to the digits' top)."""
    t = max(1, int(round(height * rng.uniform(0.05, 0.12))))
    if char == ".":
        r = max(1, int(height * rng.uniform(0.05, 0.1)))
        g = np.zeros((2 * r + 3, 2 * r + 3), np.uint8)
        cv2.circle(g, (r + 1, r + 1), r, 255, -1)
        return g.astype(np.float32) / 255, int(height * rng.uniform(0.8, 0.95)) - r
    if char == ",":
        gh = int(height * rng.uniform(0.25, 0.4))
        g = np.zeros((gh + 2, gh // 2 + t + 2), np.uint8)
        cv2.line(g, (g.shape[1] - t - 1, 1), (t, gh), 255, t)
        return g.astype(np.float32) / 255, int(height * rng.uniform(0.75, 0.9))
    if char == "-":
        gw = int(height * rng.uniform(0.3, 0.9))
        g = np.zeros((t + 4, gw), np.uint8)
        cv2.line(g, (1, 2 + int(rng.integers(-1, 2))), (gw - 2, 2), 255, t)
        return g.astype(np.float32) / 255, int(height * rng.uniform(0.4, 0.6))
    gw = int(height * rng.uniform(0.3, 0.5))  # "/"
    g = np.zeros((height, gw + t + 2), np.uint8)
    cv2.line(g, (gw, 1), (t, height - 2), 255, t)
    return g.astype(np.float32) / 255, 0


def random_text(rng: np.random.Generator, max_digits: int = 8) -> str:
    """A number as people write them: plain, grouped in thousands, a decimal, a date, a
    trailing dash (cheque amounts), or a single digit."""
    n = int(rng.choice(np.arange(1, max_digits + 1),
                       p=_length_weights(max_digits)))
    digits = "".join(str(d) for d in rng.integers(0, 10, n))
    r = rng.random()
    if r < 0.15 and n >= 4:  # thousands: 1.990, 10,359
        sep = "." if rng.random() < 0.6 else ","
        head, groups = digits[: (n - 1) % 3 + 1], digits[(n - 1) % 3 + 1:]
        digits = head + "".join(sep + groups[i: i + 3] for i in range(0, len(groups), 3))
    elif r < 0.22 and n >= 3:
        k = int(rng.integers(1, n))
        digits = digits[:k] + ("." if rng.random() < 0.5 else ",") + digits[k:]
    elif r < 0.27 and n >= 4:
        k = int(rng.integers(1, n - 1))
        j = int(rng.integers(k + 1, n))
        sep = "/" if rng.random() < 0.5 else "-"
        digits = digits[:k] + sep + digits[k:j] + sep + digits[j:]
    if rng.random() < 0.08:
        digits += "-"
    return digits


@lru_cache(maxsize=1)
def _length_weights(max_digits: int) -> np.ndarray:
    w = np.array([1.5, 1, 1.2, 1.6, 1.8, 1.4, 1, 0.8, 0.6, 0.5][:max_digits], float)
    return w / w.sum()


def write(text: str, x: np.ndarray, y: np.ndarray, rng: np.random.Generator,
          height: int = 32, habits: Habits | None = None,
          bank: list[list[np.ndarray]] | None = None,
          ) -> tuple[np.ndarray, list[tuple[int, int, int, int]]]:
    """Ink coverage (H, W) of `text` written with MNIST digits of class `y` from `x`,
    digits `height` pixels high, with each character's box; `habits`: see Habits;
    `bank`: real digits per class (training.glyphs), written with in BANK_SHARE of lines."""
    by_class = _by_class(y)
    from_bank = BANK_DIGITS if bank and rng.random() < BANK_SHARE else 0.0
    pieces = []
    smaller_from, smaller = len(text), 1.0
    if habits and len(text) > 2 and rng.random() < habits.shrinking:
        smaller_from, smaller = int(rng.integers(1, len(text) - 1)), rng.uniform(0.55, 0.85)
    for k, ch in enumerate(text):
        if ch.isdigit():
            real = bank[int(ch)] if bank and rng.random() < from_bank else None
            i = None if real else by_class[int(ch)][rng.integers(len(by_class[int(ch)]))]
            f = smaller if k >= smaller_from else 1.0
            h = int(height * f * rng.uniform(0.85, 1.1))
            if real:
                glyph = _glyph(real[rng.integers(len(real))], h, rng)
            else:
                glyph = _glyph(x[i], h, rng, int(ch), habits)
            top = int(rng.uniform(-0.08, 0.08) * height) + int(height * (1 - f))  # on the line
            pieces.append((glyph, top))
        else:
            pieces.append(_separator(ch, height, rng))
    spacing = rng.uniform(-0.15, 0.35)  # this writer's habit: touching to airy
    pad = height
    total = sum(g.shape[1] for g, _ in pieces) + int(len(pieces) * height * 0.7) + 2 * pad
    canvas = np.zeros((3 * height, total), np.float32)
    x0, boxes = pad, []
    for g, top in pieces:
        gh, gw = g.shape
        yy = int(np.clip(height + top, 0, canvas.shape[0] - gh))
        region = canvas[yy: yy + gh, x0: x0 + gw]
        np.maximum(region, g, out=region)
        boxes.append((x0, yy, gw, gh))
        gap = height * (spacing + rng.uniform(-0.1, 0.15))
        x0 += gw + int(max(gap, -0.35 * gw))
    return canvas, boxes


@lru_cache(maxsize=4)
def _by_class_cached(key: bytes, labels: tuple) -> list[np.ndarray]:
    y = np.array(labels)
    return [np.nonzero(y == c)[0] for c in range(10)]


def _by_class(y: np.ndarray) -> list[np.ndarray]:
    return _by_class_cached(y[:64].tobytes(), tuple(y.tolist()))


def _slant(canvas: np.ndarray, boxes, shear: float):
    h, w = canvas.shape
    m = np.float32([[1, shear, -shear * h / 2], [0, 1, 0]])
    out = cv2.warpAffine(canvas, m, (w, h), flags=cv2.INTER_LINEAR)
    moved = [(int(bx + shear * (by + bh / 2 - h / 2)), by, bw, bh) for bx, by, bw, bh in boxes]
    return out, moved


def _printed(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """Light printed matter the size of `shape`: guilloche waves, a dot screen, fine hatching
    or a mottled tint, as on cheques and forms (coverage [0, 1])."""
    h, w = shape
    out = np.zeros(shape, np.float32)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    kind = rng.integers(0, 4)
    if kind == 0:
        for _ in range(int(rng.integers(3, 12))):
            f, a = rng.uniform(0.02, 0.15), rng.uniform(2, h / 3)
            c = rng.uniform(0, h)
            d = np.abs(yy - (c + a * np.sin(f * xx + rng.uniform(0, 6))))
            out = np.maximum(out, np.clip(1.2 - d, 0, 1))
    elif kind == 1:
        p = rng.uniform(2.5, 5)
        out = ((np.sin(xx * 2 * np.pi / p) + np.sin(yy * 2 * np.pi / p)) > 1.2).astype(np.float32)
    elif kind == 2:
        p, ang = rng.uniform(3, 8), rng.uniform(0, np.pi)
        t = xx * np.cos(ang) + yy * np.sin(ang)
        out = (np.mod(t, p) < 1.0).astype(np.float32)
    else:
        out = cv2.GaussianBlur(rng.random(shape).astype(np.float32), (0, 0), rng.uniform(1, 4))
        out = (out - out.min()) / max(float(np.ptp(out)), 1e-6)
    return out * rng.uniform(0.1, 0.45)


def _decorate(ink: np.ndarray, height: int, rng: np.random.Generator,
              ) -> tuple[np.ndarray, tuple[int, int]]:
    """What a field carries besides the number, drawn in the same ink: an underline, a box
    (with paper beyond it, or cut by the crop), a ruled line through or below the digits.
    Returns the ink and where the input's top-left corner went in it."""
    h, w = ink.shape
    t = max(1, int(height * rng.uniform(0.03, 0.1)))
    out = (ink * 255).astype(np.uint8)
    shift = (0, 0)
    if rng.random() < 0.25:
        yy = int(h * rng.uniform(0.75, 0.98))
        cv2.line(out, (int(rng.uniform(0, 0.2) * w), yy),
                 (int(rng.uniform(0.8, 1) * w), yy + int(rng.integers(-2, 3))), 255, t)
    if rng.random() < 0.15:  # a box, and (on most sides) paper beyond it, a detector's margin
        cv2.rectangle(out, (t, t), (w - 1 - t, h - 1 - t), 255, t)
        pad = (rng.uniform(0, 0.5, 4) * h * (rng.random(4) < 0.75)).astype(int)
        out = cv2.copyMakeBorder(out, *pad.tolist(), cv2.BORDER_CONSTANT, value=0)  # t, b, l, r
        shift = (int(pad[2]), int(pad[0]))
    if rng.random() < 0.06:
        step = int(h * rng.uniform(0.4, 0.9))
        for yy in range(int(rng.integers(0, step)), h, step):
            cv2.line(out, (0, yy), (w - 1, yy), int(rng.uniform(60, 200)), 1)
    return out.astype(np.float32) / 255, shift


def paint_line(ink: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Ink coverage -> a grey scan or photo of it: paper of some tint, printed matter behind,
    uneven light, pen of some darkness, blur, noise and JPEG. Ink dark, uint8."""
    h, w = ink.shape
    paper = rng.uniform(150, 250)
    img = np.full((h, w), paper, np.float32)
    if rng.random() < 0.5:
        img -= _printed((h, w), rng) * paper
    pen = rng.uniform(0, min(130, paper - 60))
    img = img * (1 - ink) + pen * ink
    if rng.random() < 0.5:
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        a = rng.uniform(0, 2 * np.pi)
        t = np.cos(a) * xx / w + np.sin(a) * yy / h
        img *= 1 - rng.uniform(0, 0.4) * (t - t.min()) / max(float(np.ptp(t)), 1e-6)
    if rng.random() < 0.6:
        img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.3, 1.2))
    img += rng.normal(0, rng.uniform(0, 8), img.shape).astype(np.float32)
    out = np.clip(img, 0, 255).astype(np.uint8)
    if rng.random() < 0.5:
        out = jpeg(out, int(rng.uniform(40, 95)))
    return out


def make_line(x: np.ndarray, y: np.ndarray, rng: np.random.Generator,
              negative_rate: float | None = None, habits: Habits | None = None,
              bank: list[list[np.ndarray]] | None = None) -> Line:
    """One synthetic field: a number (or, at `negative_rate`, something that is not one)
    written with MNIST digits `x` of labels `y`, cropped as a detector or a scanner would;
    `habits` (see Habits; default none) draws it as writers and scans do beyond MNIST;
    `bank` (real digits per class, training.glyphs) writes some lines with real digits."""
    height = int(rng.uniform(18, 48))
    lone = False  # one digit cut as the reader cuts a region (Habits.lone_digit)
    if rng.random() < (NEGATIVE_SHARE if negative_rate is None else negative_rate):
        ink = negative_ink(height, rng) if rng.random() < 0.6 else mark_ink(height, rng)
        text, boxes = "", []
    else:
        lone = bool(habits and habits.lone_digit and rng.random() < habits.lone_digit)
        text = (("1" if rng.random() < LONE_ONE else str(rng.integers(0, 10))) if lone
                else random_text(rng))
        ink, boxes = write(text, x, y, rng, height, habits, bank)
        if habits and not lone and rng.random() < habits.end_mark:
            end_mark(ink, boxes, height, rng)
        ink, boxes = _slant(ink, boxes, rng.uniform(-0.35, 0.35))
        if rng.random() < 0.08:  # a printed word before the number ("Tel", "$")
            word = text_ink(str(rng.choice(WORDS)), int(height * rng.uniform(0.5, 1)), rng)
            x0 = min(b[0] for b in boxes) - word.shape[1] - int(height * rng.uniform(0.3, 1))
            y0 = height + int(height * 0.9) - word.shape[0]
            if x0 >= 0 and y0 >= 0:
                stamp(ink, word, x0, y0)
    ys, xs = np.nonzero(ink > 0.1)
    if len(ys) == 0:
        ys, xs = np.array([0, ink.shape[0] - 1]), np.array([0, ink.shape[1] - 1])
    around = (LONE_MARGIN, LONE_MARGIN) if lone else ((0.05, 0.5), (0.05, 0.8))
    my = int(height * rng.uniform(*around[0]))
    mx = [int(height * rng.uniform(*around[1]))] * 2
    if habits and boxes and not lone and rng.random() < habits.cut_edge:  # into a digit
        mx[int(rng.integers(0, 2))] = -int(height * rng.uniform(0.05, 0.2))
    y0, y1 = max(0, ys.min() - my), min(ink.shape[0], ys.max() + 1 + my)
    x0, x1 = max(0, xs.min() - mx[0]), min(ink.shape[1], xs.max() + 1 + mx[1])
    ink, (dx, dy) = _decorate(ink[y0:y1, x0:x1], height, rng)
    x0, y0 = x0 - dx, y0 - dy
    image = paint_line(ink, rng)
    if rng.random() < 0.05:
        image = 255 - image  # light on dark: a board, a negative scan
    return Line(image, text, [(bx - x0, by - y0, bw, bh) for bx, by, bw, bh in boxes])
