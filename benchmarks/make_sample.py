"""Make the sample clip shipped in the package: `digitcam live --source sample` plays it.

    python benchmarks/make_sample.py [--data-dir D] [--out src/digitcam/assets/sample.mp4]

A hand-held camera looks at pages of numbers written with MNIST *test* digits (the models
never trained on them), one page per shot, a blank page among them (digitcam.synth.scenes.clip).
Beside the clip, sample.json records each shot's frames and the number it shows, so tests
can check what is read without MNIST at hand.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import cv2
import numpy as np

from digitcam.apps.live.sources import SAMPLE
from digitcam.data.mnist import load_mnist_data
from digitcam.synth.scenes import clip

OUT = SAMPLE  # src/digitcam/assets/sample.mp4 in an editable install
SHOTS = (1, 3, 0, 4, 2, 5)   # digits per page; 0 is a blank page
FRAMES_PER_SHOT = 30
FPS = 15.0
SEED = 2024
MAX_BYTES = 2_000_000


def make_sample(x: np.ndarray, y: np.ndarray, out: Path = OUT, seed: int = SEED) -> dict:
    """Write the clip and its truth card; return the card."""
    rng = np.random.default_rng(seed)
    writer = None
    shots: list[dict] = []
    for i, scene in enumerate(clip(x, y, rng, SHOTS, FRAMES_PER_SHOT, FPS)):
        if writer is None:
            h, w = scene.frame.shape[:2]
            writer = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"mp4v"), FPS, (w, h))
        writer.write(scene.frame)
        if i % FRAMES_PER_SHOT == 0:
            shots.append({"first": i, "last": i + FRAMES_PER_SHOT - 1, "text": scene.text})
    writer.release()
    card = {"fps": FPS, "frames": len(SHOTS) * FRAMES_PER_SHOT, "shots": shots,
            "made_by": "benchmarks/make_sample.py", "digits": "MNIST test set", "seed": seed}
    out.with_suffix(".json").write_text(json.dumps(card, indent=2) + "\n")
    size = out.stat().st_size
    if size > MAX_BYTES:
        raise SystemExit(f"{out}: {size} bytes, over the {MAX_BYTES} limit")
    return card


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default=None, help="MNIST folder (default: $DIGITCAM_DATA)")
    parser.add_argument("--out", type=Path, default=OUT, help=f"default {OUT}")
    args = parser.parse_args()
    _, (x_test, y_test) = load_mnist_data(args.data_dir)
    card = make_sample(x_test, y_test, args.out)
    print(f"{args.out}: {args.out.stat().st_size} bytes, {card['frames']} frames, "
          f"shots: {[s['text'] for s in card['shots']]}")


if __name__ == "__main__":
    main()
