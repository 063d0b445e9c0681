"""A trained network's outputs: OUT.keras, OUT.onnx (atomically) and the model card.

    out = output_stem(args.out, "cnn")                   # runs/cnn
    onnx_path = write_outputs(net, out, x_sample)        # OUT.keras, OUT.onnx
    card = model_card(net, out, onnx_path, training, accuracy)
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import os
import platform
import sys
from pathlib import Path

import numpy as np

from ..data.mnist import data_checksums
from ..io.files import atomic_path
from ..io.machine import machine_description


def export_onnx(model, path: Path) -> None:
    """Export through Keras (tf2onnx), written atomically."""
    with atomic_path(path) as tmp:
        model.export(str(tmp), format="onnx", verbose=False)


def output_stem(out: str | os.PathLike | None, default_name: str) -> Path:
    """The stem OUT of OUT.onnx, OUT.keras and OUT.json (runs/NAME by default; a given
    .onnx, .keras or .json ending is dropped). Its folder is made by the first write
    (atomic_path), so a run that fails before writing leaves no empty folder."""
    out = Path(out if out is not None else Path("runs") / default_name)
    return out.with_suffix("") if out.suffix in (".onnx", ".keras", ".json") else out


def save_keras(net, path: Path) -> None:
    """Save the network without its optimizer state (a third of the size), atomically; this
    is what `digitcam finetune` starts from."""
    import keras

    bare = keras.Model.from_config(net.get_config())  # clone_model would keep the optimizer
    bare.set_weights(net.get_weights())
    with atomic_path(path) as tmp:
        bare.save(str(tmp))


def write_outputs(net, out: Path, x_sample: np.ndarray) -> Path:
    """OUT.keras and OUT.onnx; returns the .onnx path. An earlier card at OUT.json goes
    first: it describes the old file (the runtime refuses a card whose hash does not match)."""
    out.with_suffix(".json").unlink(missing_ok=True)
    save_keras(net, out.with_suffix(".keras"))
    onnx_path = out.with_suffix(".onnx")
    net.predict(x_sample[:1], verbose=0)
    export_onnx(net, onnx_path)
    return onnx_path


def onnx_accuracy(onnx_path: Path, x: np.ndarray, y: np.ndarray) -> float:
    from ..recognize.classifier import Classifier

    clf = Classifier(onnx_path, threads=os.cpu_count() or 1)
    probs = np.concatenate([clf.predict_proba(x[i : i + 1000]) for i in range(0, len(x), 1000)])
    return float((probs.argmax(1) == y).mean())


def _versions() -> dict[str, str]:
    import importlib.metadata as md

    out = {"python": platform.python_version()}
    for pkg in ("keras", "tensorflow", "tensorflow-cpu", "tf2onnx", "onnx", "onnxruntime", "numpy"):
        with contextlib.suppress(md.PackageNotFoundError):
            out[pkg] = md.version(pkg)
    return out


def _command_line() -> str | None:
    return " ".join(["digitcam", *sys.argv[1:]]) if "digitcam" in sys.argv[0] else None


def model_card(net, out: Path, onnx_path: Path, training: dict, accuracy: dict) -> dict:
    """The JSON card written beside the .onnx (the runtime reads `input` and `accuracy`)."""
    return {
        "name": out.name,
        "architecture": training.pop("architecture", net.name),
        "description": net.name + ": " + ", ".join(
            f"{layer.__class__.__name__}" for layer in net.layers[1:]),
        "parameters": int(net.count_params()),
        "input": {"shape": [None, 28, 28, 1], "dtype": "float32", "range": [0.0, 1.0],
                  "layout": "NHWC", "polarity": "white ink on black (MNIST)"},
        "output": {"shape": [None, 10], "meaning": "softmax probabilities of digits 0-9"},
        "training": {**training, "machine": machine_description(), "command": _command_line()},
        "accuracy": accuracy,
        "data": {"mnist_sha256": data_checksums()},
        "onnx_sha256": hashlib.sha256(onnx_path.read_bytes()).hexdigest(),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "versions": _versions(),
    }
