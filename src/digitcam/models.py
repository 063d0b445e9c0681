"""Keras networks for 28x28 digits (train extra only).

Every model takes float32 (N, 28, 28, 1) in [0, 1], white ink on black, and returns
softmax probabilities (N, 10), so the runtime can treat them all alike.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Recipe:
    """How `digitcam train` trains a model unless told otherwise."""

    epochs: int
    stop_at: float | None  # stop once validation accuracy reaches this (the paper's rule)
    augment: bool
    lr: float = 1e-3
    lr_decay: float = 1.0  # learning rate multiplied by this after every epoch
    batch_size: int = 128


RECIPES = {
    # The paper: Adam, at most 10 epochs, stop at 99% validation accuracy, no augmentation.
    "mlp": Recipe(epochs=10, stop_at=0.99, augment=False),
    "cnn": Recipe(epochs=15, stop_at=None, augment=True, lr_decay=0.85),
    "deep": Recipe(epochs=30, stop_at=None, augment=True, lr_decay=0.9),
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
    else:  # deep: two convolutions per stage, more filters, batch norm throughout
        x = inputs
        for filters in (32, 64, 128):
            for _ in range(2):
                x = layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
                x = layers.BatchNormalization()(x)
                x = layers.ReLU()(x)
            x = layers.MaxPooling2D()(x)
            x = layers.Dropout(0.1)(x)
        x = layers.Flatten()(x)
        x = layers.Dense(256, use_bias=False)(x)
        x = layers.BatchNormalization()(x)
        x = layers.ReLU()(x)
        x = layers.Dropout(0.4)(x)
    outputs = layers.Dense(10, activation="softmax", name="probs")(x)
    return keras.Model(inputs, outputs, name=name)
