"""Stage 2, recognise: (frame, regions) -> digits with probabilities.

    from digitcam.recognize import get_recognizer
    recognizer = get_recognizer("mnist", model="deep", normalize="fit")   # see RECOGNIZERS

A new recogniser is a class with `name` and `recognize(gray, regions) -> list[Detection]`
(base.DigitRecognizer), listed in RECOGNIZERS.
"""

from __future__ import annotations

from .base import DigitRecognizer
from .lines import LineRecognizer
from .mnist import MnistRecognizer

RECOGNIZERS: dict[str, type] = {"lines": LineRecognizer, "mnist": MnistRecognizer}


def get_recognizer(name: str, **kwargs) -> DigitRecognizer:
    """A new recogniser by its name in RECOGNIZERS, made with `kwargs`."""
    if name not in RECOGNIZERS:
        raise ValueError(f"unknown recognizer {name!r} (known: {', '.join(RECOGNIZERS)})")
    return RECOGNIZERS[name](**kwargs)


__all__ = ["RECOGNIZERS", "DigitRecognizer", "LineRecognizer", "MnistRecognizer",
           "get_recognizer"]
