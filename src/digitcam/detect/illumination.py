"""Paper and ink under any light: polarity, the paper's local brightness, the ink's contrast
against it, and the threshold that separates them (shadows, gradients, tinted paper drop out).

    dark = ink_is_dark(gray)                 # dark ink on light paper?
    ink = contrast(paper_map(g), g)          # 0-255: how much darker than the paper (g: ink dark)
    binary = binarize(ink, threshold=None)   # Otsu's, at least min_contrast
"""

from __future__ import annotations

import cv2
import numpy as np

from .config import DEFAULT_CONFIG, ComponentConfig


def quarter(img: np.ndarray, cfg: ComponentConfig = DEFAULT_CONFIG) -> np.ndarray:
    """`img` at a quarter of its size (unchanged under cfg.quarter_min_side on a side)."""
    h, w = img.shape
    if min(h, w) < cfg.quarter_min_side:
        return img
    return cv2.resize(img, (w // 4, h // 4), interpolation=cv2.INTER_AREA)


def ink_is_dark(gray: np.ndarray, cfg: ComponentConfig = DEFAULT_CONFIG) -> bool:
    """True for dark ink on light paper. The paper is what a large median filter keeps
    (it is the majority everywhere); ink is what departs from it strongly, one way or the
    other. Shadows and gradients shift the median with them, so they don't decide.
    A light page lying on a darker desk looks like light ink at first (its corners depart
    from the median, lighter, more than thin ink does, darker): so when light ink wins, a
    page, if there is one, has the last word (`dark_ink_on_page`)."""
    small = quarter(gray, cfg)
    darker, lighter = _departures(small, cfg)
    return darker >= lighter or dark_ink_on_page(small, cfg)


def _departures(small: np.ndarray, cfg: ComponentConfig, where: np.ndarray | None = None,
                ) -> tuple[int, int]:
    """Total departure (grey levels beyond half of min_contrast) of the pixels darker and
    of those lighter than the median paper around them; only `where` (0/1) if given."""
    paper = cv2.medianBlur(small, max(3, (min(small.shape) // cfg.polarity_kernel_div) | 1))
    departure = small.astype(np.int16) - paper.astype(np.int16)
    darker = np.maximum(-departure - cfg.min_contrast // 2, 0)
    lighter = np.maximum(departure - cfg.min_contrast // 2, 0)
    if where is not None:
        darker, lighter = darker * where, lighter * where
    return int(darker.sum()), int(lighter.sum())


def dark_ink_on_page(small: np.ndarray, cfg: ComponentConfig = DEFAULT_CONFIG) -> bool:
    """Whether the largest bright region of `small` is a page (page_share of the frame,
    and solid: the ink in it is holes, not most of it, as in a drawn 0's ring) with dark
    ink on it: inside it, away from its edge (page_margin_div), darker departures outweigh
    lighter ones and reach page_min_ink. A chalkboard's light strokes are too thin to have
    an inside; a bright wall around a board has no dark ink."""
    _, bright = cv2.threshold(small, 0, 1, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(bright, connectivity=8)
    if n < 2:
        return False
    page = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    area = stats[page, cv2.CC_STAT_AREA]
    low, high = cfg.page_share
    if not low <= area / small.size <= high:
        return False
    outline, _ = cv2.findContours((labels == page).astype(np.uint8), cv2.RETR_EXTERNAL,
                                  cv2.CHAIN_APPROX_SIMPLE)
    region = cv2.drawContours(np.zeros_like(small), outline, -1, 1, cv2.FILLED)
    if area < cfg.page_solidity * int(region.sum()):
        return False
    k = max(3, (min(small.shape) // cfg.page_margin_div) | 1)
    inside = cv2.erode(region, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    darker, lighter = _departures(small, cfg, inside)
    return darker > lighter and darker > cfg.page_min_ink * small.size * 255


def paper_map(g: np.ndarray, cfg: ComponentConfig = DEFAULT_CONFIG) -> np.ndarray:
    """Local paper brightness of `g` (ink dark): a grey closing, which removes the strokes,
    computed at a quarter of the size and smoothed. Same shape as `g`, uint8."""
    h, w = g.shape
    small = quarter(g, cfg)
    k = max(3, (min(small.shape) // cfg.paper_kernel_div) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (k, k))
    paper = cv2.blur(cv2.morphologyEx(small, cv2.MORPH_CLOSE, kernel), (k, k))
    return cv2.resize(paper, (w, h), interpolation=cv2.INTER_LINEAR)


def contrast(paper: np.ndarray, g: np.ndarray,
             cfg: ComponentConfig = DEFAULT_CONFIG) -> np.ndarray:
    """Ink contrast 0-255: how much darker than the paper around it each pixel is, relative
    to the paper's brightness (so a shadow does not make ink fainter)."""
    paper = cv2.max(paper, g)  # the paper is never darker than what lies on it
    return cv2.divide(cv2.subtract(paper, g), cv2.max(paper, cfg.paper_floor), scale=255)


def auto_threshold(ink: np.ndarray, cfg: ComponentConfig = DEFAULT_CONFIG) -> int:
    """Otsu's threshold on the ink map, never below min_contrast (blank paper stays blank)."""
    otsu, _ = cv2.threshold(ink, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return max(int(otsu), cfg.min_contrast)


def binarize(ink: np.ndarray, threshold: int | None = None,
             cfg: ComponentConfig = DEFAULT_CONFIG) -> np.ndarray:
    """The ink map thresholded: automatically (auto_threshold) or at the user's threshold."""
    if threshold is None:
        threshold = auto_threshold(ink, cfg)
    _, binary = cv2.threshold(ink, threshold, 255, cv2.THRESH_BINARY)
    return binary
