"""Import Keras (with TensorFlow) for the training commands, quietly.

TensorFlow prints absl/oneDNN lines to the C-level stderr while it loads, and Keras's ONNX
export a numpy FutureWarning; a user sees none of that unless DIGITCAM_DEBUG is set. Without
the train extra, `import_keras` is one line and exit 1, never a traceback.
"""

from __future__ import annotations

import contextlib
import os
import sys
import warnings

TRAIN_EXTRA = "pip install 'digitcam[train]'"


class TrainExtraMissing(SystemExit):
    """Keras or TensorFlow is not installed: the message says how to install them."""


@contextlib.contextmanager
def _stderr_silenced():
    """File descriptor 2 points at /dev/null inside (C libraries write there directly)."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def import_keras(what: str = "training"):
    """The keras module, loaded without TensorFlow's start-up noise (unless DIGITCAM_DEBUG)."""
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
    debug = bool(os.environ.get("DIGITCAM_DEBUG"))
    if not debug:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        warnings.filterwarnings("ignore", category=FutureWarning,
                                module=r"(keras|tf2onnx|tensorflow)")
    try:
        with contextlib.nullcontext() if debug or "keras" in sys.modules else _stderr_silenced():
            import keras
    except ImportError as e:
        raise TrainExtraMissing(f"digitcam: {what} needs the train extra: {TRAIN_EXTRA} "
                                f"({e})") from None
    return keras
