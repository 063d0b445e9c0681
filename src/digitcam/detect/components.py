"""The connected-component detector: every handwritten digit in a frame, as a region.

  grey -> shrunk to about detect_side pixels (digits are found at that scale, cut out at
  full scale) -> smoothed at both scales, only if that small grey is noisy (noise.py) ->
  polarity (dark ink on light paper, or light on dark) -> illumination normalisation (ink
  contrast against a local estimate of the paper: illumination.py) -> threshold (Otsu with a
  contrast floor, or the user's, on that contrast) -> connected components, broken strokes
  and detached caps merged (merge.py) -> candidates filtered by size, aspect, ink density,
  holes, outline and fill (shapes.py: boxes, blots, stars, hatching are not digits) -> each
  region's ink cut from the full-size frame, tight to its box (Region.ink).
  Every tuning value is a field of ComponentConfig (config.py). Timings (640x480, 0-10
  digits) are in BENCHMARKS.md, "Live recognition". It runs fastest with OpenCV
  single-threaded (cv2.setNumThreads(1), as the live loop sets it): on images this small
  the thread pool costs more than it saves.

    regions = ComponentDetector().detect(gray)   # [Region(box, ink=grey crop, ink bright)]
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ..regions import Box, Region
from .config import DEFAULT_CONFIG, ComponentConfig
from .illumination import auto_threshold, binarize, contrast, ink_is_dark, paper_map
from .merge import merge_broken
from .noise import denoise
from .shapes import blot, digit_like


def _components(binary: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
    """8-connected components with stats, by Grana's algorithm: the same labels as
    OpenCV's default, about 3x faster here when OpenCV runs single-threaded."""
    n, labels, stats, _ = cv2.connectedComponentsWithStatsWithAlgorithm(
        binary, 8, cv2.CV_32S, cv2.CCL_GRANA)
    return n, labels, stats


def _select(labels: np.ndarray, ids: list[int], count: int, value: int) -> np.ndarray:
    """uint8 mask: `value` where the label is one of `ids`, else 0."""
    lut = np.zeros(count, np.uint8)
    lut[ids] = value
    return lut[labels]


def find_digits(binary: np.ndarray, gray: np.ndarray | None = None,
                cfg: ComponentConfig = DEFAULT_CONFIG,
                ) -> tuple[np.ndarray, list[tuple[Box, list[int]]]]:
    """Connected components that look like digits: (labels, [(box, component ids)]).
    With `gray` (same size, ink dark) filled blots are recognised and dropped too."""
    h, w = binary.shape
    n, labels, stats = _components(binary)
    keep = np.nonzero(stats[1:, 4] >= cfg.min_area)[0] + 1
    if len(keep) > cfg.max_components:
        keep = keep[np.argsort(-stats[keep, 4])[:cfg.max_components]]
    comps = [[*stats[i, :5].tolist(), int(i)] for i in keep]
    candidates = []
    for g in merge_broken(comps, cfg):
        x, y, bw, bh, area = g[:5]
        if bh < cfg.min_digit_height or bh > cfg.max_frame_share * h \
                or bw > cfg.max_frame_share * w:
            continue
        if bw / bh > cfg.aspect_range[1]:
            continue
        mask = _select(labels[y : y + bh, x : x + bw], g[5:], n, 1)
        if not digit_like(mask, area, cfg):
            continue
        if gray is not None and area > cfg.blot_density * bw * bh \
                and blot(mask, gray[y : y + bh, x : x + bw], cfg):
            continue
        candidates.append(((x, y, bw, bh), g[5:]))
    if candidates:
        tallest = max(box[3] for box, _ in candidates)
        candidates = [c for c in candidates if c[0][3] >= cfg.min_rel_height * tallest]
    return labels, candidates


@dataclass
class _Page:
    """One frame prepared for cutting out digits at full scale."""

    g: np.ndarray       # full-scale grey, ink dark
    paper: np.ndarray   # paper brightness at detection scale
    labels: np.ndarray  # component labels at detection scale
    count: int          # labels.max() + 1
    scale: int          # full-scale pixels per detection-scale pixel


def _peak(ink: np.ndarray, share: float) -> float:
    """The `share` percentile of the inked pixels: full-strength ink, robust to a few spikes."""
    lit = ink[ink > 0]
    if lit.size == 0:
        return 1.0
    k = int(share * (lit.size - 1))
    return float(np.partition(lit, k)[k])


