"""`digitcam predict IMAGE...`: the number in each image file, as text or JSON lines."""

from __future__ import annotations

import argparse
import json
import sys

from .commands import command
from .options import add_reading_options, make_recognizer


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
