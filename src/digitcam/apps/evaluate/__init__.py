"""`digitcam evaluate`: the paper's analysis, a robustness study and your own handwriting.

    digitcam evaluate --out report/                      # the shipped model on MNIST's test set
    digitcam evaluate --model mlp --model cnn            # models side by side
    digitcam evaluate --dataset my_digits/ --out mine/   # my_digits/0/*.png ... my_digits/9/*.png
    digitcam evaluate --dataset photos/                  # photos/labels.json: path -> digits

Writes metrics.json, one PNG per figure and a self-contained report.html. Needs the evaluate
extra (scikit-learn, matplotlib); this module stays light: they are imported when it runs.
"""

from __future__ import annotations

import argparse

from ..commands import command
from ..options import add_reading_options, at_least
from .config import ROBUST_DIGITS, ROBUST_FRAMES

EXTRA_MODULES = ("sklearn", "matplotlib")


@command("evaluate", "measure a model: the paper's analyses, robustness, your own digits "
                     "(needs the evaluate extra)")
def _evaluate_args(p: argparse.ArgumentParser) -> None:
    add_reading_options(p, several_models=True)
    p.add_argument("--dataset", default="mnist", metavar="mnist|DIR",
                   help="mnist: the MNIST test set (default); DIR: your own digits as "
                        "DIR/0/*.png ... DIR/9/*.png, photos or scans of any size, read like "
                        "`digitcam predict` reads them; or DIR with a labels.json mapping "
                        "image paths to the digits written in them (numbers read exactly "
                        "and digits read, per subfolder, and the failures drawn)")
    p.add_argument("--data-dir", default=None, help="folder of the MNIST .gz files "
                   "(default: $DIGITCAM_DATA, else the user cache; downloaded if missing)")
    p.add_argument("--out", default="report", metavar="DIR",
                   help="where to write metrics.json, the PNG figures and report.html "
                        "(default: report)")
    p.add_argument("--limit", type=at_least(1), default=None, metavar="N",
                   help="only the first N samples (quick runs; a folder's classes are "
                        "taken in turn)")
    p.add_argument("--robust-digits", type=at_least(0), default=ROBUST_DIGITS, metavar="N",
                   help=f"test digits per severity level as 28x28 inputs (default {ROBUST_DIGITS})")
    p.add_argument("--robust-frames", type=at_least(0), default=ROBUST_FRAMES, metavar="N",
                   help="test digits per severity level as camera frames through the full "
                        f"pipeline (default {ROBUST_FRAMES})")
    p.add_argument("--no-robustness", action="store_true",
                   help="skip the robustness study (it is only run on MNIST)")
    p.add_argument("--seed", type=int, default=0, help="random seed of the robustness study")
    p.set_defaults(handler=_evaluate)


def progress_bar(iterable=None, progress: bool | None = None, **kwargs):
    """A tqdm bar that goes when done: shown when `progress` is True, hidden when False,
    and when None only where stderr is a terminal."""
    from tqdm import tqdm

    return tqdm(iterable, disable=None if progress is None else not progress, leave=False,
                **kwargs)


def _evaluate(args: argparse.Namespace) -> int:
    try:
        from .run import evaluate
    except ImportError as e:
        if e.name and e.name.split(".")[0] in EXTRA_MODULES:
            raise SystemExit(f"digitcam: evaluate needs {e.name.split('.')[0]}: "
                             "pip install 'digitcam[evaluate]'") from None
        raise
    from .config import EvaluateConfig

    return evaluate(EvaluateConfig.from_args(args))
