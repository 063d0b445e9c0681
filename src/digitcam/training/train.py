"""Train a digit model on MNIST with Keras, export it to ONNX, and write its model card.

Needs the `train` extra (Keras 3 with TensorFlow). Outputs for `--out runs/cnn`:
`runs/cnn.keras`, `runs/cnn.onnx`, `runs/cnn.json` (the card), `runs/cnn.log.csv`,
`runs/cnn.backup/`, the per-epoch checkpoint that `--resume` continues from, the best
weights so far (`runs/cnn.best.*`) and the pool of runtime-pipeline crops (`runs/cnn.crops.npz`).
The test set is used once, at the end, for the card; every choice uses the validation split.

    nice -n 19 digitcam train --model deep --out runs/deep      # hours on 2 cores
    nice -n 19 digitcam train --model deep --out runs/deep --resume   # after an interruption
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import json
import os
import platform
import shutil
import sys
import time
from pathlib import Path

import numpy as np

from ..data.mnist import data_checksums, load_mnist_data
from ..io.files import atomic_path, atomic_write_text
from ..io.machine import machine_description
from .models import RECIPES, Recipe, build_model

VAL_SIZE = 6000
DEFAULT_CROP_SHARE = 0.15  # with crops=True for a recipe that has none


def quiet_tensorflow() -> None:
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


def export_onnx(model, path: Path) -> None:
    """Export through Keras (tf2onnx), written atomically."""
    with atomic_path(path) as tmp:
        model.export(str(tmp), format="onnx", verbose=False)


def _callbacks(recipe: Recipe, epochs: int, stop_at: float | None, out: Path, resume: bool,
               batches):
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

        def on_epoch_end(self, epoch, logs=None):
            acc = (logs or {}).get("val_accuracy", 0.0)
            if acc > self.best:
                self.best = acc
                with atomic_path(self.weights_path) as tmp:
                    self.model.save_weights(str(tmp))
                atomic_write_text(self.state_path, json.dumps(
                    {"val_accuracy": acc, "epoch": epoch + 1}))

        def restore(self, model):
            if self.weights_path.exists():
                model.load_weights(str(self.weights_path))

    class SyncEpoch(keras.callbacks.Callback):
        """Tell the batches which epoch this is, so a resumed run draws fresh distortions."""

        def on_epoch_begin(self, epoch, logs=None):
            batches.start_epoch(epoch)

    schedule = keras.callbacks.LearningRateScheduler(
        lambda epoch: recipe.learning_rate(epoch, epochs))
    best = BestWeights()
    callbacks = [
        keras.callbacks.BackupAndRestore(str(out.with_name(out.name + ".backup"))),
        SyncEpoch(),
        schedule,
        # After the scheduler, so that each row of the log has the epoch's learning rate.
        keras.callbacks.CSVLogger(str(out.with_name(out.name + ".log.csv")), append=resume),
        best,
        StopAtAccuracy(),
    ]
    return callbacks, best


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


def _versions() -> dict[str, str]:
    import importlib.metadata as md

    out = {"python": platform.python_version()}
    for pkg in ("keras", "tensorflow", "tensorflow-cpu", "tf2onnx", "onnx", "onnxruntime", "numpy"):
        with contextlib.suppress(md.PackageNotFoundError):
            out[pkg] = md.version(pkg)
    return out


def onnx_accuracy(onnx_path: Path, x: np.ndarray, y: np.ndarray) -> float:
    from ..recognize.classifier import Classifier

    clf = Classifier(onnx_path, threads=os.cpu_count() or 1)
    probs = np.concatenate([clf.predict_proba(x[i : i + 1000]) for i in range(0, len(x), 1000)])
    return float((probs.argmax(1) == y).mean())


def output_stem(out: str | os.PathLike | None, default_name: str) -> Path:
    """The stem OUT of OUT.onnx, OUT.keras and OUT.json (runs/NAME by default; a given
    .onnx, .keras or .json ending is dropped), its folder made."""
    out = Path(out if out is not None else Path("runs") / default_name)
    out = out.with_suffix("") if out.suffix in (".onnx", ".keras", ".json") else out
    out.parent.mkdir(parents=True, exist_ok=True)
    return out


def _sidecar(out: Path, suffix: str) -> Path:
    return out.with_name(out.name + suffix)


def _fresh_start(out: Path) -> None:
    """Forget an earlier run's checkpoint and best weights (not its crop pool: a pure cache)."""
    shutil.rmtree(_sidecar(out, ".backup"), ignore_errors=True)
    for suffix in (".best.weights.h5", ".best.json", ".progress.json"):
        _sidecar(out, suffix).unlink(missing_ok=True)


