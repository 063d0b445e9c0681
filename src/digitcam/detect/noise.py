"""Grain and specks: judged on the detection-scale grey, smoothed away at both scales.

    gray, small = denoise(gray, small, f)   # the same arrays when the frame is clean
"""

from __future__ import annotations

import cv2
import numpy as np

from .config import DEFAULT_CONFIG, ComponentConfig


def _share_above(d: np.ndarray, level: int) -> float:
    """Share of the pixels of `d` above `level`."""
    return cv2.countNonZero(cv2.threshold(d, level, 255, cv2.THRESH_BINARY)[1]) / d.size


def _median(d: np.ndarray) -> int:
    """Median of a uint8 image, from its histogram."""
    counts = np.cumsum(cv2.calcHist([d], [0], None, [256], [0, 256]).ravel())
    return int(np.searchsorted(counts, d.size / 2))


def noise_level(small: np.ndarray, cfg: ComponentConfig = DEFAULT_CONFIG) -> tuple[int, bool]:
    """(grain, specks) of the detection-scale grey, judged by how far pixels stray from their
    3x3 median: grain is the median departure in grey levels (0 below noise_mad: clean);
    specks, whether over noise_specks of the pixels lie far off (salt and pepper). A clean
    page has half its pixels within a grey level or two, and few far off (thin lines' edges)."""
    d = cv2.absdiff(small, cv2.medianBlur(small, 3))
    grainy = _share_above(d, cfg.noise_mad - 1) >= cfg.grainy_share  # cheap test first: a count
    return (_median(d) if grainy else 0), _share_above(d, cfg.speck_contrast) >= cfg.noise_specks


def _smooth(img: np.ndarray, grain: int, specks: bool, f: int,
            cfg: ComponentConfig) -> np.ndarray:
    """A median filter against specks, then a Gaussian blur as wide as the grain is strong;
    f: pixels per detection-scale pixel."""
    if specks:
        img = cv2.medianBlur(img, cfg.speck_kernel if f == 1 else cfg.speck_kernel_full)
    if grain:
        img = cv2.GaussianBlur(img, (0, 0), cfg.noise_sigma * grain * f)
    return img


def denoise(gray: np.ndarray, small: np.ndarray, f: int,
            cfg: ComponentConfig = DEFAULT_CONFIG) -> tuple[np.ndarray, np.ndarray]:
    """(full-scale grey, detection-scale grey) smoothed when the detection-scale one is
    noisy (noise_level), else the same arrays: clean frames pass at the cost of one 3x3
    median. Unsmoothed, heavy noise raises the paper estimate and breaks strokes into specks,
    and the page thresholds into one blob or into dust."""
    grain, specks = noise_level(small, cfg)
    if not (grain or specks):
        return gray, small
    small_out = _smooth(small, grain, specks, 1, cfg)
    return (_smooth(gray, grain, specks, f, cfg) if f > 1 else small_out), small_out
