"""How long `digitcam evaluate` takes, phase by phase, on this machine.

    python benchmarks/bench_evaluate.py [--data-dir D] [--model cnn] [--robust-frames 100]

Times, for one model: loading MNIST; classifying the 10,000 test images (ONNX Runtime, batches
of 1000, one thread; best of 3); the metrics (scikit-learn); the nine figures (matplotlib); and
the robustness study with the command's defaults (1000 digits and 100 camera frames per level,
71 levels). Prints the load average too: the machine may be shared.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from digitcam.apps.evaluate import ROBUST_DIGITS, ROBUST_FRAMES
from digitcam.apps.evaluate import figures as F
from digitcam.apps.evaluate import robustness as R
from digitcam.apps.evaluate.metrics import summarize
from digitcam.apps.evaluate.run import MODEL_FIGURES, classify_mnist
from digitcam.data.mnist import load_mnist_data
from digitcam.io.machine import machine_description
from digitcam.reader import Recognizer


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--model", default="cnn")
    ap.add_argument("--robust-digits", type=int, default=ROBUST_DIGITS)
    ap.add_argument("--robust-frames", type=int, default=ROBUST_FRAMES)
    args = ap.parse_args()

    print(f"machine: {machine_description()}; load average {os.getloadavg()[0]:.1f} at start")
    (_, _), (x, y) = load_mnist_data(args.data_dir)
    _, load_s = timed(lambda: load_mnist_data(args.data_dir))
    recs = {args.model: Recognizer(args.model)}
    runs = [timed(lambda: classify_mnist(recs, x, y, False)) for _ in range(3)]
    (preds, _), classify_s = min(runs, key=lambda r: r[1])
    p = preds[args.model]
    _, metrics_s = timed(lambda: summarize(p))
    with tempfile.TemporaryDirectory() as tmp:
        def draw():
            for key, fn in MODEL_FIGURES.items():
                F.save(fn(p, args.model), Path(tmp) / f"{key}.png")
            F.save(F.robustness_examples_figure(R.example_grid(x[0])), Path(tmp) / "ex.png")
        _, figures_s = timed(draw)
    results, robust_s = timed(lambda: R.measure(recs, x, y, args.robust_digits,
                                                args.robust_frames, progress=False))
    steps = 1 + len(R.CORRUPTIONS) * R.SEVERITIES
    rows = [
        ("load MNIST (4 files)", load_s),
        (f"classify {len(x):,} test images", classify_s),
        ("metrics (scikit-learn)", metrics_s),
        (f"{len(MODEL_FIGURES) + 1} figures (matplotlib)", figures_s),
        (f"robustness: {steps} levels x ({args.robust_digits} digits + "
         f"{args.robust_frames} frames)", robust_s),
    ]
    print(f"model {args.model}: accuracy {p.correct.mean():.2%}; "
          f"{1e6 * classify_s / len(x):.0f} us per test image")
    for label, seconds in rows:
        print(f"  {label:<58} {seconds:7.2f} s")
    print(f"  {'total':<58} {sum(s for _, s in rows):7.2f} s")
    rob = results[args.model]
    print(f"  mean corruption accuracy: 28x28 {rob['digits']['mean_corruption_accuracy']:.1%}, "
          f"frames {rob['frames']['mean_corruption_accuracy']:.1%}")
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
