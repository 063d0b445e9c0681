"""Digits as the runtime really sees them: written into camera-like scenes, cut out again.

Training mixes these crops into its batches, so the network learns the pipeline's own
quirks (binarised stroke edges, re-centring, lighting, JPEG, small digits); fine-tuning
reads a user's images through the same `extract_digits`. Runtime modules only (no TensorFlow).

    from digitcam.training.crops import runtime_crops
    images, labels = runtime_crops(x_train, y_train, count=10000, seed=0)
"""

from __future__ import annotations

import numpy as np

from ..recognize.mnist import extract_digits
from ..regions import Box, iou
from ..synth.scenes import random_look, render

POOL_FRAME = (240, 320)   # small frames: cheap, and digits 20-70 px tall, like a distant camera
DIGITS_PER_SCENE = 8
HARD_LOOK_P = 0.3         # share of scenes with the harsher lighting/noise of random_look(hard)
MIN_IOU = 0.5


def match_crops(crops, truth: list[Box]) -> list[tuple[int, np.ndarray]]:
    """(truth index, crop image) for each crop that overlaps exactly one true box well."""
    matched = []
    for crop in crops:
        hits = [i for i, box in enumerate(truth) if iou(crop.box, box) >= MIN_IOU]
        if len(hits) == 1:
            matched.append((hits[0], crop.image))
    return matched


def runtime_crops(x: np.ndarray, y: np.ndarray, count: int, seed: int = 0,
                  frame: tuple[int, int] = POOL_FRAME) -> tuple[np.ndarray, np.ndarray]:
    """`count` (or slightly fewer) uint8 28x28 crops of digits drawn from `x`, `y` (uint8 MNIST
    images and labels), each written on a random page and read back by `extract_digits`.
    About 1.5 ms per digit on one core. Pass training digits only, never the test set."""
    rng = np.random.default_rng(seed)
    images: list[np.ndarray] = []
    labels: list[int] = []
    attempts = 0
    while len(images) < count and attempts < 3 * count // DIGITS_PER_SCENE + 10:
        attempts += 1
        idx = rng.choice(len(x), DIGITS_PER_SCENE, replace=False)
        look = random_look(rng, hard=bool(rng.random() < HARD_LOOK_P))
        scene = render([x[i] for i in idx], rng, look, frame, lines=int(rng.integers(1, 3)))
        for k, image in match_crops(extract_digits(scene.frame), scene.boxes):
            images.append(image)
            labels.append(int(y[idx[k]]))
    images, labels = images[:count], labels[:count]
    return (np.asarray(images, np.uint8).reshape(-1, 28, 28),
            np.asarray(labels, y.dtype if len(y) else np.uint8))
