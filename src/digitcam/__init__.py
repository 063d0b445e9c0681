"""digitcam: read handwritten digits live from a camera.

The paper's four public names are kept: `load_mnist_data`, `train_mnist_model` (needs the
train extra), `predict_digit` and `run_opencv_loop`. `Recognizer` is the runtime path that
every front end uses. Importing digitcam never imports TensorFlow.
"""

from __future__ import annotations

import os

__version__ = "0.1.0"

# OpenCV's ceiling on decoded image size, read once when cv2 loads: a decompression bomb
# in any format is refused (digitcam.io.images reads the common formats' headers first).
os.environ.setdefault("OPENCV_IO_MAX_IMAGE_PIXELS", "100000000")  # = images.MAX_PIXELS

from .data.mnist import load_mnist_data
from .reader import Recognizer
from .recognize.classifier import predict_digit, predict_proba
from .regions import Detection

__all__ = [
    "Detection",
    "Recognizer",
    "load_mnist_data",
    "predict_digit",
    "predict_proba",
    "run_opencv_loop",
    "train_mnist_model",
]


def __getattr__(name: str):
    # Heavier halves load on first use: training pulls in TensorFlow, the loop a window.
    if name == "train_mnist_model":
        from .training.train import train_mnist_model

        return train_mnist_model
    if name == "run_opencv_loop":
        from .apps.live.loop import run_opencv_loop

        return run_opencv_loop
    raise AttributeError(f"module 'digitcam' has no attribute {name!r}")