def _progress_callback(out: Path):
    """Record, after every epoch, how many epochs ran and the training seconds so far, so a
    resumed run's card reports the whole run."""
    import keras

    path = _sidecar(out, ".progress.json")

    class Progress(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            state = json.loads(path.read_text()) if path.exists() else {}
            self.before = state.get("seconds", 0.0)
            self.epochs = state.get("epochs", 0)
            self.started = time.time()

        @property
        def seconds(self) -> float:
            return self.before + time.time() - self.started

        def on_epoch_end(self, epoch, logs=None):
            self.epochs = epoch + 1
            atomic_write_text(path, json.dumps({"epochs": self.epochs,
                                                "seconds": round(self.seconds, 1)}))

    return Progress()


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
    crops: bool | None = None,
    callbacks: list | None = None,
):
    """Train `model` ("mlp", "cnn" or "deep") on MNIST; save .keras, .onnx and the card.

    Defaults come from the recipe (`digitcam.training.models.RECIPES`): the paper's MLP stops
    at 99% validation accuracy within 10 epochs. `crops`: mix runtime-pipeline crops of
    training digits into the batches (default: the recipe's). `callbacks`: extra Keras
    callbacks, run after the built-in ones. Returns the trained Keras model.
    """
    quiet_tensorflow()
    import keras

    recipe = RECIPES.get(model)
    if recipe is None:
        raise ValueError(f"unknown model {model!r}; choose one of {', '.join(RECIPES)}")
    epochs = recipe.epochs if epochs is None else epochs
    stop_at = recipe.stop_at if stop_at == "recipe" else stop_at
    augment = recipe.augment if augment is None else augment
    crop_share = recipe.crop_share if crops is None else (
        (recipe.crop_share or DEFAULT_CROP_SHARE) if crops else 0.0)
    batch_size = batch_size or recipe.batch_size
    out = output_stem(out, model)
    if not resume:
        _fresh_start(out)

    keras.utils.set_random_seed(seed)
    (x_train, y_train), (x_test, y_test) = load_mnist_data(data_dir)
    (x_tr, y_tr), (x_val, y_val) = split_train_val(x_train, y_train, seed)
    if limit is not None:
        x_tr, y_tr = x_tr[:limit], y_tr[:limit]
        x_val, y_val = x_val[: max(limit // 5, 100)], y_val[: max(limit // 5, 100)]
    pool_size = min(recipe.crop_pool, len(x_tr) // 4)
    pool = crop_pool(x_tr, y_tr, pool_size, seed, _sidecar(out, ".crops.npz")) \
        if crop_share > 0 else None
    x_tr, x_val = to_input(x_tr), to_input(x_val)

    net = build_model(model)
    net.compile(optimizer=keras.optimizers.Adam(recipe.lr),
                loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    batches = mixed_batches(x_tr, y_tr, batch_size, seed, augment, pool, crop_share)
    built_in, best = _callbacks(recipe, epochs, stop_at, out, resume, batches)
    progress = _progress_callback(out)
    net.fit(batches, epochs=epochs, validation_data=(x_val, y_val),
            callbacks=[*built_in, progress, *(callbacks or [])], verbose=verbose)
    best.restore(net)
    onnx_path = write_outputs(net, out, x_val)

    _, train_acc = net.evaluate(x_tr, y_tr, verbose=0, batch_size=1000)
    _, val_acc = net.evaluate(x_val, y_val, verbose=0, batch_size=1000)
    test_acc = onnx_accuracy(onnx_path, x_test, y_test)  # the test set, touched once
    best_state = _sidecar(out, ".best.json")
    training = {
        "architecture": model, "seed": seed, "max_epochs": epochs, "epochs_run": progress.epochs,
        "best_epoch": json.loads(best_state.read_text())["epoch"] if best_state.exists() else None,
        "stop_at_val_accuracy": stop_at, "augment": augment, "batch_size": batch_size,
        "optimizer": "Adam", "learning_rate": recipe.lr, "lr_schedule": recipe.schedule,
        "lr_decay_per_epoch": recipe.lr_decay, "warmup_epochs": recipe.warmup_epochs,
        "runtime_crop_share": crop_share, "runtime_crop_pool": 0 if pool is None else len(pool[1]),
        "loss": "sparse_categorical_crossentropy", "train_samples": len(x_tr),
        "validation_samples": len(x_val), "limit": limit, "resumed": resume,
        "seconds": round(progress.seconds, 1), "niceness": os.nice(0),
        "load_average_at_end": round(os.getloadavg()[0], 1),  # the machine may be shared
    }
    accuracy = {"train": round(float(train_acc), 5), "validation": round(float(val_acc), 5),
                "test": round(test_acc, 5), "test_samples": len(x_test)}
    card = model_card(net, out, onnx_path, training, accuracy)
    atomic_write_text(out.with_suffix(".json"), json.dumps(card, indent=2) + "\n")
    print(f"saved {out.with_suffix('.keras')}, {onnx_path}, {out.with_suffix('.json')}: "
          f"validation {val_acc:.4f}, test {test_acc:.4f}")
    return net
