"""Random changes to a real field image, so a few hundred labelled fields teach the line
recogniser the writing and not the pictures: each copy is cut with other margins, slanted,
stretched, turned a little, its pen made thinner or bolder, its contrast, sharpness and
noise changed, the way another scanner, another camera or another hand would.

    copy = augment_field(gray, rng)          # uint8 (H', W'), ink dark, same digits
"""

from __future__ import annotations

import cv2
import numpy as np


def jpeg(image: np.ndarray, quality: int) -> np.ndarray:
    """`image` (grey or BGR uint8) as it comes back from JPEG at `quality` (1-100)."""
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    return cv2.imdecode(buf, cv2.IMREAD_UNCHANGED) if ok else image


def stamp(canvas: np.ndarray, glyph: np.ndarray, x: int, y: int) -> None:
    """Ink `glyph` onto `canvas` (coverage, in place) with its top-left at (x, y), x and y
    not negative; what falls beyond the canvas is cut off."""
    region = canvas[y: y + glyph.shape[0], x: x + glyph.shape[1]]
    np.maximum(region, glyph[: region.shape[0], : region.shape[1]], out=region)


def _margins(gray: np.ndarray, rng: np.random.Generator, share: float) -> np.ndarray:
    """Cut into or pad out each side by up to `share` of the height (padding with the
    paper's median grey), as a detector's box would be tighter or looser."""
    h, w = gray.shape
    cut = (rng.uniform(-share, share * 0.3, 4) * h).astype(int)   # top, bottom, left, right
    pad = np.maximum(-cut, 0)
    g = cv2.copyMakeBorder(gray, *map(int, pad), cv2.BORDER_CONSTANT,
                           value=int(np.median(gray)))
    top, bottom, left, right = np.maximum(cut, 0)
    return g[top: g.shape[0] - bottom or None, left: g.shape[1] - right or None]


def _warp(gray: np.ndarray, rng: np.random.Generator, shear: float, stretch: float,
          degrees: float) -> np.ndarray:
    """Slant by up to `shear`, stretch the width by up to `stretch`, turn by up to
    `degrees`, about the centre, keeping the whole field in view."""
    h, w = gray.shape
    sx = float(np.exp(rng.uniform(-stretch, stretch)))
    sh = float(rng.uniform(-shear, shear))
    a = np.deg2rad(rng.uniform(-degrees, degrees))
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    lin = rot @ np.array([[sx, sh], [0.0, 1.0]])
    corners = np.array([[0, 0], [w, 0], [0, h], [w, h]], np.float64) @ lin.T
    lo, hi = corners.min(0), corners.max(0)
    m = np.hstack([lin, -lo[:, None]]).astype(np.float32)
    size = tuple(int(v) for v in np.ceil(hi - lo).clip(1))
    return cv2.warpAffine(gray, m, size, flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=int(np.median(gray)))


def _pen(gray: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Now and then a bolder (dark grown) or thinner (dark shrunk) stroke."""
    r = rng.random()
    if r < 0.15:
        return cv2.erode(gray, np.ones((2, 2), np.uint8))
    if r < 0.3:
        return cv2.dilate(gray, np.ones((2, 2), np.uint8))
    return gray


def _look(gray: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Contrast, brightness and gamma; sometimes blur or a coarser resolution; noise; now
    and then JPEG."""
    g = gray.astype(np.float32) / 255
    g = np.clip(g ** rng.uniform(0.6, 1.6), 0, 1)
    lo, hi = rng.uniform(0, 0.3), rng.uniform(0.75, 1.0)
    g = lo + (hi - lo) * g
    if rng.random() < 0.3:
        g = cv2.GaussianBlur(g, (0, 0), rng.uniform(0.5, 1.2))
    if rng.random() < 0.2:
        h, w = g.shape
        f = rng.uniform(0.45, 0.8)
        small = cv2.resize(g, (max(1, int(w * f)), max(1, int(h * f))),
                           interpolation=cv2.INTER_AREA)
        g = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    g = g + rng.normal(0, rng.uniform(0, 0.04), g.shape).astype(np.float32)
    out = (np.clip(g, 0, 1) * 255).astype(np.uint8)
    if rng.random() < 0.2:
        out = jpeg(out, int(rng.integers(30, 80)))
    return out


def augment_field(gray: np.ndarray, rng: np.random.Generator, *, margin: float = 0.15,
                  shear: float = 0.3, stretch: float = 0.2, degrees: float = 3.0,
                  ) -> np.ndarray:
    """A changed copy of a grey field image (uint8, ink dark) that reads the same.

    margin: sides cut or padded by up to this share of the height (0.15).
    shear: slant, horizontal shift per row of height, up to +- this (0.3).
    stretch: width scaled by up to exp(+- this) (0.2).
    degrees: turned by up to +- this (3).
    """
    g = _margins(gray, rng, margin)
    g = _warp(g, rng, shear, stretch, degrees)
    return _look(_pen(g, rng), rng)
