"""Camera-like scenes made from MNIST digits: handwriting on paper under a desk lamp.

Used to make the shipped examples and sample clip, and by tests, benchmarks and the
evaluation, so that every measurement of the runtime path reads the same kind of frame.
A scene is a BGR uint8 frame plus the truth: the text and each digit's box.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from .augment import jpeg

FRAME_SHAPE = (480, 640)


@dataclass
class Look:
    """How the page looks to the camera."""

    paper: tuple[int, int, int] = (235, 238, 240)  # BGR
    ink: tuple[int, int, int] = (70, 40, 30)       # BGR, a dark blue-black pen
    light_gradient: float = 0.0   # 0: even; 0.5: one side half as bright
    shadow: float = 0.0           # depth of a soft shadow across part of the page
    noise: float = 0.0            # sensor noise, grey levels
    blur: float = 0.0             # defocus, Gaussian sigma in pixels
    rotation: float = 0.0         # page rotation, degrees
    dark_ink: bool = True         # False: light chalk on a dark board
    jpeg_quality: int | None = None


@dataclass
class Scene:
    frame: np.ndarray
    text: str
    boxes: list[tuple[int, int, int, int]] = field(default_factory=list)


def tight(digit: np.ndarray) -> np.ndarray:
    """The digit's bounding box within its 28x28 image."""
    ys, xs = np.nonzero(digit > 30)
    if len(ys) == 0:
        return digit
    return digit[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]


def _ink_alpha(digit: np.ndarray, height: int) -> np.ndarray:
    d = tight(digit)
    scale = height / d.shape[0]
    w = max(1, int(round(d.shape[1] * scale)))
    big = cv2.resize(d, (w, height), interpolation=cv2.INTER_CUBIC).astype(np.float32) / 255.0
    return np.clip((big - 0.15) / 0.6, 0.0, 1.0)  # crisper edges, like a pen line


def render(digits: list[np.ndarray], rng: np.random.Generator, look: Look | None = None,
           shape: tuple[int, int] = FRAME_SHAPE, height: int | None = None,
           labels: list[int] | None = None, lines: int | list[int] = 1) -> Scene:
    """Write MNIST digits (white on black 28x28) on paper, as one number per line.

    lines: the number of lines (digits shared evenly), or each line's digit count."""
    look = look or Look()
    alpha, boxes, text = layout(digits, rng, shape, height, labels, lines)
    frame = paint(alpha, look, rng)
    if look.rotation:
        frame, boxes = _rotate(frame, boxes, look.rotation, look.paper)
    return Scene(frame, text, boxes)


def layout(digits: list[np.ndarray], rng: np.random.Generator,
           shape: tuple[int, int] = FRAME_SHAPE, height: int | None = None,
           labels: list[int] | None = None, lines: int | list[int] = 1,
           ) -> tuple[np.ndarray, list[tuple[int, int, int, int]], str]:
    """Where the ink goes: (coverage (H, W) in [0, 1], each digit's box, the text)."""
    h, w = shape
    n = len(digits)
    if isinstance(lines, int):
        size = int(np.ceil(n / lines)) if n else 0
        lines = [min(size, n - i * size) for i in range(lines)]
    starts = np.cumsum([0, *lines])
    per_line = max(lines, default=0)
    lines = len(lines)
    if height is None:
        height = int(rng.uniform(0.16, 0.3) * h / max(lines, 1))
    if per_line:  # the longest line must fit across the page
        height = min(height, int(0.8 * w / (per_line * 0.9 + 0.5)))
    alpha = np.zeros((h, w), np.float32)
    boxes, text_lines = [], []
    line_gap = h / (lines + 1)
    for li in range(lines):
        chunk = list(range(starts[li], starts[li + 1]))
        if not chunk:
            continue
        glyphs = [_ink_alpha(digits[i], int(height * rng.uniform(0.9, 1.1))) for i in chunk]
        gaps = [int(height * rng.uniform(0.2, 0.45)) for _ in glyphs]
        total = sum(g.shape[1] for g in glyphs) + sum(gaps[:-1])
        x = int((w - total) / 2 + rng.uniform(-0.1, 0.1) * max(w - total, 0))
        cy = int(line_gap * (li + 1) + rng.uniform(-0.05, 0.05) * h)
        for glyph, gap in zip(glyphs, gaps):
            gh, gw = glyph.shape
            y = int(np.clip(cy - gh / 2 + rng.uniform(-0.08, 0.08) * height, 0, h - gh))
            x = int(np.clip(x, 0, w - gw))
            region = alpha[y : y + gh, x : x + gw]
            np.maximum(region, glyph, out=region)
            boxes.append((x, y, gw, gh))
            x += gw + gap
        if labels is not None:
            text_lines.append("".join(str(labels[i]) for i in chunk))
    return alpha, boxes, " ".join(text_lines)


