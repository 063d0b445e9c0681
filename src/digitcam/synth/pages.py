"""Synthetic photos and scans of numbers for training the detector, with where they are.

A sample is a grey image and a target map marking each written number's core (its box
shrunk by SHRINK of its height on every side, as DBNet shrinks text kernels), drawn from
one of three kinds of picture:
  - a page on a desk: numbers of many sizes, words, shapes, ruled or squared paper, form
    boxes, underlines and circles, the page turned and seen in perspective over a desk,
    lit unevenly, blurred, noisy, JPEG-compressed; sometimes light ink on a dark board;
  - a tight scan of one field (a cheque amount, a form cell), as make_line draws it;
  - a page with nothing that is a number (the target is empty).

    img, target = make_sample(x_train, y_train, rng)   # uint8 (S, S), float32 (S, S)
"""

from __future__ import annotations

import cv2
import numpy as np

from .augment import jpeg
from .lines import _printed, make_line, random_text, write
from .negatives import WORDS, negative_ink, text_ink

SIZE = 256
SHRINK = 0.15
MIN_ASPECT = 0.6      # a narrow number's core is widened to this share of its height
FIELD_SHARE = 0.2     # samples that are a tight scan of one field
CLOSEUP_SHARE = 0.15  # samples that are a close-up of a short number


