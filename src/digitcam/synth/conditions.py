"""The condition suite: camera pictures of one written number (or of no number) under one
named condition each, made from MNIST *test* digits, for benchmarks and tests.

    image, truth = condition_image("rotation", x_test, y_test, rng)   # BGR, "40172"

Number families (truth: the digits) and non-digit families (truth: ""), FAMILIES lists both.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

from .augment import stamp
from .lines import random_text, write
from .negatives import negative_ink, text_ink
from .pages import _desk, _finish, _warp

NAVY, BLUE, RED, BLACK = (90, 40, 20), (160, 60, 20), (40, 40, 190), (30, 30, 30)


@dataclass(frozen=True)
class Spec:
    height: tuple[int, int] = (28, 56)    # digit height range, frame pixels
    shape: tuple[int, int] = (480, 640)
    pen: tuple[int, int, int] = NAVY      # BGR
    stroke: float = 0.0                   # extra stroke width in pixels (negative: thinner)
    spacing: float | None = None          # gap between digits in heights (None: the writer's)
    separators: bool = False
    rotation: float = 0.0                 # page turned by up to this many degrees
    desk: bool = False                    # the page lies on a desk, its edges in view
    rules: str | None = None              # "ruled" or "squared"
    mark: str | None = None               # "box", "underline" or "circle" around the number
    light_on_dark: bool = False
    number: bool = True
    clutter: str | None = None            # "words", "shapes", "edges", "lines"
    upscale: int = 1                      # drawn this many times smaller, then enlarged
                                          # (a phone's 12 MP photo: sharp ink, fine grain)


FAMILIES: dict[str, Spec] = {
    "plain": Spec(),
    "desk": Spec(desk=True, height=(18, 36)),
    "rotation": Spec(rotation=30),
    "ballpoint": Spec(stroke=-1.5, pen=BLUE),
    "coloured ink": Spec(pen=RED),
    "ruled paper": Spec(rules="ruled"),
    "squared paper": Spec(rules="squared"),
    "boxes and underlines": Spec(mark="box"),
    "touching": Spec(spacing=-0.12),
    "separators": Spec(separators=True),
    "small digits": Spec(height=(12, 16)),
    "12 MP": Spec(shape=(750, 1000), height=(30, 60), upscale=4),
    "light on dark": Spec(light_on_dark=True),
    "words (no digits)": Spec(number=False, clutter="words"),
    "shapes (no digits)": Spec(number=False, clutter="shapes"),
    "page edges (no digits)": Spec(number=False, clutter="edges", desk=True),
    "form lines (no digits)": Spec(number=False, clutter="lines", rules="squared"),
    "blank": Spec(number=False),
}


def _number_ink(spec: Spec, x, y, rng, height: int) -> tuple[np.ndarray, str]:
    text = random_text(rng)
    while not spec.separators and not text.isdigit() or len(text) < 2:
        text = random_text(rng)
    if spec.separators and text.isdigit():
        k = int(rng.integers(1, len(text)))
        text = text[:k] + str(rng.choice(list(".,-/"))) + text[k:]
    ink, _ = write(text, x, y, rng, height)
    if spec.spacing is not None:
        ink, _ = _respace(text, x, y, rng, height, spec.spacing)
    if spec.stroke:
        k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))
        for _ in range(int(abs(spec.stroke))):
            ink = (cv2.erode if spec.stroke < 0 else cv2.dilate)(ink, k)
    ys, xs = np.nonzero(ink > 0.1)
    return ink[ys.min(): ys.max() + 1, xs.min(): xs.max() + 1], "".join(
        c for c in text if c.isdigit())


def _respace(text, x, y, rng, height, spacing):
    """`text` written with every gap set to `spacing` heights (negative: overlapping)."""
    glyphs = [write(c, x, y, rng, height)[0] for c in text]
    glyphs = [g[:, np.nonzero(g.max(0) > 0.1)[0].min(): np.nonzero(g.max(0) > 0.1)[0].max() + 1]
              for g in glyphs]
    total = sum(g.shape[1] for g in glyphs) + 2 * height
    canvas = np.zeros((glyphs[0].shape[0], total), np.float32)
    pos = height
    for g in glyphs:
        region = canvas[:, pos: pos + g.shape[1]]
        np.maximum(region, g[: region.shape[0]], out=region)
        pos += g.shape[1] + int(spacing * height)
    return canvas, None


def _clutter(spec: Spec, page: np.ndarray, rng, height: int) -> None:
    h, w = page.shape
    if spec.clutter in ("words", "shapes"):
        for _ in range(int(rng.integers(1, 4))):
            g = (text_ink(str(rng.choice(("Hello", "Total", "Name", "abc", "Page", "Tel"))),
                          height, rng) if spec.clutter == "words" else negative_ink(height, rng))
            gx, gy = int(rng.integers(0, max(1, w - g.shape[1]))), int(
                rng.integers(0, max(1, h - g.shape[0])))
            stamp(page, g, gx, gy)
    if spec.rules:
        step = int(max(h, w) / rng.uniform(10, 18))
        for v in range(step, max(h, w), step):
            cv2.line(page, (0, v), (w - 1, v), 0.5, max(1, h // 400))
            if spec.rules == "squared":
                cv2.line(page, (v, 0), (v, h - 1), 0.5, max(1, h // 400))


def _mark(page: np.ndarray, box, rng) -> None:
    x, y, w, h = box
    t = max(1, h // 14)
    p = int(0.25 * h)
    cv2.rectangle(page, (x - p, y - p), (x + w + p, y + h + p), 1.0, t)


def condition_image(family: str, x: np.ndarray, y: np.ndarray, rng: np.random.Generator,
                    ) -> tuple[np.ndarray, str]:
    """One BGR picture of `family` and the digits it shows ("" for none)."""
    return render_spec(FAMILIES[family], x, y, rng)


def render_spec(spec: Spec, x: np.ndarray, y: np.ndarray, rng: np.random.Generator,
                ) -> tuple[np.ndarray, str]:
    """One BGR picture drawn to `spec` and the digits it shows ("" for none)."""
    fh, fw = spec.shape
    side = max(fh, fw) if not spec.desk else int(max(fh, fw) * 1.0)
    page = np.zeros((fh, fw), np.float32) if not spec.desk else np.zeros((side, side),
                                                                          np.float32)
    ph, pw = page.shape
    height = int(rng.uniform(*spec.height))
    truth = ""
    if spec.number:
        ink, truth = _number_ink(spec, x, y, rng, height)
        ink = ink[:, : int(pw * 0.8)]
        gy = int(rng.uniform(0.3, 0.6) * (ph - ink.shape[0]))
        gx = int(rng.uniform(0.2, 0.8) * (pw - ink.shape[1]))
        region = page[gy: gy + ink.shape[0], gx: gx + ink.shape[1]]
        np.maximum(region, ink, out=region)
        if spec.mark:
            _mark(page, (gx, gy, ink.shape[1], ink.shape[0]), rng)
    _clutter(spec, page, rng, height)
    return _paint(spec, page, rng), truth


def _paint(spec: Spec, page: np.ndarray, rng) -> np.ndarray:
    fh, fw = spec.shape
    paper = np.array([rng.uniform(205, 245)] * 3, np.float32) - rng.uniform(0, 20, 3)
    pen = np.array(spec.pen, np.float32)
    if spec.light_on_dark:
        paper, pen = np.array((45, 50, 45), np.float32), np.array((225, 230, 230), np.float32)
    img = paper * (1 - page[..., None]) + pen * page[..., None]
    if spec.rotation or spec.desk:
        if spec.desk:
            m = _warp(page.shape[0], min(fh, fw), rng)
            m = np.array([[1, 0, (fw - min(fh, fw)) / 2], [0, 1, (fh - min(fh, fw)) / 2],
                          [0, 0, 1]]) @ m
            desk = _desk((fh, fw), rng)[..., None].repeat(3, 2) * np.float32([0.8, 0.9, 1.0])
            warped = cv2.warpPerspective(img, m, (fw, fh), borderValue=(-1, -1, -1))
            img = np.where(warped < 0, desk, warped)
        else:
            angle = rng.uniform(-spec.rotation, spec.rotation)
            m = cv2.getRotationMatrix2D((fw / 2, fh / 2), angle, 1.0)
            img = cv2.warpAffine(img, m, (fw, fh), borderMode=cv2.BORDER_REPLICATE)
    channels = [_finish(img[..., c].copy(), np.random.default_rng(s))
                for c, s in zip(range(3), [int(rng.integers(2**31))] * 3)]
    out = np.dstack(channels)
    if spec.upscale > 1:
        out = cv2.resize(out, (fw * spec.upscale, fh * spec.upscale),
                         interpolation=cv2.INTER_CUBIC)
        grain = rng.normal(0, 2.0, out.shape[:2]).astype(np.float32)[..., None]
        out = np.clip(out + grain, 0, 255).astype(np.uint8)
    return out


def suite(x: np.ndarray, y: np.ndarray, per_family: int, seed: int = 0,
          families: list[str] | None = None):
    """Yields (family, BGR image, truth) for `per_family` pictures of each family."""
    for family in families or list(FAMILIES):
        rng = np.random.default_rng([seed, list(FAMILIES).index(family)])
        for _ in range(per_family):
            yield (family, *condition_image(family, x, y, rng))


__all__ = ["FAMILIES", "Spec", "condition_image", "render_spec", "replace", "suite"]
