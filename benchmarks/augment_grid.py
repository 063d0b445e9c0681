"""Draw docs/augmentation.png: training digits beside random augmentations of each.

    python benchmarks/augment_grid.py [--out docs/augmentation.png] [--seed 0]

Row by row: a training digit, then its distortions as `augment_batch` makes them, then
(the last columns) crops of training digits as the runtime pipeline cuts them from
camera-like scenes (`digitcam.training.crops`), the other kind of sample mixed into training.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np

from digitcam.data.mnist import load_mnist_data
from digitcam.training.crops import runtime_crops
from digitcam.training.transforms import augment_batch

ROWS, AUGMENTED, CROPS = 10, 8, 3
SCALE, GAP = 3, 4


def tile(images: np.ndarray) -> np.ndarray:
    """A row of 28x28 uint8 images, enlarged, with dark gaps."""
    big = [cv2.resize(im, None, fx=SCALE, fy=SCALE, interpolation=cv2.INTER_NEAREST)
           for im in images]
    gap = np.full((28 * SCALE, GAP), 60, np.uint8)
    return np.hstack([part for im in big for part in (im, gap)][:-1])


def grid(x: np.ndarray, y: np.ndarray, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    crops, crop_labels = runtime_crops(x, y, 400, seed=seed)
    rows = []
    for digit in range(ROWS):
        original = x[rng.choice(np.flatnonzero(y == digit))]
        batch = np.repeat(original[None].astype(np.float32) / 255.0, AUGMENTED, axis=0)
        augmented = (augment_batch(batch, rng) * 255).round().astype(np.uint8)
        real = crops[crop_labels == digit][:CROPS]
        divider = np.full((28 * SCALE, 3 * GAP), 160, np.uint8)
        rows.append(np.hstack([tile(original[None]), divider, tile(augmented), divider,
                               tile(real)]))
    spacer = np.full((GAP, rows[0].shape[1]), 60, np.uint8)
    return np.vstack([part for r in rows for part in (r, spacer)][:-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default="docs/augmentation.png")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--data-dir", default=None)
    args = p.parse_args()
    (x, y), _ = load_mnist_data(args.data_dir, download=False)
    image = grid(x[:20000], y[:20000], args.seed)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(args.out, image)
    print(f"wrote {args.out} ({image.shape[1]}x{image.shape[0]})")


if __name__ == "__main__":
    main()
