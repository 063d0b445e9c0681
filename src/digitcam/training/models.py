"""Keras networks for 28x28 digits (train extra only), and how each is trained.

Every model takes float32 (N, 28, 28, 1) in [0, 1], white ink on black, and returns
softmax probabilities (N, 10), so the runtime can treat them all alike.

    mlp   the paper's 784-512-10
    cnn   a compact convnet
    deep  twice the depth, batch norm after every convolution, 32-64-128 filters; its
          depthwise-separable convolutions keep it as fast as cnn through onnxruntime
"""

from __future__ import annotations

import math
from dataclasses import dataclass

BN_MOMENTUM = 0.9  # deep: moving statistics settle within a few dozen steps


@dataclass(frozen=True)
class Recipe:
    """How `digitcam train` trains a model unless told otherwise."""

    epochs: int
    stop_at: float | None  # stop once validation accuracy reaches this (the paper's rule)
    augment: bool
    lr: float = 1e-3
    lr_decay: float = 1.0  # learning rate multiplied by this after every epoch
    batch_size: int = 128
    schedule: str = "exp"      # "exp": lr * lr_decay**epoch; "cosine": warm-up, then to ~0
    warmup_epochs: int = 0     # cosine only: epochs of linear warm-up from lr / 10
    crop_share: float = 0.0    # share of each batch replaced by runtime-pipeline crops
    crop_pool: int = 10000     # how many such crops to precompute from the training split

    def learning_rate(self, epoch: int, epochs: int) -> float:
        """The learning rate for `epoch` (0-based) of a run of `epochs`."""
        if self.schedule == "exp":
            return self.lr * self.lr_decay**epoch
        if epoch < self.warmup_epochs:
            return self.lr * (0.1 + 0.9 * epoch / self.warmup_epochs)
        span = max(epochs - self.warmup_epochs - 1, 1)
        t = (epoch - self.warmup_epochs) / span
        return self.lr * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * t)))


RECIPES = {
    # The paper: Adam, at most 10 epochs, stop at 99% validation accuracy, no augmentation.
    "mlp": Recipe(epochs=10, stop_at=0.99, augment=False),
    "cnn": Recipe(epochs=15, stop_at=None, augment=True, lr_decay=0.85, crop_share=0.15),
    "deep": Recipe(epochs=40, stop_at=None, augment=True, lr=2e-3, schedule="cosine",
                   warmup_epochs=1, crop_share=0.15),
}


def build_model(name: str):
    import keras
    from keras import layers

    if name not in RECIPES:
        raise ValueError(f"unknown model {name!r}; choose one of {', '.join(RECIPES)}")
    inputs = keras.Input((28, 28, 1), name="image")
    if name == "mlp":
        # Exactly the paper's network: 784 -> 512 (ReLU) -> 10 (softmax).
        x = layers.Flatten()(inputs)
        x = layers.Dense(512, activation="relu")(x)
    elif name == "cnn":
        x = inputs
        for filters in (32, 64, 128):
            x = layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
            x = layers.BatchNormalization()(x)
            x = layers.ReLU()(x)
            x = layers.MaxPooling2D()(x)
        x = layers.Flatten()(x)
        x = layers.Dropout(0.3)(x)
        x = layers.Dense(128, activation="relu")(x)
        x = layers.Dropout(0.3)(x)
    else:
        x = _deep_features(inputs, layers)
    outputs = layers.Dense(10, activation="softmax", name="probs")(x)
    return keras.Model(inputs, outputs, name=name)


def _deep_features(inputs, layers):
    """Three stages of two convolutions (each followed by batch norm and ReLU) and a pooling.
    Past the first, convolutions are depthwise-separable: as many filters for a fraction of
    the multiply-adds, so a digit still costs about 0.1 ms through onnxruntime on one core."""
    x = inputs
    for stage, filters in enumerate((32, 64, 128)):
        for i in range(2):
            first = stage == 0 and i == 0
            conv = layers.Conv2D if first else layers.SeparableConv2D
            x = conv(filters, 3, padding="same", use_bias=False)(x)
            x = layers.BatchNormalization(momentum=BN_MOMENTUM)(x)
            x = layers.ReLU()(x)
        x = layers.MaxPooling2D()(x)
    x = layers.Flatten()(x)
    x = layers.Dropout(0.4)(x)
    x = layers.Dense(128, use_bias=False)(x)
    x = layers.BatchNormalization(momentum=BN_MOMENTUM)(x)
    x = layers.ReLU()(x)
    return layers.Dropout(0.3)(x)
