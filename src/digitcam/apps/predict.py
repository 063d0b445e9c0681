"""`digitcam predict IMAGE|FOLDER|- ...`: the number in each image, as text or JSON lines.

A folder is read image by image (its image files in name order, not its subfolders); `-`
reads one image from standard input. --annotate OUT writes each image with its boxes and
readings drawn, as OUT/<name>.png.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path

from .commands import command
from .options import add_reading_options, make_recognizer

STDIN = "-"


@command("predict", "read the digits in image files (PNG, JPEG, HEIC, ...) or folders of them")
def _predict_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("images", nargs="+", metavar="IMAGE",
                   help="image files, folders of images, or - for standard input")
    p.add_argument("--json", action="store_true",
                   help="one JSON object per line: path, text, lines, digits (digit, "
                        "confidence, box, line)")
    p.add_argument("--annotate", metavar="OUT",
                   help="write each image with its boxes and readings drawn, in folder OUT")
    add_reading_options(p)
    p.set_defaults(handler=_predict)


def expand(inputs: list[str]) -> Iterator[tuple[str, str | None]]:
    """(name, None) for each image to read, or (name, error) for a folder with no images."""
    from ..io.images import IMAGE_SUFFIXES

    for name in inputs:
        folder = Path(name)
        if name == STDIN or not folder.is_dir():
            yield name, None
            continue
        files = sorted(p for p in folder.iterdir()
                       if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
        if not files:
            kinds = ", ".join(sorted(s[1:] for s in IMAGE_SUFFIXES))
            yield name, f"a folder with no images in it ({kinds})"
        yield from ((str(p), None) for p in files)


def _load(name: str):
    from ..io.images import ImageError, decode_image, read_image

    if name != STDIN:
        return read_image(name)
    data = sys.stdin.buffer.read()
    if not data:
        raise ImageError("nothing on standard input")
    return decode_image(data)


def _annotated_path(out: Path, name: str, used: set[Path]) -> Path:
    stem = "stdin" if name == STDIN else Path(name).stem
    path, n = out / f"{stem}.png", 1
    while path in used:  # two inputs with one name (a.jpg, a.png) keep both
        n += 1
        path = out / f"{stem}-{n}.png"
    used.add(path)
    return path


def _predict(args: argparse.Namespace) -> int:
    from ..io.images import ImageError, write_image
    from .annotate import annotate, enlarged
    from .terminal import printable

    recognizer = make_recognizer(args)
    out = Path(args.annotate) if args.annotate else None
    if out is not None and out.exists() and not out.is_dir():
        raise OSError(f"{out}: --annotate takes a folder, and this is a file")
    failed, written = 0, set()
    for path, error in expand(args.images):
        try:
            if error:
                raise ImageError(error)
            image = _load(path)
            detections = recognizer.read(image)
            if out is not None:
                write_image(_annotated_path(out, path, written),
                            annotate(*enlarged(image, detections)), "the annotated image")
        except (ImageError, ValueError, OSError) as e:
            failed += 1
            if args.json:
                print(json.dumps({"path": path, "error": str(e)}), flush=True)
            else:
                print(f"digitcam: {printable(path)}: {printable(e)}", file=sys.stderr, flush=True)
            continue
        reading = recognizer.as_dict(detections)
        if args.json:
            print(json.dumps({"path": path, **reading}), flush=True)
        else:
            print(f"{printable(path)}: {reading['text'] or '(no digits)'}", flush=True)
    return 1 if failed else 0