def _cut(page: _Page, box: Box, ids: list[int], threshold: int,
         cfg: ComponentConfig) -> tuple[np.ndarray, Box]:
    """The digit's ink at full scale, other components masked out, contrast stretched and
    cropped tight: (grey crop with bright ink, box in frame pixels)."""
    x, y, w, h = box
    f, (fh, fw), m = page.scale, page.g.shape, cfg.cut_margin
    x0, y0 = max(x - m, 0), max(y - m, 0)
    x1, y1 = min(x + w + m, page.labels.shape[1]), min(y + h + m, page.labels.shape[0])
    size = (min(x1 * f, fw) - x0 * f, min(y1 * f, fh) - y0 * f)
    mask = _select(page.labels[y0:y1, x0:x1], ids, page.count, 255)
    g = page.g[y0 * f : y0 * f + size[1], x0 * f : x0 * f + size[0]]
    paper = page.paper[y0:y1, x0:x1]
    if f > 1:
        mask = cv2.resize(mask, size, interpolation=cv2.INTER_LINEAR)
        paper = cv2.resize(paper, size, interpolation=cv2.INTER_LINEAR)
    mask = cv2.dilate(mask, np.ones((cfg.soft_edge, cfg.soft_edge), np.uint8))  # soft edges
    ink = cv2.min(contrast(paper, g, cfg), mask)
    bx, by, bw, bh = cv2.boundingRect(cv2.threshold(ink, threshold, 255, cv2.THRESH_BINARY)[1])
    if bw == 0 or bh == 0:
        bx, by, bw, bh = 0, 0, ink.shape[1], ink.shape[0]
    ink = ink[by : by + bh, bx : bx + bw]
    crop = cv2.convertScaleAbs(ink, alpha=255.0 / max(_peak(ink, cfg.ink_peak), 1.0))
    return crop, (x0 * f + bx, y0 * f + by, bw, bh)


def detection_scale(shape: tuple[int, ...], cfg: ComponentConfig = DEFAULT_CONFIG) -> int:
    """Whole-number shrink factor that brings the frame's shorter side near detect_side."""
    return max(1, min(shape[:2]) // cfg.detect_side)


class ComponentDetector:
    """Digits as connected components of the thresholded ink contrast (see the module).

    config: the tuning values; threshold: None for automatic (Otsu's on the ink contrast,
    at least config.min_contrast), or 0-255 on the ink contrast (live's trackbar sets it)."""

    name = "components"

    def __init__(self, config: ComponentConfig = DEFAULT_CONFIG, threshold: int | None = None):
        self.config = config
        self.threshold = threshold

    def detect(self, gray: np.ndarray) -> list[Region]:
        """Every digit-like object in a 2-D uint8 grey frame, in no particular order."""
        cfg = self.config
        f = detection_scale(gray.shape, cfg)
        h, w = gray.shape
        small = gray if f == 1 else cv2.resize(gray, (w // f, h // f),
                                               interpolation=cv2.INTER_AREA)
        gray, small = denoise(gray, small, f, cfg)
        sh, sw = small.shape
        probe = small if min(sh, sw) < cfg.probe_side else cv2.resize(
            small, (sw // 2, sh // 2), interpolation=cv2.INTER_AREA)
        if not ink_is_dark(probe, cfg):  # polarity is page-wide: a quarter-size look will do
            gray, small = cv2.bitwise_not(gray), cv2.bitwise_not(small)
        paper = paper_map(small, cfg)
        ink = contrast(paper, small, cfg)
        threshold = auto_threshold(ink, cfg) if self.threshold is None else self.threshold
        binary = binarize(ink, threshold, cfg)
        k = cfg.close_kernel
        binary = cv2.morphologyEx(binary, cv2.MORPH_CLOSE, np.ones((k, k), np.uint8))
        labels, candidates = find_digits(binary, small, cfg)
        page = _Page(gray, paper, labels, int(labels.max()) + 1, f)
        regions = []
        for box, ids in candidates:
            image, full_box = _cut(page, box, ids, threshold, cfg)
            regions.append(Region(full_box, ink=image))
        return regions
