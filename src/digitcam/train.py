"""Train a digit model on MNIST with Keras, export it to ONNX, and write its model card.

Needs the `train` extra (Keras 3 with TensorFlow). Outputs for `--out runs/cnn`:
`runs/cnn.keras`, `runs/cnn.onnx`, `runs/cnn.json` (the card), `runs/cnn.log.csv`,
and `runs/cnn.backup/`, the per-epoch checkpoint that `--resume` continues from.
The test set is used once, at the end, for the card; every choice uses the validation split.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from .data import data_checksums, load_mnist_data
from .models import RECIPES, Recipe, build_model

VAL_SIZE = 6000


def _quiet_tensorflow() -> None:
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")


def split_train_val(x: np.ndarray, y: np.ndarray, seed: int, val_size: int = VAL_SIZE):
    """A seeded random validation split held out of the training set."""
    order = np.random.default_rng(seed).permutation(len(x))
    val_size = min(val_size, len(x) // 6)
    val, train = order[:val_size], order[val_size:]
    return (x[train], y[train]), (x[val], y[val])


def to_input(x: np.ndarray) -> np.ndarray:
    return (x.astype(np.float32) / 255.0)[..., None]


def atomic_write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def export_onnx(model, path: Path) -> None:
    """Export through Keras (tf2onnx), written atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.tmp.onnx")
    try:
        model.export(str(tmp), format="onnx", verbose=False)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _callbacks(recipe: Recipe, stop_at: float | None, out: Path, resume: bool):
    import keras

    class StopAtAccuracy(keras.callbacks.Callback):
        """The paper's rule: stop once validation accuracy reaches the target."""

        def on_epoch_end(self, epoch, logs=None):
            if stop_at is not None and (logs or {}).get("val_accuracy", 0.0) >= stop_at:
                print(f"validation accuracy reached {stop_at}: stopping")
                self.model.stop_training = True

    class BestWeights(keras.callbacks.Callback):
        """Keep the weights of the epoch with the best validation accuracy, on disk."""

        def __init__(self):
            super().__init__()
            self.weights_path = out.with_name(out.name + ".best.weights.h5")
            self.state_path = out.with_name(out.name + ".best.json")
            self.best = -1.0
            if resume and self.state_path.exists():
                self.best = json.loads(self.state_path.read_text())["val_accuracy"]
            self.epochs_run = 0

        def on_epoch_end(self, epoch, logs=None):
            self.epochs_run = epoch + 1
            acc = (logs or {}).get("val_accuracy", 0.0)
            if acc > self.best:
                self.best = acc
                tmp = self.weights_path.with_name(".tmp." + self.weights_path.name)
                self.model.save_weights(str(tmp))
                os.replace(tmp, self.weights_path)
                atomic_write_text(self.state_path, json.dumps(
                    {"val_accuracy": acc, "epoch": epoch + 1}))

        def restore(self, model):
            if self.weights_path.exists():
                model.load_weights(str(self.weights_path))

    decay = keras.callbacks.LearningRateScheduler(lambda epoch: recipe.lr * recipe.lr_decay**epoch)
    best = BestWeights()
    callbacks = [
        keras.callbacks.BackupAndRestore(str(out.with_name(out.name + ".backup"))),
        keras.callbacks.CSVLogger(str(out.with_name(out.name + ".log.csv")), append=resume),
        decay,
        best,
        StopAtAccuracy(),
    ]
    return callbacks, best


def _batches(x, y, batch_size: int, seed: int, augment: bool):
    import keras

    from .transforms import augment_batch

    class Batches(keras.utils.PyDataset):
        """Shuffled (and, for augmenting recipes, freshly distorted) batches every epoch."""

        def __init__(self):
            super().__init__()
            self.epoch = 0
            self.order = np.random.default_rng(seed).permutation(len(x))

        def __len__(self):
            return int(np.ceil(len(x) / batch_size))

        def __getitem__(self, i):
            idx = self.order[i * batch_size : (i + 1) * batch_size]
            xb = x[idx]
            if augment:
                rng = np.random.default_rng((seed, self.epoch, i))
                xb = augment_batch(xb, rng)
            return xb, y[idx]

        def on_epoch_end(self):
            self.epoch += 1
            self.order = np.random.default_rng((seed, self.epoch)).permutation(len(x))

    return Batches()


def _versions() -> dict[str, str]:
    import importlib.metadata as md

    out = {"python": platform.python_version()}
    for pkg in ("keras", "tensorflow", "tensorflow-cpu", "tf2onnx", "onnx", "onnxruntime", "numpy"):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            pass
    return out


def machine_description() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}"


def onnx_accuracy(onnx_path: Path, x: np.ndarray, y: np.ndarray) -> float:
    from .classify import Classifier

    clf = Classifier(onnx_path, threads=os.cpu_count() or 1)
    probs = np.concatenate([clf.predict_proba(x[i : i + 1000]) for i in range(0, len(x), 1000)])
    return float((probs.argmax(1) == y).mean())


