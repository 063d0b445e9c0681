"""The model table of BENCHMARKS.md: size, accuracy, training time, speed, camera-like scenes.

    python benchmarks/bench_models.py [MODEL ...] [--scenes 150] [--repeats 200] [--data-dir D]
    python benchmarks/bench_models.py A.onnx B.onnx --scenes-from validation   # for choices

MODEL is a shipped name or an .onnx path (default: every shipped model, plus
runs/ensemble.onnx when present). For each: parameters and training time (from its card),
MNIST test accuracy (measured here through onnxruntime), latency per digit through
onnxruntime on one thread (as the runtime uses it) in batches of 32 and alone, and accuracy
through the whole runtime path (`Recognizer.read`) on camera-like pages written with MNIST
*test* digits by `digitcam.synth.scenes` (the same seeded pages for every model): the share of
written digits found and read right, and of pages whose whole text is read right; and on
photos of single digits in a hand unlike MNIST's (`digitcam.synth.handwriting`: slanted script).
Latencies are the fastest of `--repeats` runs (the machine is shared); medians are printed too.
With `--scenes-from validation` the pages are written with the validation digits that
`digitcam train` holds out (seed 0) instead, for comparing training choices without the test set.
"""

from __future__ import annotations

import argparse
import os
import timeit
from pathlib import Path

import numpy as np

from digitcam.assets.registry import available_models, resolve_model
from digitcam.data.mnist import load_mnist_data
from digitcam.reader import Recognizer
from digitcam.recognize.classifier import Classifier
from digitcam.regions import iou
from digitcam.synth.handwriting import other_hand
from digitcam.synth.scenes import Scene, number_scene
from digitcam.training.export import onnx_accuracy
from digitcam.training.train import split_train_val

BATCH = 32
EXTRA = (Path("runs/ensemble.onnx"),)  # a local ensemble, when one was built
ANCHORS = [  # published single models and committees on the MNIST test set
    ("LeNet-5 (LeCun et al. 1998)", "99.05%"),
    ("CNN + elastic distortions (Simard et al. 2003)", "99.60%"),
    ("committee of 35 CNNs (Ciresan et al. 2012)", "99.77%"),
    ("best published single model", "99.83%"),
]


def timings(fn, repeats: int) -> tuple[float, float]:
    """(fastest, median) seconds of `fn()` over `repeats` runs after a warm-up."""
    fn()
    times = timeit.repeat(fn, number=1, repeat=repeats)
    return min(times), float(np.median(times))


def make_scenes(x: np.ndarray, y: np.ndarray, count: int, seed: int = 0) -> list[Scene]:
    rng = np.random.default_rng(seed)
    return [number_scene(x, y, int(rng.integers(3, 7)), rng, lines=int(rng.integers(1, 3)))
            for _ in range(count)]


def digits_read(scene: Scene, detections) -> int:
    """How many of the scene's digits were found (box overlap) and read right."""
    truth = [int(c) for c in scene.text.replace(" ", "")]
    right = 0
    for box, label in zip(scene.boxes, truth):
        hits = [d for d in detections if iou(d.box, box) >= 0.5]
        right += len(hits) == 1 and hits[0].digit == label
    return right


def other_hand_photos(per_digit: int, seed: int = 0) -> list[tuple[np.ndarray, int]]:
    rng = np.random.default_rng(seed)
    return [(other_hand(d, rng), d) for d in range(10) for _ in range(per_digit)]


def other_hand_accuracy(model: Path, photos) -> float:
    recognizer = Recognizer(model=model)
    return float(np.mean([recognizer.read_text(img) == str(d) for img, d in photos]))


def scene_accuracy(model: Path, scenes: list[Scene]) -> tuple[float, float]:
    recognizer = Recognizer(model=model)
    digits = pages = total = 0
    for scene in scenes:
        detections = recognizer.read(scene.frame)
        digits += digits_read(scene, detections)
        pages += recognizer.read_text(scene.frame) == scene.text
        total += len(scene.boxes)
    return digits / total, pages / len(scenes)


