"""Options that several front ends share, defined and validated here once: the model, the
mode, the threshold and the minimum confidence (their meaning is the reader's:
digitcam.reader.threshold_value, confidence_value), and whole-number counts.

    add_reading_options(p)              # --model --mode --threshold --min-confidence
    recognizer = make_recognizer(args)  # validated: ValueError names the option
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from dataclasses import dataclass

from ..reader import MODES, confidence_value, threshold_value


def add_model_options(p: argparse.ArgumentParser, several: bool = False) -> None:
    p.add_argument("--model", default=None, action="append" if several else "store",
                   help="the recogniser's model: shipped name or path to an .onnx file; in "
                        "mode learned a line model (default: the shipped lines), in multi and "
                        "roi a digit classifier (deep, cnn, mlp; default deep)"
                        + ("; repeat to compare" if several else ""))


def add_reading_options(p: argparse.ArgumentParser, several_models: bool = False) -> None:
    """Options of the recogniser shared by every front end (--model repeatable if asked)."""
    add_model_options(p, several_models)
    p.add_argument("--mode", choices=MODES, default=None,
                   help="learned: networks find the numbers and read each as a line "
                        "(default); multi: connected components, one classifier call per "
                        "digit (the first round's pipeline; the default when --model names a "
                        "classifier); roi: the paper's central box")
    p.add_argument("--threshold", default="auto",
                   help="binarisation threshold 0-255, or 'auto' (default)")
    p.add_argument("--min-confidence", type=float, default=None,
                   help="hide readings less confident than this (default: the recogniser's)")


@dataclass(frozen=True)
class ReadingOptions:
    """--mode, --threshold and --min-confidence, validated (None: the recogniser's default)."""

    mode: str | None = None
    threshold: int | None = None
    min_confidence: float | None = None

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> ReadingOptions:
        confidence = args.min_confidence
        return cls(args.mode, threshold_value(args.threshold, "--threshold"),
                   None if confidence is None else confidence_value(confidence,
                                                                    "--min-confidence"))

    def recognizer(self, model=None, **options):
        """The Recognizer these options describe; `options`: its other arguments (once=)."""
        from ..reader import Recognizer

        if self.min_confidence is not None:
            options["min_confidence"] = self.min_confidence
        return Recognizer(model=model, mode=self.mode, threshold=self.threshold, **options)


def make_recognizer(args: argparse.Namespace, **options):
    """The Recognizer that --model, --mode, --threshold and --min-confidence describe;
    `options`: the Recognizer's other arguments a front end sets (live's once=)."""
    return ReadingOptions.from_args(args).recognizer(args.model, **options)


def at_least(minimum: int, maximum: int = 2**62) -> Callable[[str], int]:
    """An argparse `type`: a whole number from `minimum` to `maximum`, else a one-line usage
    error."""

    def whole_number(value: str) -> int:
        try:
            n = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
        if n < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {n}")
        if n > maximum:
            raise argparse.ArgumentTypeError(f"must be at most {maximum}, got {n}")
        return n

    return whole_number


def number_in(low: float, high: float, *, above: bool = False) -> Callable[[str], float]:
    """An argparse `type`: a finite number from `low` (excluded when `above`) to `high`,
    else a one-line usage error naming the option (nan, inf and 1e999 are refused)."""

    def number(value: str) -> float:
        try:
            x = float(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {value!r}") from None
        if not math.isfinite(x) or x > high or x < low or (above and x == low):
            lowest = f"above {low:g}" if above else f"from {low:g}"
            raise argparse.ArgumentTypeError(f"must be a number {lowest} to {high:g}, "
                                             f"got {value!r}")
        return x

    return number
