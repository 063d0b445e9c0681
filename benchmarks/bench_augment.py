"""How fast training batches are distorted, against a training step.

    python benchmarks/bench_augment.py [--batch 128] [--repeats 50]

Times `transforms.augment_batch` on batches of MNIST training digits (all images at once,
numpy), the same distortions applied image by image with the one-image functions of
`transforms.py` (OpenCV, a Python loop), and the runtime-crop pool (`crops.runtime_crops`),
per digit. Compare with a training step of `digitcam train` (its log prints ms/step).
"""

from __future__ import annotations

import argparse
import timeit

import numpy as np

from digitcam.data.mnist import load_mnist_data
from digitcam.training import transforms as T
from digitcam.training.crops import runtime_crops


def one_by_one(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The same kinds of distortion, image by image (the loop the batched version replaces)."""
    out = []
    for img in x:
        im = T.affine(img, rng.uniform(-12, 12), rng.uniform(0.85, 1.1), rng.uniform(-0.25, 0.25),
                      rng.uniform(-2, 2), rng.uniform(-2, 2))
        im = T.elastic(im, rng.uniform(15, 34), T.AUG_ELASTIC_SIGMA, rng)
        im = T.stroke(im, 1) if rng.random() < 0.15 else im
        im = T.gaussian_blur(im, 1.0) if rng.random() < 0.15 else im
        out.append(T.gaussian_noise(im, 0.05, rng) if rng.random() < 0.15 else im)
    return np.stack(out)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--repeats", type=int, default=50)
    p.add_argument("--data-dir", default=None)
    args = p.parse_args()
    (x, y), _ = load_mnist_data(args.data_dir, download=False)
    batch = x[: args.batch].astype(np.float32) / 255.0
    rng = np.random.default_rng(0)
    for name, fn in (("augment_batch (batched)", lambda: T.augment_batch(batch, rng)),
                     ("one image at a time", lambda: one_by_one(batch, rng))):
        best = min(timeit.repeat(fn, number=1, repeat=args.repeats))
        print(f"{name}: {1e3 * best:.1f} ms per batch of {args.batch} "
              f"({1e6 * best / args.batch:.0f} us per digit)")
    best = min(timeit.repeat(lambda: runtime_crops(x[:5000], y[:5000], 200), number=1, repeat=3))
    print(f"runtime-crop pool: {1e3 * best / 200:.2f} ms per crop "
          f"(10,000 crops: {best * 50:.0f} s, once per run)")


if __name__ == "__main__":
    main()