def bench(model: Path, x, y, scenes, photos, repeats: int) -> dict:
    clf = Classifier(model, threads=1)
    card = clf.card
    batch = x[:BATCH]
    fast, median = timings(lambda: clf.predict_proba(batch), repeats)
    one_fast, one_median = timings(lambda: clf.predict_proba(x[:1]), repeats)
    digit_acc, page_acc = scene_accuracy(model, scenes)
    training = card.get("training", {})
    return {
        "name": model.stem, "parameters": card.get("parameters"),
        "test": onnx_accuracy(model, x, y), "card_test": card.get("accuracy", {}).get("test"),
        "validation": card.get("accuracy", {}).get("validation"),
        "train_s": training.get("seconds"), "epochs": training.get("epochs_run"),
        "ms_batched": 1e3 * fast / BATCH, "ms_batched_median": 1e3 * median / BATCH,
        "ms_single": 1e3 * one_fast, "ms_single_median": 1e3 * one_median,
        "scene_digits": digit_acc, "scene_pages": page_acc,
        "other_hand": other_hand_accuracy(model, photos), "mb": model.stat().st_size / 1e6,
    }


def _minutes(seconds) -> str:
    return "-" if seconds is None else f"{seconds / 60:.0f} min"


def table(rows: list[dict], n_scenes: int, n_digits: int, n_photos: int) -> str:
    head = ["model", "parameters", "ONNX size", "MNIST test", "validation", "training (2-core CPU)",
            f"ms/digit, batch {BATCH}", "ms/digit, alone",
            f"camera scenes: digits ({n_digits})", f"pages ({n_scenes})",
            f"other hand ({n_photos})"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        lines.append("| " + " | ".join([
            r["name"], f"{r['parameters']:,}" if r["parameters"] else "-", f"{r['mb']:.1f} MB",
            f"{100 * r['test']:.2f}%",
            "-" if r["validation"] is None else f"{100 * r['validation']:.2f}%",
            f"{_minutes(r['train_s'])}, {r['epochs']} epochs" if r["train_s"] else "-",
            f"{r['ms_batched']:.3f} ({r['ms_batched_median']:.3f})",
            f"{r['ms_single']:.3f} ({r['ms_single_median']:.3f})",
            f"{100 * r['scene_digits']:.1f}%", f"{100 * r['scene_pages']:.1f}%",
            f"{100 * r['other_hand']:.1f}%"]) + " |")
    for name, acc in ANCHORS:
        lines.append(f"| {name} | | | {acc} |" + " |" * (len(head) - 4))
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("models", nargs="*", help="shipped names or .onnx paths")
    p.add_argument("--scenes", type=int, default=150)
    p.add_argument("--repeats", type=int, default=200)
    p.add_argument("--other-hand", type=int, default=30, help="photos per digit (default 30)")
    p.add_argument("--data-dir", default=None)
    p.add_argument("--scenes-from", choices=("test", "validation"), default="test")
    args = p.parse_args()
    names = args.models or [*available_models(), *(str(e) for e in EXTRA if e.exists())]
    models = [resolve_model(n) for n in names]
    (x_train, y_train), (x, y) = load_mnist_data(args.data_dir, download=False)
    if args.scenes_from == "validation":
        _, (x_val, y_val) = split_train_val(x_train, y_train, seed=0)
        scenes = make_scenes(x_val, y_val, args.scenes)
    else:
        scenes = make_scenes(x, y, args.scenes)
    photos = other_hand_photos(args.other_hand)
    rows = []
    for model in models:
        rows.append(bench(model, x, y, scenes, photos, args.repeats))
        r = rows[-1]
        print(f"{r['name']}: test {r['test']:.4f} (card {r['card_test']}), "
              f"{r['ms_batched']:.3f} ms/digit batched, scenes {r['scene_digits']:.4f}, "
              f"other hand {r['other_hand']:.4f}",
              flush=True)
    print(f"\nload average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; "
          "latency: fastest of the runs (median in brackets)\n")
    print(table(rows, len(scenes), sum(len(s.boxes) for s in scenes), len(photos)))


if __name__ == "__main__":
    main()
