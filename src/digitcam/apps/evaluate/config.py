"""What `digitcam evaluate` measures, as one typed, validated object (the CLI makes it from
its options; code and benchmarks can make it directly).

    from digitcam.apps.evaluate.config import EvaluateConfig
    from digitcam.apps.evaluate.run import evaluate
    exit_code = evaluate(EvaluateConfig(models=("deep", "mlp"), limit=1000, robustness=False))
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, field

from ..options import ReadingOptions

ROBUST_DIGITS = 1000   # per severity level, 28x28 inputs
ROBUST_FRAMES = 100    # per severity level, camera frames through Recognizer.read


@dataclass(frozen=True)
class EvaluateConfig:
    models: tuple[str | os.PathLike | None, ...] = (None,)  # None: the shipped default
    reading: ReadingOptions = field(default_factory=ReadingOptions)
    dataset: str = "mnist"          # "mnist" (the test set) or a folder DIR/0 ... DIR/9
    data_dir: str | None = None     # the MNIST .gz files (None: $DIGITCAM_DATA or the cache)
    out: str | os.PathLike = "report"
    limit: int | None = None        # only the first N samples
    robust_digits: int = ROBUST_DIGITS
    robust_frames: int = ROBUST_FRAMES
    robustness: bool = True         # the robustness study (MNIST only)
    seed: int = 0
    progress: bool | None = None    # progress bars: None where stderr is a terminal

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> EvaluateConfig:
        return cls(models=tuple(args.model or [None]), reading=ReadingOptions.from_args(args),
                   dataset=args.dataset, data_dir=args.data_dir, out=args.out,
                   limit=args.limit, robust_digits=args.robust_digits,
                   robust_frames=args.robust_frames, robustness=not args.no_robustness,
                   seed=args.seed)
