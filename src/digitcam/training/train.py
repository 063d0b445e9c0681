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

import json
import os
import shutil
import time
from pathlib import Path

import numpy as np

from ..data.mnist import load_mnist_data
from ..io.files import atomic_path, atomic_write_text
from .batches import crop_pool, mixed_batches, to_input
from .export import model_card, onnx_accuracy, output_stem, write_outputs
from .keras_env import import_keras
from .models import RECIPES, Recipe, build_model

VAL_SIZE = 6000
DEFAULT_CROP_SHARE = 0.15  # with crops=True for a recipe that has none


def split_train_val(x: np.ndarray, y: np.ndarray, seed: int, val_size: int = VAL_SIZE):
    """A seeded random validation split held out of the training set."""
    order = np.random.default_rng(seed).permutation(len(x))
    val_size = min(val_size, len(x) // 6)
    val, train = order[:val_size], order[val_size:]
    return (x[train], y[train]), (x[val], y[val])


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


def _sidecar(out: Path, suffix: str) -> Path:
    return out.with_name(out.name + suffix)


def _fresh_start(out: Path) -> None:
    """Forget an earlier run's checkpoint and best weights (not its crop pool: a pure cache)."""
    shutil.rmtree(_sidecar(out, ".backup"), ignore_errors=True)
    for suffix in (".best.weights.h5", ".best.json", ".progress.json"):
        _sidecar(out, suffix).unlink(missing_ok=True)


def _check_resume(out: Path, model: str) -> None:
    """--resume continues only a checkpoint of the same model (another one's weights would
    not load): ValueError in one line otherwise."""
    path = _sidecar(out, ".progress.json")
    try:
        state = json.loads(path.read_text()) if path.exists() else {}
    except (OSError, ValueError):
        state = {"model": "unreadable"}
    previous = state.get("model") if isinstance(state, dict) else "unreadable"
    if previous not in (None, model):
        raise ValueError(f"{out}: --resume: the checkpoint there is of --model {previous}, not "
                         f"{model}; resume with --model {previous}, or train without --resume")


def _progress_callback(out: Path, model: str):
    """Record, after every epoch, which model, how many epochs ran and the training seconds
    so far, so a resumed run's card reports the whole run."""
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
            atomic_write_text(path, json.dumps({"model": model, "epochs": self.epochs,
                                                "seconds": round(self.seconds, 1)}))

    return Progress()


def _settings(recipe: Recipe, epochs, stop_at, augment, crops, batch_size) -> tuple:
    """(epochs, stop_at, augment, crop_share, batch_size): the arguments, the recipe's where
    an argument is None (stop_at: "recipe")."""
    epochs = recipe.epochs if epochs is None else epochs
    stop_at = recipe.stop_at if stop_at == "recipe" else stop_at
    augment = recipe.augment if augment is None else augment
    crop_share = recipe.crop_share if crops is None else (
        (recipe.crop_share or DEFAULT_CROP_SHARE) if crops else 0.0)
    return epochs, stop_at, augment, crop_share, batch_size or recipe.batch_size


def _splits(data_dir, seed: int, limit: int | None) -> tuple:
    """(train, validation, test) as (x, y) uint8 pairs; `limit` shortens train and validation."""
    (x_train, y_train), test = load_mnist_data(data_dir)
    (x_tr, y_tr), (x_val, y_val) = split_train_val(x_train, y_train, seed)
    if limit is not None:
        x_tr, y_tr = x_tr[:limit], y_tr[:limit]
        x_val, y_val = x_val[: max(limit // 5, 100)], y_val[: max(limit // 5, 100)]
    return (x_tr, y_tr), (x_val, y_val), test


def _accuracy(net, onnx_path: Path, train: tuple, val: tuple, test: tuple):
    """The card's "accuracy" entry, and the unrounded validation and test accuracies. The
    test set is touched here once, through the exported ONNX model."""
    _, train_acc = net.evaluate(*train, verbose=0, batch_size=1000)
    _, val_acc = net.evaluate(*val, verbose=0, batch_size=1000)
    test_acc = onnx_accuracy(onnx_path, *test)
    return ({"train": round(float(train_acc), 5), "validation": round(float(val_acc), 5),
             "test": round(test_acc, 5), "test_samples": len(test[1])}, (val_acc, test_acc))


def _facts(model: str, recipe: Recipe, seed: int, settings: tuple, out: Path, progress,
           pool, samples: tuple[int, int], limit: int | None, resume: bool) -> dict:
    """The card's "training" entry: how this network was trained."""
    epochs, stop_at, augment, crop_share, batch_size = settings
    best_state = _sidecar(out, ".best.json")
    return {
        "architecture": model, "seed": seed, "max_epochs": epochs, "epochs_run": progress.epochs,
        "best_epoch": json.loads(best_state.read_text())["epoch"] if best_state.exists() else None,
        "stop_at_val_accuracy": stop_at, "augment": augment, "batch_size": batch_size,
        "optimizer": "Adam", "learning_rate": recipe.lr, "lr_schedule": recipe.schedule,
        "lr_decay_per_epoch": recipe.lr_decay, "warmup_epochs": recipe.warmup_epochs,
        "runtime_crop_share": crop_share, "runtime_crop_pool": 0 if pool is None else len(pool[1]),
        "loss": "sparse_categorical_crossentropy", "train_samples": samples[0],
        "validation_samples": samples[1], "limit": limit, "resumed": resume,
        "seconds": round(progress.seconds, 1), "niceness": os.nice(0),
        "load_average_at_end": round(os.getloadavg()[0], 1),  # the machine may be shared
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
    keras = import_keras()

    recipe = RECIPES.get(model)
    if recipe is None:
        raise ValueError(f"unknown model {model!r}; choose one of {', '.join(RECIPES)}")
    settings = _settings(recipe, epochs, stop_at, augment, crops, batch_size)
    epochs, stop_at, augment, crop_share, batch_size = settings
    out = output_stem(out, model)
    if resume:
        _check_resume(out, model)
    else:
        _fresh_start(out)

    keras.utils.set_random_seed(seed)
    (x_tr, y_tr), (x_val, y_val), (x_test, y_test) = _splits(data_dir, seed, limit)
    out.parent.mkdir(parents=True, exist_ok=True)  # the checkpoints and the log go there
    pool_size = min(recipe.crop_pool, len(x_tr) // 4)
    pool = crop_pool(x_tr, y_tr, pool_size, seed, _sidecar(out, ".crops.npz")) \
        if crop_share > 0 else None
    x_tr, x_val = to_input(x_tr), to_input(x_val)

    net = build_model(model)
    net.compile(optimizer=keras.optimizers.Adam(recipe.lr),
                loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    batches = mixed_batches(x_tr, y_tr, batch_size, seed, augment, pool, crop_share)
    built_in, best = _callbacks(recipe, epochs, stop_at, out, resume, batches)
    progress = _progress_callback(out, model)
    net.fit(batches, epochs=epochs, validation_data=(x_val, y_val),
            callbacks=[*built_in, progress, *(callbacks or [])], verbose=verbose)
    best.restore(net)
    onnx_path = write_outputs(net, out, x_val)

    accuracy, (val_acc, test_acc) = _accuracy(net, onnx_path, (x_tr, y_tr), (x_val, y_val),
                                              (x_test, y_test))
    training = _facts(model, recipe, seed, settings, out, progress, pool,
                      (len(x_tr), len(x_val)), limit, resume)
    card = model_card(net, out, onnx_path, training, accuracy)
    atomic_write_text(out.with_suffix(".json"), json.dumps(card, indent=2) + "\n")
    print(f"saved {out.with_suffix('.keras')}, {onnx_path}, {out.with_suffix('.json')}: "
          f"validation {val_acc:.4f}, test {test_acc:.4f}")
    return net
