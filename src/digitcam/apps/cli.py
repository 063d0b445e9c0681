"""digitcam: read handwritten digits from a camera, photos or a drawing.

    digitcam predict IMAGE... [--json]       read the number in each image
    digitcam live [--source sample]          the OpenCV window (or --headless)
    digitcam train --model mlp|cnn|deep      train on MNIST (needs the train extra)
    digitcam finetune --dataset DIR          adapt a model to your own handwriting
    digitcam ensemble MODEL... --out OUT     several models as one ONNX graph
    digitcam evaluate --out report/          the analysis report
    digitcam serve                           the browser page and HTTP API
    digitcam batch INPUT... --out RESULTS    many images into JSONL, CSV or Parquet

Each subcommand's --help lists its options. Errors are reported in one line on stderr,
with a non-zero exit code; set DIGITCAM_DEBUG=1 to see the traceback as well.
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
import threading

from .. import __version__
from .commands import COMMANDS

# The modules whose @command functions make the subcommands, in the order --help lists them.
FRONT_ENDS: tuple[str, ...] = (
    "digitcam.apps.predict", "digitcam.apps.train", "digitcam.apps.live.command",
    "digitcam.apps.web", "digitcam.apps.evaluate", "digitcam.batch.command",
)


def build_parser() -> argparse.ArgumentParser:
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


class Terminated(BaseException):
    """SIGTERM (systemd, docker stop, timeout): unwinds like Ctrl-C, so outputs are
    finished and moved into place; the exit code is 143."""


def _terminate(signum, frame) -> None:
    raise Terminated


def main(argv: list[str] | None = None) -> int:
    import cv2

    from ..assets.registry import ModelError
    from ..data.mnist import DataError
    from .terminal import error_line

    parser = build_parser()
    args = parser.parse_args(argv)
    if not os.environ.get("DIGITCAM_DEBUG"):  # FFmpeg's own complaints: we say it in one line
        os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminate) if in_main else None
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        print("digitcam: interrupted", file=sys.stderr)
        return 130
    except Terminated:
        print("digitcam: terminated", file=sys.stderr)
        return 143
    except (DataError, ModelError, ValueError, OSError, OverflowError, cv2.error) as e:
        if os.environ.get("DIGITCAM_DEBUG"):
            raise
        print(f"digitcam: error: {error_line(e)}", file=sys.stderr)
        return 1
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
