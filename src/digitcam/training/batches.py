"""What training feeds the network: model input, shuffled (distorted) batches, and the
pool of runtime-pipeline crops mixed into them."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from ..io.files import atomic_path


def to_input(x: np.ndarray) -> np.ndarray:
    return (x.astype(np.float32) / 255.0)[..., None]


def mixed_batches(x, y, batch_size: int, seed: int, augment: bool, pool=None,
                  crop_share: float = 0.0, augment_pool: bool | None = None):
    """Shuffled batches; with `augment`, freshly distorted every epoch, and with a `pool`
    (images, labels) of runtime crops, `crop_share` of each batch replaced by random ones.
    `augment_pool` (default: `augment`) distorts the pool's samples, whatever `augment` says."""
    import keras

    from .transforms import augment_batch

    class Batches(keras.utils.PyDataset):
        def __init__(self):
            super().__init__()
            self.start_epoch(0)

        def start_epoch(self, epoch: int) -> None:
            self.epoch = epoch
            self.order = np.random.default_rng((seed, epoch)).permutation(len(x))

        def __len__(self):
            return int(np.ceil(len(x) / batch_size))

        def __getitem__(self, i):
            idx = self.order[i * batch_size : (i + 1) * batch_size]
            xb, yb = x[idx], y[idx]
            rng = np.random.default_rng((seed, self.epoch, i))
            swap = np.zeros(0, int)
            if pool is not None and crop_share > 0:
                swap = np.flatnonzero(rng.random(len(idx)) < crop_share)
                pick = rng.integers(0, len(pool[0]), len(swap))
                xb[swap], yb[swap] = pool[0][pick], pool[1][pick]
            if augment:
                xb = augment_batch(xb, rng)
            elif augment_pool and len(swap):
                xb[swap] = augment_batch(xb[swap], rng)
            return xb, yb

        def on_epoch_end(self):
            self.start_epoch(self.epoch + 1)

    return Batches()


def crop_pool(x: np.ndarray, y: np.ndarray, count: int, seed: int, path: Path):
    """Runtime-pipeline crops of training digits (uint8 x, y), cached in `path` (.npz) so a
    resumed run reuses them. Returns model-ready (images, labels)."""
    from .crops import runtime_crops

    key = np.array([seed, count, len(x), int(x[:64].sum())])
    if path.exists():
        with np.load(path) as cached:
            if np.array_equal(cached["key"], key):
                return to_input(cached["images"]), cached["labels"]
    started = time.time()
    images, labels = runtime_crops(x, y, count, seed=seed)
    with atomic_path(path) as tmp:
        np.savez_compressed(tmp, key=key, images=images, labels=labels)
    print(f"{len(images)} runtime-pipeline crops of training digits in "
          f"{time.time() - started:.0f} s -> {path}", flush=True)
    return to_input(images), labels