def _core(box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """A number's box shrunk by SHRINK of its height; a narrow one (a "1") first widened
    to MIN_ASPECT of its height, so that it leaves a core the map can show."""
    x, y, w, h = box
    if w < MIN_ASPECT * h:
        x, w = x + w / 2 - MIN_ASPECT * h / 2, MIN_ASPECT * h
    s = SHRINK * h
    return x + s, y + s, max(w - 2 * s, 1.0), max(h - 2 * s, 1.0)


def _union(boxes) -> tuple[int, int, int, int]:
    x0 = min(b[0] for b in boxes)
    y0 = min(b[1] for b in boxes)
    x1 = max(b[0] + b[2] for b in boxes)
    y1 = max(b[1] + b[3] for b in boxes)
    return x0, y0, x1 - x0, y1 - y0


def _place(canvas: np.ndarray, ink: np.ndarray, x: int, y: int) -> bool:
    h, w = ink.shape
    if x < 0 or y < 0 or x + w > canvas.shape[1] or y + h > canvas.shape[0]:
        return False
    if canvas[y: y + h, x: x + w].max() > 0.05:
        return False  # keep things apart: overlapping numbers would blur the labels
    np.maximum(canvas[y: y + h, x: x + w], ink, out=canvas[y: y + h, x: x + w])
    return True


def _number(x, y, rng, height: int):
    text = random_text(rng)
    ink, boxes = write(text, x, y, rng, height)
    ys, xs = np.nonzero(ink > 0.1)
    x0, y0 = xs.min(), ys.min()
    ink = ink[y0: ys.max() + 1, x0: xs.max() + 1]
    return ink, _union([(bx - x0, by - y0, bw, bh) for bx, by, bw, bh in boxes])


def _page_ink(x, y, rng, side: int, numbers: bool):
    """Ink coverage of a page (side x side) and the boxes of its numbers."""
    ink = np.zeros((side, side), np.float32)
    boxes = []
    scale = rng.uniform(0.5, 1.5)
    for _ in range(int(rng.integers(1, 6)) if numbers else 0):
        h = int(np.clip(rng.lognormal(np.log(28), 0.6) * scale, 10, side * 0.6))
        glyphs, box = _number(x, y, rng, h)
        px, py = int(rng.integers(0, side)), int(rng.integers(0, side))
        if _place(ink, glyphs, px, py):
            boxes.append((px + box[0], py + box[1], box[2], box[3]))
            if rng.random() < 0.2:  # underlined, boxed or circled
                b = boxes[-1]
                t = max(1, h // 12)
                mark = rng.integers(0, 3)
                if mark == 0:
                    cv2.line(ink, (b[0] - t, b[1] + b[3] + 2 * t), (b[0] + b[2] + t,
                             b[1] + b[3] + 2 * t), 1.0, t)
                elif mark == 1:
                    cv2.rectangle(ink, (b[0] - 3 * t, b[1] - 3 * t),
                                  (b[0] + b[2] + 3 * t, b[1] + b[3] + 3 * t), 1.0, t)
                else:
                    cv2.ellipse(ink, (b[0] + b[2] // 2, b[1] + b[3] // 2),
                                (b[2] // 2 + 4 * t, b[3] // 2 + 4 * t), 0, 0, 360, 1.0, t)
    for _ in range(int(rng.integers(0, 5))):
        h = int(np.clip(rng.lognormal(np.log(24), 0.5) * scale, 8, side * 0.4))
        g = (text_ink(str(rng.choice(WORDS)), h, rng) if rng.random() < 0.5
             else negative_ink(h, rng))
        _place(ink, g, int(rng.integers(0, side)), int(rng.integers(0, side)))
    _rules(ink, rng)
    return ink, boxes


def _rules(ink: np.ndarray, rng: np.random.Generator) -> None:
    """Ruled or squared paper, or a form's grid, drawn faintly into `ink`."""
    r = rng.random()
    if r > 0.35:
        return
    side = ink.shape[0]
    step = int(rng.uniform(12, 40))
    level = rng.uniform(0.15, 0.6)
    for v in range(int(rng.integers(0, step)), side, step):
        cv2.line(ink, (0, v), (side - 1, v), level, 1)
        if r < 0.15:
            cv2.line(ink, (v, 0), (v, side - 1), level, 1)


def _desk(shape, rng) -> np.ndarray:
    """A surface around the page: a flat or graded tone, wood-like grain, or texture."""
    h, w = shape
    base = rng.uniform(20, 230)
    kind = rng.integers(0, 3)
    if kind == 0:
        return np.full(shape, base, np.float32)
    if kind == 1:
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        grain = np.sin(yy * rng.uniform(0.05, 0.4) + 3 * np.sin(xx * rng.uniform(0.005, 0.03)))
        return (base + rng.uniform(5, 30) * grain).astype(np.float32)
    noise = cv2.GaussianBlur(rng.random(shape).astype(np.float32), (0, 0), rng.uniform(1, 8))
    return base + (noise - 0.5) * rng.uniform(20, 120)


def _warp(side: int, out: int, rng) -> np.ndarray:
    """A perspective that lays the page (side x side) into the output, turned up to 30
    degrees, filling the frame or lying inside it with the desk around."""
    src = np.float32([[0, 0], [side, 0], [side, side], [0, side]])
    fill = rng.uniform(0.5, 1.6)
    c = out / 2 + rng.uniform(-0.2, 0.2, 2) * out
    angle = np.deg2rad(rng.uniform(-30, 30))
    r = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    corners = (src - side / 2) / side * out * fill
    corners = corners * (1 + rng.uniform(-0.12, 0.12, (4, 1)))  # perspective
    dst = (corners @ r.T + c).astype(np.float32)
    return cv2.getPerspectiveTransform(src, dst)


def _target(boxes, shape, m=None) -> np.ndarray:
    t = np.zeros(shape, np.float32)
    for b in boxes:
        x, y, w, h = _core(b)
        quad = np.float32([[x, y], [x + w, y], [x + w, y + h], [x, y + h]])
        if m is not None:
            quad = cv2.perspectiveTransform(quad[None], m)[0]
        cv2.fillPoly(t, [np.round(quad).astype(np.int32)], 1.0)
    return t


def _finish(img: np.ndarray, rng) -> np.ndarray:
    """Camera effects on a float grey image: light, blur, noise, JPEG; uint8 out."""
    h, w = img.shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    a = rng.uniform(0, 2 * np.pi)
    t = np.cos(a) * xx / w + np.sin(a) * yy / h
    img = img * (1 - rng.uniform(0, 0.5) * (t - t.min()) / max(float(np.ptp(t)), 1e-6))
    if rng.random() < 0.3:  # a soft shadow across part of the picture
        d = (xx - rng.uniform(0, w)) * np.cos(a) + (yy - rng.uniform(0, h)) * np.sin(a)
        img = img * (1 - rng.uniform(0.2, 0.6) / (1 + np.exp(d / (0.05 * w))))
    if rng.random() < 0.6:
        img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.3, 1.5))
    img = img + rng.normal(0, rng.uniform(0, 8), img.shape).astype(np.float32)
    out = np.clip(img, 0, 255).astype(np.uint8)
    if rng.random() < 0.5:
        out = jpeg(out, int(rng.uniform(40, 95)))
    return out


def page_sample(x, y, rng, size: int = SIZE, numbers: bool = True):
    side = int(size * rng.uniform(1.0, 2.0))
    ink, boxes = _page_ink(x, y, rng, side, numbers)
    paper = rng.uniform(150, 250)
    page = np.full(ink.shape, paper, np.float32)
    if rng.random() < 0.2:
        page -= _printed(ink.shape, rng) * paper * 0.5
    pen = rng.uniform(0, min(140, paper - 50))
    page = page * (1 - ink) + pen * ink
    m = _warp(side, size, rng)
    desk = _desk((size, size), rng)
    warped = cv2.warpPerspective(page, m, (size, size), flags=cv2.INTER_AREA,
                                 borderValue=-1.0)
    img = np.where(warped < 0, desk, warped)
    img = _finish(img, rng)
    if rng.random() < 0.08:
        img = 255 - img  # light on dark: chalk or whiteboard marker on a dark board
    return img, _target(boxes, (size, size), m)


def field_sample(x, y, rng, size: int = SIZE):
    """A tight scan of one field, scaled and padded into the sample with its own edge."""
    line = make_line(x, y, rng, negative_rate=0.1)
    g = line.image
    scale = rng.uniform(40, 160) / g.shape[0]
    scale = min(scale, size / g.shape[1])
    g = cv2.resize(g, (max(1, int(g.shape[1] * scale)), max(1, int(g.shape[0] * scale))))
    top = int(rng.integers(0, size - g.shape[0] + 1))
    left = int(rng.integers(0, size - g.shape[1] + 1))
    img = cv2.copyMakeBorder(g, top, size - g.shape[0] - top, left,
                             size - g.shape[1] - left, cv2.BORDER_REPLICATE)
    boxes = [] if not line.boxes else [_union(
        [(bx * scale + left, by * scale + top, bw * scale, bh * scale)
         for bx, by, bw, bh in line.boxes])]
    return img, _target(boxes, (size, size))


def closeup_sample(x, y, rng, size: int = SIZE):
    """A close-up: one short number filling much of the picture (a phone held over one
    digit), on paper that may run off the frame."""
    text = random_text(rng, max_digits=3)
    height = int(size * rng.uniform(0.3, 0.75))
    ink, boxes = write(text, x, y, rng, height)
    level = rng.uniform(0.3, 0.9)  # MNIST strokes scaled up are marker-thick: a pen's core
    ink = np.clip((ink - level) / 0.1, 0, 1)
    ys, xs = np.nonzero(ink > 0.1)
    x0, y0 = xs.min(), ys.min()
    ink = ink[y0: ys.max() + 1, x0: xs.max() + 1]
    f = min(1.0, 0.95 * size / max(ink.shape))
    ink = cv2.resize(ink, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
    box = _union([((bx - x0) * f, (by - y0) * f, bw * f, bh * f) for bx, by, bw, bh in boxes])
    page = np.zeros((size, size), np.float32)
    px = int(rng.integers(0, size - ink.shape[1] + 1))
    py = int(rng.integers(0, size - ink.shape[0] + 1))
    page[py: py + ink.shape[0], px: px + ink.shape[1]] = ink
    paper = rng.uniform(140, 250)
    pen = rng.uniform(0, min(140, paper - 50))
    img = _finish(paper * (1 - page) + pen * page, rng)
    box = (box[0] + px, box[1] + py, box[2], box[3])
    return img, _target([box], (size, size))


def make_sample(x: np.ndarray, y: np.ndarray, rng: np.random.Generator, size: int = SIZE):
    """One training sample (grey uint8, target float32 in {0, 1}), both size x size."""
    r = rng.random()
    if r < FIELD_SHARE:
        return field_sample(x, y, rng, size)
    if r < FIELD_SHARE + CLOSEUP_SHARE:
        return closeup_sample(x, y, rng, size)
    return page_sample(x, y, rng, size, numbers=r < 0.9)