def paint(alpha: np.ndarray, look: Look, rng: np.random.Generator,
          noise_rng: np.random.Generator | None = None) -> np.ndarray:
    """Ink coverage (H, W) in [0, 1] -> a lit, noisy, blurred BGR photo of the page.

    The lighting is drawn from `rng`, the sensor noise from `noise_rng` (default `rng`):
    a video keeps one page's lighting and draws fresh noise for every frame."""
    h, w = alpha.shape
    paper = np.array(look.paper, np.float32)
    ink = np.array(look.ink, np.float32)
    if not look.dark_ink:
        paper, ink = np.array((40, 45, 40), np.float32), np.array((225, 230, 230), np.float32)
    img = paper * (1 - alpha[..., None]) + ink * alpha[..., None]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    light = np.ones((h, w), np.float32)
    if look.light_gradient:
        angle = rng.uniform(0, 2 * np.pi)
        t = (np.cos(angle) * xx / w + np.sin(angle) * yy / h)
        t = (t - t.min()) / max(float(np.ptp(t)), 1e-6)
        light *= 1.0 - look.light_gradient * t
    if look.shadow:
        cx, cy = rng.uniform(0, w), rng.uniform(0, h)
        angle = rng.uniform(0, np.pi)
        dist = (xx - cx) * np.cos(angle) + (yy - cy) * np.sin(angle)
        light *= 1.0 - look.shadow / (1.0 + np.exp(dist / (0.05 * w)))
    img = img * light[..., None]
    if look.blur:
        img = cv2.GaussianBlur(img, (0, 0), look.blur)
    if look.noise:
        noise_rng = noise_rng or rng
        img = img + noise_rng.normal(0, look.noise, img.shape).astype(np.float32)
    frame = np.clip(img, 0, 255).astype(np.uint8)
    if look.jpeg_quality:
        frame = jpeg(frame, look.jpeg_quality)
    return frame


def _rotate(frame, boxes, degrees, paper):
    h, w = frame.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    out = cv2.warpAffine(frame, m, (w, h), borderMode=cv2.BORDER_REPLICATE)
    rotated = []
    for x, y, bw, bh in boxes:
        pts = np.array([[x, y], [x + bw, y], [x, y + bh], [x + bw, y + bh]], np.float32)
        p = cv2.transform(pts[None], m)[0]
        x0, y0 = p.min(0)
        x1, y1 = p.max(0)
        rotated.append((int(x0), int(y0), int(x1 - x0), int(y1 - y0)))
    return out, rotated


def random_look(rng: np.random.Generator, hard: bool = False) -> Look:
    """A plausible desk: tinted paper, a pen, a lamp to one side, a phone or laptop camera."""
    s = 1.6 if hard else 1.0
    paper = tuple(int(v) for v in rng.uniform(200, 250) - rng.uniform(0, 25, 3) * s)
    pen = [(80, 30, 20), (30, 30, 30), (40, 40, 120), (90, 60, 20)][rng.integers(0, 4)]
    return Look(paper=paper, ink=pen, light_gradient=rng.uniform(0, 0.35 * s),
                shadow=rng.uniform(0, 0.3 * s) if rng.random() < 0.4 else 0.0,
                noise=rng.uniform(1, 5 * s), blur=rng.uniform(0, 1.0 * s),
                rotation=rng.uniform(-4, 4) * s, jpeg_quality=int(rng.uniform(60, 95)))


def number_scene(x: np.ndarray, y: np.ndarray, n_digits: int, rng: np.random.Generator,
                 look: Look | None = None, shape: tuple[int, int] = FRAME_SHAPE,
                 lines: int | list[int] = 1) -> Scene:
    """A scene of `n_digits` random digits drawn from the MNIST images `x`, labels `y`."""
    idx = rng.choice(len(x), n_digits, replace=False)
    return render([x[i] for i in idx], rng, look or random_look(rng), shape,
                  labels=[int(y[i]) for i in idx], lines=lines)


def blank_scene(rng: np.random.Generator, look: Look | None = None,
                shape: tuple[int, int] = FRAME_SHAPE) -> Scene:
    return Scene(paint(np.zeros(shape, np.float32), look or random_look(rng), rng), "")


