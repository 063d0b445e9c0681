"""Stage 1, detect: frame (2-D uint8 grey) -> regions (box, score, optional ink).

    from digitcam.detect import get_detector
    detector = get_detector("learned")   # or "components", "roi"; see DETECTORS

A new detector is a class with `name` and `detect(gray) -> list[Region]` (base.Detector),
listed in DETECTORS.
"""

from __future__ import annotations

from .base import Detector
from .components import ComponentDetector
from .config import ComponentConfig
from .learned import LearnedConfig, NumberDetector
from .roi import RoiDetector

DETECTORS: dict[str, type] = {"learned": NumberDetector, "components": ComponentDetector,
                              "roi": RoiDetector}


def get_detector(name: str, **kwargs) -> Detector:
    """A new detector by its name in DETECTORS, made with `kwargs`."""
    if name not in DETECTORS:
        raise ValueError(f"unknown detector {name!r} (known: {', '.join(DETECTORS)})")
    return DETECTORS[name](**kwargs)


__all__ = ["DETECTORS", "ComponentConfig", "ComponentDetector", "Detector", "LearnedConfig",
           "NumberDetector", "RoiDetector", "get_detector"]
