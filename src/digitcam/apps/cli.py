"""digitcam: read handwritten digits from a camera, photos or a drawing.

    digitcam predict IMAGE... [--json]       read the number in each image
    digitcam live [--source sample]          the OpenCV window (or --headless)
    digitcam train --model mlp|cnn|deep      train on MNIST (needs the train extra)
    digitcam evaluate --out report/          the analysis report
    digitcam serve                           the browser page and HTTP API

Each subcommand's --help lists its options. Errors are reported in one line on stderr,
with a non-zero exit code; set DIGITCAM_DEBUG=1 to see the traceback as well.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable

from .. import __version__

# Modules that register more subcommands with @command when imported. Keep their
# top level light (no TensorFlow, FastAPI or matplotlib): `digitcam --help` imports them all.
FRONT_ENDS: tuple[str, ...] = (
    "digitcam.apps.live.loop", "digitcam.apps.web", "digitcam.training.finetune",
    "digitcam.apps.evaluate",
)

COMMANDS: dict[str, tuple[Callable[[argparse.ArgumentParser], None], str]] = {}


def command(name: str, help: str):
    """Register `add_arguments` for subcommand `name`; it sets the handler with set_defaults."""

    def register(add_arguments):
        COMMANDS[name] = (add_arguments, help)
        return add_arguments

    return register


def add_model_options(p: argparse.ArgumentParser, several: bool = False) -> None:
    p.add_argument("--model", default=None, action="append" if several else "store",
                   help="shipped model name (cnn, mlp, ...) or path to an .onnx file "
                        "(default: the shipped deep)" + ("; repeat to compare" if several else ""))


def add_reading_options(p: argparse.ArgumentParser, several_models: bool = False) -> None:
    """Options of the recogniser shared by every front end (--model repeatable if asked)."""
    add_model_options(p, several_models)
    p.add_argument("--mode", choices=("multi", "roi"), default="multi",
                   help="multi: every digit in view (default); roi: the paper's central box")
    p.add_argument("--threshold", default="auto",
                   help="binarisation threshold 0-255, or 'auto' (default)")
    p.add_argument("--min-confidence", type=float, default=None,
                   help="hide readings less confident than this (default: the recogniser's)")


def make_recognizer(args: argparse.Namespace):
    from ..reader import Recognizer

    threshold = None if str(args.threshold).lower() == "auto" else _threshold(args.threshold)
    kwargs = {} if args.min_confidence is None else {"min_confidence": args.min_confidence}
    return Recognizer(model=args.model, mode=args.mode, threshold=threshold, **kwargs)


def at_least(minimum: int) -> Callable[[str], int]:
    """An argparse `type`: a whole number of `minimum` or more, else a one-line usage error."""

    def whole_number(value: str) -> int:
        try:
            n = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
        if n < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {n}")
        return n

    return whole_number


def _threshold(value: str) -> int:
    try:
        t = int(value)
    except ValueError:
        raise ValueError(f"--threshold must be 0-255 or 'auto', got {value!r}") from None
    if not 0 <= t <= 255:
        raise ValueError(f"--threshold must be 0-255 or 'auto', got {t}")
    return t


@command("predict", "read the digits in image files (PNG, JPEG, BMP, ...)")
def _predict_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("images", nargs="+", metavar="IMAGE", help="image files to read")
    p.add_argument("--json", action="store_true",
                   help="one JSON object per line: path, text, digits (digit, confidence, box)")
    add_reading_options(p)
    p.set_defaults(handler=_predict)


def _predict(args: argparse.Namespace) -> int:
    from ..io.images import ImageError, read_image

    recognizer = make_recognizer(args)
    failed = 0
    for path in args.images:
        try:
            detections = recognizer.read(read_image(path))
        except (ImageError, ValueError) as e:
            failed += 1
            if args.json:
                print(json.dumps({"path": path, "error": str(e)}), flush=True)
            else:
                print(f"digitcam: {path}: {e}", file=sys.stderr, flush=True)
            continue
        reading = recognizer.as_dict(detections)
        if args.json:
            print(json.dumps({"path": path, **reading}), flush=True)
        else:
            print(f"{path}: {reading['text'] or '(no digits)'}", flush=True)
    return 1 if failed else 0


@command("train", "train a model on MNIST and export it to ONNX (needs the train extra)")
def _train_args(p: argparse.ArgumentParser) -> None:
    from ..training.models import RECIPES

    p.add_argument("--model", choices=tuple(RECIPES), default="cnn",
                   help="mlp: the paper's 784-512-10; cnn: compact convnet (default); "
                        "deep: more filters and batch norm")
    p.add_argument("--epochs", type=at_least(1), default=None,
                   help="at most this many epochs (default: the recipe's; mlp 10)")
    p.add_argument("--data-dir", default=None, help="folder of the MNIST .gz files "
                   "(default: $DIGITCAM_DATA, else the user cache; downloaded if missing)")
    p.add_argument("--out", default=None,
                   help="output stem: writes OUT.keras, OUT.onnx, OUT.json (default runs/MODEL)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--limit", type=at_least(1), default=None,
                   help="train on the first N training samples only (quick runs)")
    p.add_argument("--stop-at", default="recipe",
                   help="stop once validation accuracy reaches this; 'none' to train all "
                        "epochs (default: the recipe's: 0.99 for mlp, as in the paper)")
    p.add_argument("--augment", action=argparse.BooleanOptionalAction, default=None,
                   help="distort training digits (default: the recipe's; off for mlp)")
    p.add_argument("--batch-size", type=at_least(1), default=None,
                   help="default: the recipe's (128)")
    p.add_argument("--resume", action="store_true",
                   help="continue an interrupted run from its last complete epoch")
    p.add_argument("--dry-run", action="store_true",
                   help="one epoch on 2000 samples, to check that everything runs")
    p.set_defaults(handler=_train)


def _train(args: argparse.Namespace) -> int:
    try:
        from ..training.train import train_mnist_model
    except ImportError as e:
        raise SystemExit(f"digitcam: training needs the train extra: "
                         f"pip install 'digitcam[train]' ({e})") from None
    stop_at = args.stop_at
    if stop_at not in ("recipe", None):
        stop_at = None if str(stop_at).lower() == "none" else float(stop_at)
    train_mnist_model(
        model=args.model, epochs=1 if args.dry_run else args.epochs, data_dir=args.data_dir,
        out=args.out, seed=args.seed, limit=2000 if args.dry_run else args.limit,
        stop_at=stop_at, augment=args.augment, batch_size=args.batch_size, resume=args.resume,
        verbose=1 if sys.stdout.isatty() else 2,
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    import importlib

    for module in FRONT_ENDS:
        importlib.import_module(module)
    parser = argparse.ArgumentParser(
        prog="digitcam", description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"digitcam {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (add_arguments, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        add_arguments(p)
    return parser


def main(argv: list[str] | None = None) -> int:
    from ..assets.registry import ModelError
    from ..data.mnist import DataError

    parser = build_parser()
    args = parser.parse_args(argv)
    if not os.environ.get("DIGITCAM_DEBUG"):  # FFmpeg's own complaints: we say it in one line
        os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        print("digitcam: interrupted", file=sys.stderr)
        return 130
    except (DataError, ModelError, ValueError, OSError) as e:
        if os.environ.get("DIGITCAM_DEBUG"):
            raise
        print(f"digitcam: error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
