"""Classify 28x28 digit images with an ONNX model (runtime half: no TensorFlow).

A model is an `.onnx` file taking float32 (N, 28, 28, 1) in [0, 1], white ink on black,
and returning probabilities (N, 10); beside it, a JSON model card with the same stem.
Models are named (`cnn`, `mlp`, ... shipped in `digitcam/assets`) or given by path.
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path

import numpy as np

ASSETS = Path(__file__).parent / "assets"
DEFAULT_MODEL = "cnn"
INPUT_SHAPE = (28, 28, 1)


class ModelError(RuntimeError):
    """A model file is missing or unusable; the message names the file."""


def available_models() -> dict[str, Path]:
    """Shipped models by name."""
    return {p.stem: p for p in sorted(ASSETS.glob("*.onnx"))}


def resolve_model(model: str | os.PathLike | None = None) -> Path:
    if model is None:
        model = DEFAULT_MODEL
    shipped = available_models()
    if isinstance(model, str) and model in shipped:
        return shipped[model]
    path = Path(model).expanduser()
    if path.is_dir():
        raise ModelError(f"{path}: is a directory, not an .onnx model")
    if path.is_file():
        return path
    names = ", ".join(shipped) or "none"
    raise ModelError(f"model {str(model)!r} not found: not a file, nor a shipped model ({names})")


def load_card(onnx_path: Path) -> dict:
    """The model card beside `onnx_path` ({} when there is none)."""
    card_path = onnx_path.with_suffix(".json")
    if not card_path.exists():
        return {}
    try:
        card = json.loads(card_path.read_text())
    except (OSError, ValueError) as e:
        raise ModelError(f"{card_path}: unreadable model card ({e})") from None
    if not isinstance(card, dict):
        raise ModelError(f"{card_path}: model card is not a JSON object")
    return card


def as_model_input(images: np.ndarray) -> np.ndarray:
    """Validate 28x28 image(s) and return float32 (N, 28, 28, 1) in [0, 1].

    Accepts (28, 28), (N, 28, 28) or (N, 28, 28, 1); uint8 in 0-255 or float in 0-1.
    """
    images = np.asarray(images)
    if images.dtype == np.uint8:
        x = images.astype(np.float32) / 255.0
    elif images.dtype.kind == "f":
        x = images.astype(np.float32)
        if x.size and not np.isfinite(x).all():
            raise ValueError("image contains NaN or infinite values")
        if x.size and (x.min() < 0.0 or x.max() > 1.0):
            raise ValueError(
                f"float image values must lie in [0, 1], got [{x.min():.3g}, {x.max():.3g}]"
            )
    else:
        raise ValueError(f"image dtype must be uint8 (0-255) or float (0-1), got {images.dtype}")
    if x.ndim == 2:
        x = x[None]
    if x.ndim == 4 and x.shape[-1] == 1:
        x = x[..., 0]
    if x.ndim != 3 or x.shape[1:] != (28, 28):
        raise ValueError(
            f"expected a 28x28 image or a batch (N, 28, 28[, 1]), got shape {images.shape}"
        )
    return np.ascontiguousarray(x[..., None])


class Classifier:
    """One ONNX Runtime session for one model, reused for every call."""

    def __init__(self, model: str | os.PathLike | None = None, threads: int = 1):
        import onnxruntime as ort

        self.path = resolve_model(model)
        self.name = self.path.stem
        self.card = load_card(self.path)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        try:
            self.session = ort.InferenceSession(
                str(self.path), options, providers=["CPUExecutionProvider"]
            )
        except Exception as e:  # onnxruntime raises its own exception types
            first_line = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            raise ModelError(f"{self.path}: not a usable ONNX model ({first_line})") from None
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
        if outputs[0].shape[-1] != 10:
            raise ModelError(f"{self.path}: output must have 10 classes, got {outputs[0].shape}")
        card_shape = self.card.get("input", {}).get("shape")
        if card_shape is not None and tuple(card_shape[1:]) != INPUT_SHAPE:
            raise ModelError(f"{self.path.with_suffix('.json')}: card input shape {card_shape} "
                             "does not match the model")

    def predict_proba(self, images: np.ndarray) -> np.ndarray:
        """Probabilities (N, 10) for a batch of 28x28 images."""
        x = as_model_input(images)
        if len(x) == 0:
            return np.zeros((0, 10), np.float32)
        return self.session.run(None, {self.input_name: x})[0]

    def predict_digit(self, image: np.ndarray) -> int:
        x = as_model_input(image)
        if len(x) != 1:
            raise ValueError(f"predict_digit takes one image, got a batch of {len(x)}")
        return int(np.argmax(self.predict_proba(x)[0]))


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
    """The digit in one 28x28 MNIST-style image (white ink on black; uint8 or float 0-1)."""
    return get_classifier(model).predict_digit(image)
