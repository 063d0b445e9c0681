"""Train the number detector: a small fully-convolutional network that marks, at a quarter
of the input's resolution, the core of every handwritten number (synth.pages).

    python -m digitcam.training.detector --out runs/detector --epochs 6
    python -m digitcam.training.detector --out runs/detector --resume
    python -m digitcam.training.detector --dry-run

Writes OUT.onnx (input (N, H, W, 1) float grey in [0, 1], any H, W divisible by 16; output
(N, H/4, W/4, 1) probabilities), OUT.json (the card), OUT.weights.h5, OUT.state.json.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from ..detect.learned import SHRINK, STRIDE
from .runs import RunState, add_run_options, dispatch, finish, pool_map, start_run

SIZE = 256


def _make(x: np.ndarray, y: np.ndarray, rng: np.random.Generator):
    import cv2

    from ..synth.pages import make_sample

    img, target = make_sample(x, y, rng, SIZE)
    small = cv2.resize(target, (SIZE // STRIDE, SIZE // STRIDE), interpolation=cv2.INTER_AREA)
    return img, (small * 255).astype(np.uint8)


def synthetic(count: int, seed: int, data_dir: str | None, workers: int):
    """`count` samples: grey images (N, SIZE, SIZE) and core maps (N, SIZE/4, SIZE/4)."""
    made = pool_map(_make, count, seed, data_dir, workers, offset=7)
    return np.stack([m[0] for m in made]), np.stack([m[1] for m in made])


def build():
    """Encoder to 1/16 (separable convolutions, the deepest dilated for a wide view), then
    back to 1/4 with skip connections; about 60 k weights."""
    import keras
    from keras import layers

    def sep(x, filters, dilation=1):
        x = layers.SeparableConv2D(filters, 3, padding="same", dilation_rate=dilation,
                                   use_bias=False)(x)
        x = layers.BatchNormalization(momentum=0.9)(x)
        return layers.ReLU()(x)

    inp = keras.Input((None, None, 1), name="image")
    x = layers.Conv2D(16, 3, strides=2, padding="same", use_bias=False)(inp)
    x = layers.ReLU()(layers.BatchNormalization(momentum=0.9)(x))      # 1/2
    x = layers.MaxPooling2D(2)(x)                                       # 1/4
    f4 = sep(sep(x, 32), 32)
    x = layers.MaxPooling2D(2)(f4)                                      # 1/8
    f8 = sep(sep(x, 48), 48)
    x = layers.MaxPooling2D(2)(f8)                                      # 1/16
    x = sep(sep(x, 64), 64, dilation=2)
    x = sep(x, 64, dilation=4)
    x = layers.UpSampling2D(2)(layers.Conv2D(48, 1)(x))
    x = sep(layers.Add()([x, f8]), 48)
    x = layers.UpSampling2D(2)(layers.Conv2D(32, 1)(x))
    x = sep(layers.Add()([x, f4]), 32)
    out = layers.Conv2D(1, 1, activation="sigmoid", name="heat")(x)
    return keras.Model(inp, out)


def loss_fn(y, p):
    """Binary cross-entropy plus a dice term, so that small numbers weigh in."""
    import tensorflow as tf

    bce = tf.reduce_mean(tf.keras.losses.binary_crossentropy(y, p))
    inter = tf.reduce_sum(y * p, axis=[1, 2, 3])
    dice = 1 - (2 * inter + 1) / (tf.reduce_sum(y + p, axis=[1, 2, 3]) + 1)
    return bce + 0.5 * tf.reduce_mean(dice)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default="runs/detector", help="output stem (runs/detector)")
    p.add_argument("--samples", type=int, default=20_000, help="synthetic samples (20000)")
    add_run_options(p, epochs=6, batch_size=32, lr=3e-3)
    return dispatch(p.parse_args(argv), build, finish_run, train,
                    dry_run={"samples": 64, "epochs": 1})


def finish_run(model, out: Path, state: RunState) -> Path:
    """OUT.onnx (runs.finish: channels-first, a third faster to run than tf2onnx's export
    of this network, the same outputs) and its card."""
    return finish(model, out, np.zeros((1, 64, 64, 1), np.float32), "detector-fcn", state, {
        "stride": STRIDE, "shrink": SHRINK,
        "input": {"shape": [None, None, None, 1], "grey": "[0, 1]", "multiple": 16},
        "output": {"shape": [None, None, None, 1],
                   "meaning": "probability that a cell (4x4 input pixels) is inside a "
                              "number's core (its box shrunk by `shrink` of its height)"},
    })


def train(args: argparse.Namespace) -> int:
    import keras

    out, state = start_run(args)
    x, y = synthetic(args.samples, args.seed, args.data_dir, args.workers)
    model = build()
    steps = max(1, len(x) // args.batch_size)
    schedule = keras.optimizers.schedules.CosineDecay(args.lr, args.epochs * steps, alpha=0.02)
    model.compile(optimizer=keras.optimizers.Adam(schedule), loss=loss_fn)
    if state.epochs_done:
        model.load_weights(state.weights)
        model.optimizer.iterations.assign(state.epochs_done * steps)
    elif args.init:
        model.load_weights(args.init)

    class Checkpoint(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            state.save(model, epoch, loss=round(float(logs["loss"]), 4))

    xin = x[..., None].astype(np.float32) / 255
    model.fit(xin, y[..., None].astype(np.float32) / 255, batch_size=args.batch_size,
              epochs=args.epochs, initial_epoch=state.epochs_done, callbacks=[Checkpoint()],
              verbose=2)
    finish_run(model, out, state)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
