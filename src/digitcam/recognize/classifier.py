"""Classify 28x28 digit images with an ONNX model (runtime half: no TensorFlow).

One ONNX Runtime session per model file (assets/registry.py resolves names and checks
cards), shared by every recogniser that uses that model.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import numpy as np

from ..assets.registry import (
    INPUT_SHAPE,
    ModelError,
    check_card,
    first_line,
    load_card,
    open_session,
    resolve_model,
)
from ..io.frames import white_value


def as_model_input(images: np.ndarray) -> np.ndarray:
    """Validate 28x28 image(s) and return float32 (N, 28, 28, 1) in [0, 1].

    Shapes: one image (28, 28) or (28, 28, 1); a batch (N, 28, 28) or (N, 28, 28, 1).
    Values: the rule of every image digitcam reads (io.frames.white_value): uint8 0-255,
    uint16, bool, other integers 0-255, float in [0, 1] or [0, 255]; others are refused.
    The shape is checked first, so a wrong array is refused before it is copied.
    """
    images = np.asarray(images)
    batch = images[None] if images.ndim == 2 or images.shape == (28, 28, 1) else images
    if batch.ndim == 4 and batch.shape[-1] == 1:
        batch = batch[..., 0]
    if batch.ndim != 3 or batch.shape[1:] != (28, 28):
        raise ValueError("expected a 28x28 image (28, 28[, 1]) or a batch (N, 28, 28[, 1]), "
                         f"got shape {images.shape}")
    white = white_value(batch)
    x = batch.astype(np.float32)
    x /= white
    return np.ascontiguousarray(x[..., None])


class Classifier:
    """One ONNX Runtime session for one model, reused for every call."""

    def __init__(self, model: str | os.PathLike | None = None, threads: int = 1):
        self.path = resolve_model(model)
        self.name = self.path.stem
        self.card = load_card(self.path)
        check_card(self.path, self.card)
        self.session = open_session(self.path, threads)
        self._check_signature()
        self.input_name = self.session.get_inputs()[0].name

    def _check_signature(self) -> None:
        inputs, outputs = self.session.get_inputs(), self.session.get_outputs()
        if len(inputs) != 1 or len(outputs) < 1:
            raise ModelError(f"{self.path}: expected one input and one output")
        shape = tuple(inputs[0].shape[1:])
        if shape != INPUT_SHAPE or inputs[0].type != "tensor(float)":
            raise ModelError(
                f"{self.path}: input must be float (N, 28, 28, 1), "
                f"got {inputs[0].type} {list(inputs[0].shape)}"
            )
        if not outputs[0].shape or outputs[0].shape[-1] != 10:
            raise ModelError(f"{self.path}: output must have 10 classes, got {outputs[0].shape}")

    def _run(self, x: np.ndarray) -> np.ndarray:
        """The model's output for a valid batch; a model that fails is a ModelError."""
        try:
            probs = self.session.run(None, {self.input_name: x})[0]
        except Exception as e:  # onnxruntime raises its own exception types
            raise ModelError(f"{self.path}: the model failed to run ({first_line(e)})") from None
        if probs.shape != (len(x), 10):
            raise ModelError(f"{self.path}: output shape {probs.shape}, expected ({len(x)}, 10)")
        if not (np.isfinite(probs).all() and probs.min() >= -1e-3 and probs.max() <= 1 + 1e-3
                and np.allclose(probs.sum(1), 1.0, atol=1e-2)):
            raise ModelError(f"{self.path}: outputs are not probabilities (a softmax is expected)")
        return probs

    def predict_proba(self, images: np.ndarray) -> np.ndarray:
        """Probabilities (N, 10) for a batch of 28x28 images."""
        x = as_model_input(images)
        if len(x) == 0:
            return np.zeros((0, 10), np.float32)
        return self._run(x)

    def predict_digit(self, image: np.ndarray) -> int:
        """One image: (28, 28), (28, 28, 1) or a batch of one; values as as_model_input."""
        x = as_model_input(image)
        if len(x) != 1:
            raise ValueError(f"predict_digit takes one image, got a batch of {len(x)}")
        return int(np.argmax(self._run(x)[0]))


@functools.lru_cache(maxsize=8)
def _classifier(path: Path) -> Classifier:
    return Classifier(path)


def get_classifier(model: str | os.PathLike | None = None) -> Classifier:
    """A shared Classifier per model file, created on first use."""
    return _classifier(resolve_model(model).resolve())


def predict_proba(images: np.ndarray, model: str | os.PathLike | None = None) -> np.ndarray:
    """Probabilities (N, 10) for 28x28 MNIST-style images (white ink on black)."""
    return get_classifier(model).predict_proba(images)


def predict_digit(image: np.ndarray, model: str | os.PathLike | None = None) -> int:
    """The digit in one 28x28 MNIST-style image, white ink on black: shape (28, 28),
    (28, 28, 1) or a batch of one; values uint8 0-255, integers 0-255, or float in [0, 1]
    or [0, 255] (the rule of every image digitcam reads); anything else is a ValueError."""
    return get_classifier(model).predict_digit(image)
