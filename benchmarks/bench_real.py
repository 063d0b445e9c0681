"""Real photos and scans, the same photos under camera changes, and the condition suite:
digitcam against its peers, same images, same run. Prints markdown tables (exact rate per
source, change or family, false reads for non-digit families, median ms per image) and
writes them as JSON with --json.

    python benchmarks/bench_real.py                          # everything
    python benchmarks/bench_real.py --readers digitcam,tesseract --per-family 10
    python benchmarks/bench_real.py --skip-suite --skip-camera --json out.json

Camera changes: every real image more than 128 px on its shorter side (a photo, not a
scan of a field: real-dev's phone photos), shrunk to a webcam's 640 px or to 320 px,
turned, dimmed, blurred, JPEG-compressed, shaded, inverted (light on dark), or laid on a
dark desk: how what a real photo shows holds up when another camera, hand or lamp takes it.

A reading is exact when its digits (separators and other characters dropped) equal the
label; for a family without digits, any digit read is a false read. real-dev rows also
give the held-out part (training.lines.held_out): the images no model learnt from.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import zlib
from collections import defaultdict
from pathlib import Path

import cv2
import numpy as np

from digitcam.synth.augment import jpeg

sys.path.insert(0, str(Path(__file__).parent))
from peers import READERS  # noqa: E402

HOLDOUT_SHARE = 3  # as digitcam.training.lines: crc32(name) % 10 < 3 is held out


def real_items(root: Path, every: int = 1):
    labels = json.loads((root / "labels.json").read_text())
    seen: dict[str, int] = {}
    for name, truth in sorted(labels.items()):
        source = name.split("/")[0]
        seen[source] = seen.get(source, 0) + 1
        if (seen[source] - 1) % every:
            continue
        image = cv2.imread(str(root / name), cv2.IMREAD_COLOR)
        if image is None:
            print(f"skipping unreadable {name}", file=sys.stderr)
            continue
        part = "held out" if zlib.crc32(name.encode()) % 10 < HOLDOUT_SHARE else "tuned on"
        yield [source, f"{source} ({part})"], image, truth


def _long_side(image: np.ndarray, side: int) -> np.ndarray:
    f = side / max(image.shape[:2])
    return cv2.resize(image, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)


def _turned(image: np.ndarray, degrees: float) -> np.ndarray:
    h, w = image.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    return cv2.warpAffine(image, m, (w, h), borderMode=cv2.BORDER_REPLICATE)


def _shaded(image: np.ndarray) -> np.ndarray:
    light = np.linspace(0.4, 1.0, image.shape[1], dtype=np.float32)[None, :, None]
    return (image * light).astype(np.uint8)


def _on_desk(image: np.ndarray) -> np.ndarray:
    return cv2.copyMakeBorder(_long_side(image, 480), 200, 200, 300, 300,
                              cv2.BORDER_CONSTANT, value=(60, 50, 40))


CAMERA = {  # name -> the change, on the original photo; all but two at a webcam's 640 px
    "webcam 640 px": lambda im: _long_side(im, 640),
    "small, 320 px": lambda im: _long_side(im, 320),
    "turned 15 degrees": lambda im: _turned(_long_side(im, 640), 15),
    "turned -25 degrees": lambda im: _turned(_long_side(im, 640), -25),
    "dim (x0.35)": lambda im: (_long_side(im, 640) * 0.35).astype(np.uint8),
    "blurred (sigma 2)": lambda im: cv2.GaussianBlur(_long_side(im, 640), (0, 0), 2.0),
    "JPEG quality 20": lambda im: jpeg(_long_side(im, 640), 20),
    "shaded (40% to full light)": lambda im: _shaded(_long_side(im, 640)),
    "light on dark (inverted)": lambda im: 255 - _long_side(im, 640),
    "on a dark desk (480 px page)": _on_desk,
}


PHOTO_MIN_SIDE = 128  # shorter side (px) above which a real image is a photo, not a field


def camera_items(root: Path):
    """Every real photo (shorter side above PHOTO_MIN_SIDE) under each change in CAMERA."""
    for _, image, truth in real_items(root):
        if min(image.shape[:2]) <= PHOTO_MIN_SIDE:
            continue
        for name, change in CAMERA.items():
            yield [f"camera: {name}"], change(image), truth


def suite_items(per_family: int, seed: int):
    from digitcam import load_mnist_data
    from digitcam.synth.conditions import suite

    _, (x, y) = load_mnist_data()
    for family, image, truth in suite(x, y, per_family, seed):
        yield [family], image, truth


def run(items, readers: dict) -> dict:
    """{group: {reader: {"right": n, "total": n, "ms": [..]}}} over the items."""
    table: dict = defaultdict(lambda: defaultdict(lambda: {"right": 0, "total": 0, "ms": []}))
    for k, (groups, image, truth) in enumerate(items):
        if k % 50 == 0:
            print(f"  {k} images ...", file=sys.stderr, flush=True)
        for name, read in readers.items():
            t = time.perf_counter()
            got = read(image)
            ms = 1000 * (time.perf_counter() - t)
            for g in groups:
                cell = table[g][name]
                cell["right"] += got == truth
                cell["total"] += 1
                cell["ms"].append(ms)
    return table


def markdown(title: str, table: dict, readers: list[str], suite: bool) -> str:
    head = "| " + title + " | n | " + " | ".join(readers) + " | " + " | ".join(
        f"{r} ms" for r in readers) + " |"
    lines = [head, "|" + "---|" * (2 + 2 * len(readers))]
    for group, cells in table.items():
        n = cells[readers[0]]["total"]
        negative = suite and "no digits" in group or group == "blank"
        rates = []
        for r in readers:
            c = cells[r]
            rate = c["right"] / c["total"]
            rates.append(f"{100 * (1 - rate):.0f}% false" if negative else f"{100 * rate:.1f}%")
        ms = [f"{statistics.median(cells[r]['ms']):.0f}" for r in readers]
        lines.append(f"| {group} | {n} | " + " | ".join(rates) + " | " + " | ".join(ms) + " |")
    return "\n".join(lines)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--real", default=os.environ.get(
        "DIGITCAM_REAL", str(Path(__file__).resolve().parents[2] / "shared/data/real-dev")),
        help="labelled folder of real images (default ../shared/data/real-dev)")
    p.add_argument("--readers", default=",".join(READERS),
                   help=f"comma-separated, of {', '.join(READERS)} (default all)")
    p.add_argument("--every", type=int, default=1,
                   help="real images: every Nth of each source, in name order (1: all)")
    p.add_argument("--per-family", type=int, default=40, help="suite pictures per family (40)")
    p.add_argument("--seed", type=int, default=0, help="suite seed (0)")
    p.add_argument("--skip-real", action="store_true")
    p.add_argument("--skip-suite", action="store_true")
    p.add_argument("--skip-camera", action="store_true",
                   help="no camera changes of the real photos")
    p.add_argument("--json", default=None, help="also write the tables here")
    args = p.parse_args()
    cv2.setNumThreads(1)
    names = args.readers.split(",")
    readers = {n: READERS[n]() for n in names}
    results = {}
    if not args.skip_real:
        if not Path(args.real, "labels.json").exists():
            print(f"no labels.json in {args.real}: real images skipped", file=sys.stderr)
        else:
            results["real"] = run(real_items(Path(args.real), args.every), readers)
            print(markdown("real-dev source", results["real"], names, False), flush=True)
            if not args.skip_camera:
                results["camera"] = run(camera_items(Path(args.real)), readers)
                print(markdown("camera change (real-dev photos)", results["camera"], names,
                               False), flush=True)
    if not args.skip_suite:
        results["suite"] = run(suite_items(args.per_family, args.seed), readers)
        print(markdown("condition family", results["suite"], names, True), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
