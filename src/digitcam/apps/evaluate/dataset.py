"""A user's own handwriting: DIR/0/*.png ... DIR/9/*.png, photos or scans of any size.

    items = list_dataset("my_digits")                   # [(path, label), ...]
    preds, unreadable = read_dataset({"cnn": recognizer}, items)

Every file goes through `Recognizer.read`, the path `digitcam predict` takes. How a file counts:
- exact reading (the headline): correct when the recogniser reads exactly that one digit, the
  readings below its confidence threshold left out, as `digitcam predict` prints them;
- the class metrics (confusion, ROC, precision-recall, calibration) use the file's most
  confident detection, below the threshold too; a file where nothing digit-like was found is
  predicted "none": wrong, its probabilities all zero (the mistakes show its thumbnail);
- a file that cannot be read (not an image, corrupt, unreadable) is listed with the reason and
  left out of every number; the command then ends with exit code 1.
"""

from __future__ import annotations

import os
from itertools import chain, zip_longest
from pathlib import Path

import cv2
import numpy as np

from ...detect.illumination import ink_is_dark
from ...io.frames import to_gray
from ...io.images import ImageError, read_image
from . import progress_bar
from .metrics import CLASSES, Predictions


def list_dataset(root: str | os.PathLike, limit: int | None = None) -> list[tuple[Path, int]]:
    """(path, label) for every entry of the digit folders, the classes taken in turn (so that
    `limit` keeps them balanced). Hidden files are skipped; anything else is tried."""
    root = Path(root).expanduser()
    if not root.is_dir():
        raise ValueError(f"{root}: not a folder (expected {root}/0/*.png ... {root}/9/*.png)")
    folders = {k: root / str(k) for k in CLASSES if (root / str(k)).is_dir()}
    if not folders:
        raise ValueError(f"{root}: no digit folders 0 to 9 inside (expected {root}/0/*.png ...)")
    per_class = [[(p, k) for p in sorted(folder.iterdir()) if not p.name.startswith(".")]
                 for k, folder in folders.items()]
    items = [it for it in chain.from_iterable(zip_longest(*per_class)) if it is not None]
    if not items:
        raise ValueError(f"{root}: the digit folders hold no files")
    return items[:limit] if limit else items


def thumbnail(image: np.ndarray) -> np.ndarray:
    """The whole picture at 28x28, ink bright like a crop: shown for a file where nothing
    was read, since there is no crop to show."""
    gray = to_gray(image)
    small = cv2.resize(gray, (28, 28), interpolation=cv2.INTER_AREA)
    return 255 - small if ink_is_dark(gray) else small


def _reading(recognizer, image: np.ndarray, label: int) -> dict:
    detections = recognizer.read(image, keep_rejected=True)
    accepted = recognizer.confident(detections)
    top = max(detections, key=lambda d: d.confidence, default=None)
    return {
        "probs": top.probs if top is not None else np.zeros(10, np.float32),
        "crop": top.crop if top is not None else thumbnail(image),
        "exact": [d.digit for d in accepted] == [label],
        "text": recognizer.as_dict(accepted)["text"],
    }


def read_dataset(recognizers: dict, items: list[tuple[Path, int]],
                 progress: bool | None = None) -> tuple[dict[str, Predictions], list[dict],
                                                         dict[str, list[dict]]]:
    """Read every file once, with every model. Returns per model the Predictions and the
    per-file readings, and the unreadable files as {"path", "error"}."""
    rows: dict[str, list[dict]] = {name: [] for name in recognizers}
    kept: list[tuple[Path, int]] = []
    unreadable: list[dict] = []
    for path, label in progress_bar(items, progress, desc="reading files", unit="file"):
        try:
            image = read_image(path)
            readings = {n: _reading(r, image, label) for n, r in recognizers.items()}
        except (ImageError, ValueError) as e:
            unreadable.append({"path": str(path), "error": str(e)})
            continue
        kept.append((path, label))
        for name, reading in readings.items():
            rows[name].append(reading)
    labels = [label for _, label in kept]
    ids = [str(path) for path, _ in kept]
    preds, files = {}, {}
    for name, readings in rows.items():
        preds[name] = Predictions.from_probs(
            labels, np.array([r["probs"] for r in readings]).reshape(-1, 10),
            np.array([r["crop"] for r in readings]).reshape(-1, 28, 28), ids,
            np.array([r["exact"] for r in readings], bool))
        files[name] = [{"path": i, "true": t, "text": r["text"], "exact": bool(r["exact"])}
                       for i, t, r in zip(ids, labels, readings)]
    return preds, unreadable, files
