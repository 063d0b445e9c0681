"""Fine-tune a digit model on someone's own handwriting (needs the train extra).

    digitcam finetune --dataset DIR [--out PATH] [--model NAME|PATH] [--epochs N]

DIR holds one folder per digit, DIR/0 ... DIR/9 (some may be missing), of images of any size:
photos or scans of one digit each, or the 28x28 crops the live window saves. Each photo is
read as the runtime reads a frame (`read_image`, then `extract_digits`, keeping the largest
digit), so the network is trained on exactly what the live loop will show it. About 10
samples per digit is enough. A stratified part of them is held out; the model is trained on
the rest mixed with MNIST (so it forgets nothing), both distorted by the training
augmentation, and accuracy is reported before and after, on the held-out samples and on the
MNIST test set. Writes OUT.onnx, OUT.json (the card) and OUT.keras, each atomically.

Fine-tuning starts from the Keras weights beside the model's .onnx (NAME.keras), which
`digitcam train` writes; the ONNX graph alone cannot be trained.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

HOLDOUT = 0.3          # share of each digit's samples kept for the before/after comparison
MNIST_MIX = 6000       # MNIST training digits per epoch, so nothing is forgotten
USER_SHARE = 0.4       # share of each batch drawn from the user's samples
EPOCHS = 6
LEARNING_RATE = 2e-4
BATCH_SIZE = 64
FEW_SAMPLES = 10       # fewer than this for a digit gets a warning


@dataclass
class UserSamples:
    images: np.ndarray                  # (N, 28, 28) uint8, white ink on black
    labels: np.ndarray                  # (N,) digits
    files: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "path: reason"


def sample_crop(image: np.ndarray) -> np.ndarray | None:
    """The 28x28 crop the runtime would classify for a one-digit image, or None if it finds
    no digit. A 28x28 grey image is taken as a crop already (inverted if it is dark on light)."""
    from ..recognize.mnist import extract_digits

    if image.ndim == 2 and image.shape == (28, 28):
        crop = image.astype(np.uint8) if image.dtype == np.uint8 else (
            np.clip(image / max(float(image.max()), 1e-6) * 255, 0, 255).astype(np.uint8))
        return 255 - crop if crop.mean() > 127 else crop
    crops = extract_digits(image)
    if not crops:
        return None
    return max(crops, key=lambda c: c.box[2] * c.box[3]).image


def load_user_samples(directory: str | os.PathLike) -> UserSamples:
    """Every image under DIR/0 ... DIR/9, read through the runtime path."""
    from ..io.images import IMAGE_SUFFIXES, ImageError, read_image

    root = Path(directory)
    if not root.is_dir():
        raise ValueError(f"--dataset {root}: no such folder")
    images, labels, files, skipped = [], [], [], []
    for digit in range(10):
        folder = root / str(digit)
        paths = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES) \
            if folder.is_dir() else []
        for path in paths:
            try:
                crop = sample_crop(read_image(path))
            except ImageError as e:
                skipped.append(f"{path}: {e}")
                continue
            if crop is None:
                skipped.append(f"{path}: no digit found")
                continue
            images.append(crop)
            labels.append(digit)
            files.append(str(path))
    if not images:
        raise ValueError(f"--dataset {root}: no readable digit images in {root}/0 ... {root}/9")
    return UserSamples(np.stack(images), np.array(labels, np.uint8), files, skipped)


def split_holdout(labels: np.ndarray, fraction: float, seed: int):
    """(train, held-out) indices: `fraction` of each digit's samples held out (at least one
    when a digit has two or more, none when it has one)."""
    rng = np.random.default_rng(seed)
    train, held = [], []
    for digit in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == digit))
        n_held = 0 if len(idx) < 2 or fraction <= 0 else max(1, int(round(fraction * len(idx))))
        held.extend(idx[:n_held])
        train.extend(idx[n_held:])
    return np.array(sorted(train), int), np.array(sorted(held), int)


def finetunable_models() -> list[str]:
    """The shipped models that ship their Keras weights, so `finetune --model NAME` works."""
    from ..assets.registry import available_models

    return [n for n, p in available_models().items() if p.with_suffix(".keras").is_file()]


def keras_weights(model: str | os.PathLike | None) -> tuple[Path, Path]:
    """(.onnx, .keras) of a shipped model name or a path to either file."""
    from ..assets.registry import ModelError, available_models, resolve_model

    if model is not None and str(model).endswith(".keras"):
        keras_path = Path(model)
        onnx_path = keras_path.with_suffix(".onnx")
    else:
        onnx_path = resolve_model(model)
        keras_path = onnx_path.with_suffix(".keras")
    if keras_path.is_file():
        return onnx_path, keras_path
    name = str(model) if model is not None else onnx_path.stem
    if name in available_models():
        raise ModelError(
            f"the shipped {name} has no Keras weights to fine-tune (shipped with them: "
            f"{', '.join(finetunable_models()) or 'none'}); train your own first: "
            f"digitcam train --model {name} --out runs/{name}, then --model runs/{name}.keras")
    raise ModelError(f"{keras_path}: not found; fine-tuning starts from the Keras weights "
                     "beside the .onnx (digitcam train writes them)")


def _card(onnx_path: Path) -> dict:
    from ..assets.registry import load_card

    return load_card(onnx_path)


def _accuracy(onnx_path: Path, x: np.ndarray, y: np.ndarray) -> float | None:
    from .export import onnx_accuracy

    return onnx_accuracy(onnx_path, x, y) if len(x) else None


def pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.2f}%"


def finetune_model(dataset: str | os.PathLike, model: str | os.PathLike | None = None,
                   out: str | os.PathLike | None = None, epochs: int = EPOCHS,
                   data_dir: str | os.PathLike | None = None, seed: int = 0,
                   holdout: float = HOLDOUT, mnist_mix: int = MNIST_MIX,
                   verbose: int | str = 0) -> dict:
    """Fine-tune `model` on the samples in `dataset`; write OUT.onnx/.json/.keras; return the
    report (the "finetune" part of the new card)."""
    samples = load_user_samples(dataset)
    base_onnx, base_keras = keras_weights(model)
    from .keras_env import import_keras

    keras = import_keras("fine-tuning")
    from ..assets.registry import ModelError
    from ..data.mnist import load_mnist_data
    from ..io.files import atomic_write_text
    from .batches import mixed_batches, to_input
    from .export import model_card, output_stem, write_outputs

    out = output_stem(out, f"{base_onnx.stem}-finetuned")
    try:
        net = keras.models.load_model(str(base_keras), compile=False)
    except Exception as e:  # Keras raises many types (ValueError, OSError, zipfile errors)
        reason = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ModelError(f"{base_keras}: not a readable Keras model ({reason[:200]})") from None
    train_idx, held_idx = split_holdout(samples.labels, holdout, seed)
    x_user, y_user = samples.images, samples.labels
    (x_mnist, y_mnist), (x_test, y_test) = load_mnist_data(data_dir)
    before = {"user_heldout": _accuracy(base_onnx, x_user[held_idx], y_user[held_idx]),
              "mnist_test": _accuracy(base_onnx, x_test, y_test)}

    keras.utils.set_random_seed(seed)
    for layer in net.layers:  # keep MNIST's batch statistics: the user's few samples
        if isinstance(layer, keras.layers.BatchNormalization):  # would drag them away
            layer.trainable = False
    net.compile(optimizer=keras.optimizers.Adam(LEARNING_RATE),
                loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    mix = np.random.default_rng(seed).choice(len(x_mnist), min(mnist_mix, len(x_mnist)),
                                             replace=False)
    pool = (to_input(x_user[train_idx]), y_user[train_idx])
    # The user's few samples are always distorted; MNIST only if the base model was trained
    # on distorted digits (the paper's MLP was not, and would drift away from its optimum).
    base_card = _card(base_onnx)
    augment_mnist = bool(base_card.get("training", {}).get("augment", True))
    batches = mixed_batches(to_input(x_mnist[mix]), y_mnist[mix], BATCH_SIZE, seed,
                            augment=augment_mnist, pool=pool, crop_share=USER_SHARE,
                            augment_pool=True)
    net.fit(batches, epochs=epochs, verbose=verbose)
    onnx_path = write_outputs(net, out, pool[0])
    after = {"user_heldout": _accuracy(onnx_path, x_user[held_idx], y_user[held_idx]),
             "mnist_test": _accuracy(onnx_path, x_test, y_test)}
    report = {
        "base_model": str(base_onnx), "dataset": str(dataset), "samples": len(y_user),
        "per_digit": {str(d): int((y_user == d).sum()) for d in range(10)},
        "train_samples": len(train_idx), "heldout_samples": len(held_idx),
        "skipped": samples.skipped, "epochs": epochs, "mnist_mix": len(mix),
        "user_share": USER_SHARE, "augment_mnist": augment_mnist,
        "learning_rate": LEARNING_RATE, "seed": seed,
        "before": before, "after": after,
    }
    training = {"architecture": base_card.get("architecture", net.name),
                "finetuned_from": base_card.get("name", base_onnx.stem)}
    accuracy = {"test": round(after["mnist_test"], 5), "test_samples": len(y_test),
                "user_heldout": after["user_heldout"]}
    card = model_card(net, out, onnx_path, training, accuracy)
    card["finetune"] = report
    atomic_write_text(out.with_suffix(".json"), json.dumps(card, indent=2) + "\n")
    return {**report, "out": str(onnx_path)}
