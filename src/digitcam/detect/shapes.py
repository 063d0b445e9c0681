"""Is this candidate a digit? Aspect, ink density, holes, outline (a drawn box runs along
all four sides) and fill (a blot is dark inside where a digit's box holds paper)."""

from __future__ import annotations

import cv2
import numpy as np

from .config import DEFAULT_CONFIG, ComponentConfig


def holes(mask: np.ndarray, cfg: ComponentConfig = DEFAULT_CONFIG) -> int:
    """Enclosed holes in a component mask, ignoring pinholes (min_hole_share of its box)."""
    contours, hierarchy = cv2.findContours(mask, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    if hierarchy is None:
        return 0
    min_area = max(cfg.min_hole_area, cfg.min_hole_share * mask.size)
    return sum(1 for c, hier in zip(contours, hierarchy[0])
               if hier[3] >= 0 and cv2.contourArea(c) >= min_area)


def border_cover(mask: np.ndarray, cfg: ComponentConfig = DEFAULT_CONFIG) -> float:
    """How much of the bounding box's four sides the ink runs along (0-4): about 4 for a
    drawn rectangle, well under 3 for a digit."""
    h, w = mask.shape
    by, bx = max(1, round(cfg.border_band * h)), max(1, round(cfg.border_band * w))
    return float(mask[:by].any(0).mean() + mask[-by:].any(0).mean()
                 + mask[:, :bx].any(1).mean() + mask[:, -bx:].any(1).mean())


def digit_like(mask: np.ndarray, area: int, cfg: ComponentConfig = DEFAULT_CONFIG) -> bool:
    """Shape tests of one candidate (its mask within its box, 0/1 uint8) for a digit."""
    h, w = mask.shape
    aspect, density = w / h, area / float(w * h)
    if not cfg.aspect_range[0] <= aspect <= cfg.aspect_range[1]:
        return False
    if aspect < cfg.bar_aspect:  # a plain "1" is a solid bar
        return True
    return (cfg.density_range[0] <= density <= cfg.density_range[1]
            and holes(mask, cfg) <= cfg.max_holes
            and border_cover(mask, cfg) <= cfg.max_border_cover)


def blot(mask: np.ndarray, g: np.ndarray, cfg: ComponentConfig = DEFAULT_CONFIG) -> bool:
    """A filled blot, whose inside the ink map misses (the paper estimate cannot see past a
    blob that large, so only its rim stands out): far more of its box is as dark as the
    ink than the ink map marked. A digit's darkest pixels lie within its strokes.
    mask: the candidate's 0/1 mask in its box; g: the grey box, ink dark."""
    ink = cv2.mean(g, mask)[0]
    paper = float(cv2.minMaxLoc(cv2.blur(g, (cfg.blot_blur, cfg.blot_blur)))[1])
    dark = cv2.countNonZero(cv2.inRange(g, 0, ink + cfg.blot_darkness * (paper - ink)))
    return dark > cfg.blot_excess * cv2.countNonZero(mask)