def train_mnist_model(
    model: str = "cnn",
    epochs: int | None = None,
    data_dir: str | os.PathLike | None = None,
    out: str | os.PathLike | None = None,
    seed: int = 0,
    limit: int | None = None,
    stop_at: float | None | str = "recipe",
    augment: bool | None = None,
    batch_size: int | None = None,
    resume: bool = False,
    verbose: int | str = "auto",
):
    """Train `model` ("mlp", "cnn" or "deep") on MNIST; save .keras, .onnx and the card.

    Defaults come from the model's recipe (`digitcam.models.RECIPES`): the paper's MLP stops
    at 99% validation accuracy within 10 epochs. Returns the trained Keras model.
    """
    _quiet_tensorflow()
    import keras

    recipe = RECIPES.get(model)
    if recipe is None:
        raise ValueError(f"unknown model {model!r}; choose one of {', '.join(RECIPES)}")
    epochs = recipe.epochs if epochs is None else epochs
    stop_at = recipe.stop_at if stop_at == "recipe" else stop_at
    augment = recipe.augment if augment is None else augment
    batch_size = batch_size or recipe.batch_size
    out = Path(out if out is not None else Path("runs") / model)
    out = out.with_suffix("") if out.suffix in (".onnx", ".keras", ".json") else out
    out.parent.mkdir(parents=True, exist_ok=True)
    backup = out.with_name(out.name + ".backup")
    if not resume:
        shutil.rmtree(backup, ignore_errors=True)
        for suffix in (".best.weights.h5", ".best.json"):
            out.with_name(out.name + suffix).unlink(missing_ok=True)

    keras.utils.set_random_seed(seed)
    (x_train, y_train), (x_test, y_test) = load_mnist_data(data_dir)
    (x_tr, y_tr), (x_val, y_val) = split_train_val(x_train, y_train, seed)
    if limit is not None:
        x_tr, y_tr = x_tr[:limit], y_tr[:limit]
        x_val, y_val = x_val[: max(limit // 5, 100)], y_val[: max(limit // 5, 100)]
    x_tr, x_val = to_input(x_tr), to_input(x_val)

    net = build_model(model)
    net.compile(optimizer=keras.optimizers.Adam(recipe.lr),
                loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    callbacks, best = _callbacks(recipe, stop_at, out, resume)
    started = time.time()
    history = net.fit(_batches(x_tr, y_tr, batch_size, seed, augment), epochs=epochs,
                      validation_data=(x_val, y_val), callbacks=callbacks, verbose=verbose)
    train_time = time.time() - started
    best.restore(net)

    keras_path = out.with_suffix(".keras")
    tmp_keras = out.with_name(f".{out.name}.tmp.keras")
    net.save(str(tmp_keras))
    os.replace(tmp_keras, keras_path)
    onnx_path = out.with_suffix(".onnx")
    net.predict(x_val[:1], verbose=0)
    export_onnx(net, onnx_path)

    _, train_acc = net.evaluate(x_tr, y_tr, verbose=0, batch_size=1000)
    _, val_acc = net.evaluate(x_val, y_val, verbose=0, batch_size=1000)
    test_acc = onnx_accuracy(onnx_path, x_test, y_test)  # the test set, touched once
    card = {
        "name": out.name,
        "architecture": model,
        "description": net.name + ": " + ", ".join(
            f"{layer.__class__.__name__}" for layer in net.layers[1:]),
        "parameters": int(net.count_params()),
        "input": {"shape": [None, 28, 28, 1], "dtype": "float32", "range": [0.0, 1.0],
                  "layout": "NHWC", "polarity": "white ink on black (MNIST)"},
        "output": {"shape": [None, 10], "meaning": "softmax probabilities of digits 0-9"},
        "training": {
            "seed": seed, "max_epochs": epochs, "epochs_run": len(history.epoch),
            "best_epoch": json.loads(out.with_name(out.name + ".best.json").read_text())["epoch"]
            if out.with_name(out.name + ".best.json").exists() else None,
            "stop_at_val_accuracy": stop_at, "augment": augment, "batch_size": batch_size,
            "optimizer": "Adam", "learning_rate": recipe.lr, "lr_decay_per_epoch": recipe.lr_decay,
            "loss": "sparse_categorical_crossentropy", "train_samples": len(x_tr),
            "validation_samples": len(x_val), "limit": limit, "resumed": resume,
            "seconds": round(train_time, 1), "machine": machine_description(),
            "command": " ".join(["digitcam", *sys.argv[1:]]) if "digitcam" in sys.argv[0]
            else None,
        },
        "accuracy": {"train": round(float(train_acc), 5), "validation": round(float(val_acc), 5),
                     "test": round(test_acc, 5), "test_samples": len(x_test)},
        "data": {"mnist_sha256": data_checksums()},
        "onnx_sha256": hashlib.sha256(onnx_path.read_bytes()).hexdigest(),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "versions": _versions(),
    }
    atomic_write_text(out.with_suffix(".json"), json.dumps(card, indent=2) + "\n")
    print(f"saved {keras_path}, {onnx_path}, {out.with_suffix('.json')}: "
          f"validation {val_acc:.4f}, test {test_acc:.4f}")
    return net
