"""Inference speed and accuracy of the shipped models: onnxruntime against Keras.

    python benchmarks/bench_inference.py [--data-dir D] [--keras-dir runs] [--repeats 300]

For each shipped model: MNIST test accuracy; median latency of one digit; throughput in
digits per second for batches of 256, through onnxruntime (one thread, as the runtime uses
it) and, when the Keras file is found (`KERAS_DIR/NAME.keras`, written by `digitcam train`),
through Keras `model.predict`, the paper's way, in the same run.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np

from digitcam.assets.registry import available_models
from digitcam.data.mnist import load_mnist_data
from digitcam.recognize.classifier import Classifier

BATCH = 256


def median_us(fn, repeats: int) -> float:
    fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return float(np.median(times) * 1e6)


def throughput(fn, x: np.ndarray, seconds: float = 2.0) -> float:
    fn(x[:BATCH])
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        fn(x[done % (len(x) - BATCH) : done % (len(x) - BATCH) + BATCH])
        done += BATCH
    return done / (time.perf_counter() - start)


def bench_onnx(path: Path, x: np.ndarray, y: np.ndarray, repeats: int) -> dict:
    clf = Classifier(path, threads=1)
    probs = np.concatenate([clf.predict_proba(x[i : i + 1000]) for i in range(0, len(x), 1000)])
    return {"accuracy": float((probs.argmax(1) == y).mean()),
            "latency_us": median_us(lambda: clf.predict_proba(x[:1]), repeats),
            "digits_per_s": throughput(clf.predict_proba, x)}


def bench_keras(path: Path, x: np.ndarray, repeats: int) -> dict:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras

    model = keras.models.load_model(path)
    xf = (x.astype(np.float32) / 255.0)[..., None]
    return {"latency_us": median_us(lambda: model.predict(xf[:1], verbose=0), repeats // 10),
            "digits_per_s": throughput(lambda b: model.predict(b, verbose=0), xf)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--keras-dir", default="runs", help="where NAME.keras files are")
    parser.add_argument("--repeats", type=int, default=300)
    args = parser.parse_args()
    _, (x, y) = load_mnist_data(args.data_dir)
    print(f"{'model':8} {'engine':12} {'test acc':>9} {'1 digit (us)':>13} {'digits/s':>10}")
    for name, path in available_models().items():
        r = bench_onnx(path, x, y, args.repeats)
        print(f"{name:8} {'onnxruntime':12} {r['accuracy']:9.4f} {r['latency_us']:13.0f} "
              f"{r['digits_per_s']:10.0f}")
        keras_path = Path(args.keras_dir) / f"{name}.keras"
        if keras_path.exists():
            k = bench_keras(keras_path, x, args.repeats)
            print(f"{name:8} {'keras':12} {'':9} {k['latency_us']:13.0f} "
                  f"{k['digits_per_s']:10.0f}   onnxruntime is "
                  f"{k['latency_us'] / r['latency_us']:.0f}x faster per digit")


if __name__ == "__main__":
    main()