def clutter_scene(rng: np.random.Generator, look: Look | None = None,
                  shape: tuple[int, int] = FRAME_SHAPE, kind: str | None = None) -> Scene:
    """A page with something on it that is not a digit: ruled lines, a box, a blot, specks,
    a star, a scribble or a word-like squiggle."""
    h, w = shape
    alpha = np.zeros(shape, np.uint8)
    kinds = ("lines", "box", "blot", "specks", "star", "hatch", "squiggle")
    kind = kind or kinds[rng.integers(0, len(kinds))]
    cx, cy = int(w * rng.uniform(0.3, 0.7)), int(h * rng.uniform(0.3, 0.7))
    r = int(h * rng.uniform(0.1, 0.25))
    t = int(rng.integers(2, 5))
    if kind == "lines":
        for yy in range(int(rng.integers(30, 60)), h, int(rng.integers(40, 70))):
            cv2.line(alpha, (0, yy), (w - 1, yy + int(rng.integers(-3, 4))), 255, t)
    elif kind == "box":
        cv2.rectangle(alpha, (cx - r, cy - r), (cx + r, cy + int(r * 0.8)), 255, t)
    elif kind == "blot":
        cv2.ellipse(alpha, (cx, cy), (r, int(r * 0.7)), rng.uniform(0, 180), 0, 360, 255, -1)
    elif kind == "specks":
        for _ in range(40):
            cv2.circle(alpha, (int(rng.integers(0, w)), int(rng.integers(0, h))),
                       int(rng.integers(1, 3)), 255, -1)
    elif kind == "star":
        pts = [(cx + r * np.cos(a), cy + r * np.sin(a)) for a in np.linspace(0, 4 * np.pi, 6)]
        cv2.polylines(alpha, [np.int32(pts)], True, 255, t)
    elif kind == "hatch":
        for k in range(-r, r, 8):
            cv2.line(alpha, (cx + k, cy - r), (cx + k + r // 2, cy + r), 255, t)
    else:  # squiggle: a cursive-looking wave, wider than any digit
        xs = np.arange(cx - 2 * r, cx + 2 * r)
        ys = cy + (r * 0.3 * np.sin(xs / (r * 0.15))).astype(int)
        cv2.polylines(alpha, [np.int32(np.stack([xs, ys], 1))], False, 255, t)
    return Scene(paint(alpha.astype(np.float32) / 255.0, look or random_look(rng), rng), "")


def _camera_motion(i: int, fps: float, shape: tuple[int, int], rng_phase: np.ndarray,
                   rotation: float) -> np.ndarray:
    """A hand-held camera: slow sway of a few pixels, a little turn and zoom, frame `i`."""
    h, w = shape
    t = i / fps
    p = rng_phase
    dx = 0.012 * w * np.sin(2 * np.pi * t / 2.7 + p[0])
    dy = 0.012 * h * np.sin(2 * np.pi * t / 3.3 + p[1])
    angle = rotation + 1.5 * np.sin(2 * np.pi * t / 4.1 + p[2])
    zoom = 1.0 + 0.03 * np.sin(2 * np.pi * t / 5.0 + p[3])
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, zoom)
    m[:, 2] += (dx, dy)
    return m


def _moved_boxes(boxes, m: np.ndarray, shape: tuple[int, int]):
    h, w = shape
    out = []
    for x, y, bw, bh in boxes:
        pts = np.array([[x, y], [x + bw, y], [x, y + bh], [x + bw, y + bh]], np.float32)
        p = cv2.transform(pts[None], m)[0]
        x0, y0 = np.clip(p.min(0), 0, (w - 1, h - 1))
        x1, y1 = np.clip(p.max(0), 0, (w - 1, h - 1))
        out.append((int(x0), int(y0), int(x1 - x0), int(y1 - y0)))
    return out


def clip(x: np.ndarray, y: np.ndarray, rng: np.random.Generator,
         shots: tuple[int, ...] = (1, 3, 0, 4, 2, 5), frames_per_shot: int = 30,
         fps: float = 15.0, shape: tuple[int, int] = FRAME_SHAPE, hard: bool = False):
    """A hand-held video of pages, one per shot: each shows a number of `shots[k]` random
    MNIST digits from `x`, `y` (0: a blank page). Yields a Scene per frame, truth included.

    Within a shot the page and its lighting stay, the camera sways, turns and zooms a
    little and every frame has fresh sensor noise; shots are cut like a page swapped."""
    for n in shots:
        look = random_look(rng, hard)
        idx = rng.choice(len(x), n, replace=False) if n else []
        alpha, boxes, text = layout([x[i] for i in idx], rng, shape,
                                    labels=[int(y[i]) for i in idx])
        light_seed = int(rng.integers(2**31))
        phase = rng.uniform(0, 2 * np.pi, 4)
        rotation, look.rotation = look.rotation, 0.0
        for i in range(frames_per_shot):
            m = _camera_motion(i, fps, shape, phase, rotation)
            moved = cv2.warpAffine(alpha, m, (shape[1], shape[0]), flags=cv2.INTER_LINEAR)
            frame = paint(moved, look, np.random.default_rng(light_seed), noise_rng=rng)
            yield Scene(frame, text, _moved_boxes(boxes, m, shape))
