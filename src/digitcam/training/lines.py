"""Train the line recogniser: a small CNN read with CTC, on synthetic MNIST number lines
(and, optionally, the training part of a labelled folder of real fields).

    python -m digitcam.training.lines --out runs/lines --epochs 12
    python -m digitcam.training.lines --out runs/lines --resume       # after an interruption
    python -m digitcam.training.lines --dry-run                       # a minute, for CI

Every knob is a flag. Synthetic lines are made from the MNIST *training* split only; real
images (`--real DIR` with a labels.json) are split by file name (real_split) and only the
training part is learnt from; the held-out part is what the card's accuracy reports.
Writes OUT.onnx (input (N, 32, W, 1) float, output (N, W/stride, 15) probabilities), OUT.json
(the card), OUT.weights.h5 and OUT.state.json (for --resume).
"""

from __future__ import annotations

import argparse
import json
import os
import time
import zlib
from functools import partial
from pathlib import Path

import numpy as np

from ..recognize.lines import ALPHABET, LINE_HEIGHT, STRIDE, decode, line_input
from .runs import RunState, add_run_options, dispatch, finish, pool_map, start_run

TRAIN_WIDTH = 192
MAX_LABEL = 16
HOLDOUT_SHARE = 3  # of 10: the share of each real source held out, chosen by file name


def held_out(name: str) -> bool:
    """Whether real image `name` (its path relative to the dataset) is held out: a fixed
    30% of every source, by a checksum of the name, so anyone can redo the split."""
    return zlib.crc32(name.encode()) % 10 < HOLDOUT_SHARE


def real_split(root: str | os.PathLike, held: bool, sources: str | None = None,
               ) -> list[tuple[Path, str]]:
    """(path, digits) of a labelled folder's images on one side of the split; `sources`:
    comma-separated subfolders to keep (default all)."""
    root = Path(root)
    labels = json.loads((root / "labels.json").read_text())
    keep = sources.split(",") if sources else None
    return [(root / k, v) for k, v in sorted(labels.items())
            if held_out(k) == held and (keep is None or k.split("/")[0] in keep)]


def encode(text: str) -> list[int]:
    return [ALPHABET.index(c) + 1 for c in text]


def fixed_width(x: np.ndarray, width: int = TRAIN_WIDTH) -> np.ndarray:
    out = np.zeros((LINE_HEIGHT, width), np.float32)
    out[:, : min(width, x.shape[1])] = x[:, :width]
    return out


def _make(x: np.ndarray, y: np.ndarray, rng: np.random.Generator, habits=None,
          bank: list | None = None) -> tuple[np.ndarray, str]:
    from ..synth.lines import make_line

    line = make_line(x, y, rng, habits=habits, bank=bank)
    return (fixed_width(line_input(line.image, TRAIN_WIDTH)) * 255).astype(np.uint8), line.text


def synthetic(count: int, seed: int, data_dir: str | None, workers: int,
              habits=None, bank: list | None = None) -> tuple:
    """`count` synthetic lines as (uint8 (N, 32, TRAIN_WIDTH), texts), made in parallel;
    `habits`: a synth.habits.Habits to write them with (flagged 1s, crossed 7s, ...);
    `bank`: real digits per class (training.glyphs), some lines written with them."""
    made = pool_map(partial(_make, habits=habits, bank=bank), count, seed, data_dir, workers)
    return np.stack([m[0] for m in made]), [m[1] for m in made]


def line_habits(args: argparse.Namespace):
    """The Habits synthetic lines are written with: HABITS with --habits, lone digits at
    --lone-digits either way; None when neither."""
    from dataclasses import replace

    from ..synth.habits import HABITS, Habits

    if not args.habits and not args.lone_digits:
        return None
    return replace(HABITS if args.habits else Habits(), lone_digit=args.lone_digits)


def real_lines(pairs: list[tuple[Path, str]], copies: int = 1, augment: bool = False,
               seed: int = 0) -> tuple[np.ndarray, list[str]]:
    """The fields as line inputs, `copies` of each; with `augment` every copy but the
    first is changed by synth.augment.augment_field (margins, slant, pen, look)."""
    import cv2

    from ..synth.augment import augment_field

    rng = np.random.default_rng(seed)
    xs, texts = [], []
    for path, text in pairs:
        g = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
        if g is None:
            continue
        for c in range(copies):
            field = augment_field(g, rng) if augment and c else g
            xs.append((fixed_width(line_input(field, TRAIN_WIDTH)) * 255).astype(np.uint8))
            texts.append(text)
    return np.stack(xs), texts


def build(width: int | None = None, stride: int = STRIDE):
    """The network: (N, 32, W, 1) -> (N, W/stride, classes) logits, stride 4 or 2 (a finer
    time step, so two equal digits written close still get a blank between them; the
    weights are the same either way, only the second pooling differs). Separable
    convolutions keep it small (about 0.1 M weights) and fast on a CPU."""
    import keras
    from keras import layers

    def block(x, filters, sep=True):
        conv = layers.SeparableConv2D if sep else layers.Conv2D
        x = conv(filters, 3, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization(momentum=0.9)(x)
        return layers.ReLU()(x)

    inp = keras.Input((LINE_HEIGHT, width, 1), name="line")
    x = block(inp, 24, sep=False)
    x = layers.MaxPooling2D(2)(x)                      # 16 x W/2
    x = block(x, 48, sep=False)
    x = layers.MaxPooling2D(2 if stride == 4 else (2, 1))(x)  # 8 x W/stride
    x = block(x, 64)
    x = block(x, 64)
    x = layers.MaxPooling2D((2, 1))(x)                 # 4
    x = block(x, 96)
    x = block(x, 96)
    x = layers.MaxPooling2D((2, 1))(x)                 # 2
    x = layers.Conv2D(128, (2, 1), use_bias=False)(x)  # 1 x W/stride
    x = layers.BatchNormalization(momentum=0.9)(x)
    x = layers.ReLU()(x)
    x = layers.Reshape((-1, 128))(x)
    for _ in range(2):
        y = layers.SeparableConv1D(128, 5, padding="same", use_bias=False)(x)
        y = layers.BatchNormalization(momentum=0.9)(y)
        x = layers.Add()([x, layers.ReLU()(y)])
    x = layers.Dropout(0.2)(x)
    logits = layers.Dense(len(ALPHABET) + 1, name="logits")(x)
    return keras.Model(inp, logits)


def exact_rate(model, x: np.ndarray, texts: list[str], batch: int = 256) -> float:
    """Share of lines whose digits (separators dropped) are read exactly."""
    import tensorflow as tf

    right = 0
    for i in range(0, len(x), batch):
        xb = x[i: i + batch].astype(np.float32)[..., None] / 255
        probs = tf.nn.softmax(model(xb, training=False)).numpy()
        for p, truth in zip(probs, texts[i: i + batch]):
            read = "".join(c.text for c in decode(p) if c.text.isdigit())
            right += read == "".join(ch for ch in truth if ch.isdigit())
    return right / max(len(x), 1)


def _labels(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    lab = np.zeros((len(texts), MAX_LABEL), np.int32)
    lengths = np.zeros(len(texts), np.int32)
    for i, t in enumerate(texts):
        codes = encode(t)[:MAX_LABEL]
        lab[i, : len(codes)] = codes
        lengths[i] = len(codes)
    return lab, lengths


def fit(model, x: np.ndarray, texts: list[str], epochs: int, batch: int, lr: float,
        start_epoch: int, on_epoch, seed: int, stride: int = STRIDE) -> None:
    """CTC training with Adam and a cosine schedule; `on_epoch(epoch)` after each epoch."""
    import keras
    import tensorflow as tf

    labels, lengths = _labels(texts)
    steps = len(x) // batch
    schedule = keras.optimizers.schedules.CosineDecay(lr, epochs * steps, alpha=0.02)
    opt = keras.optimizers.Adam(schedule)
    opt.iterations.assign(start_epoch * steps)
    t_out = x.shape[2] // stride

    @tf.function(reduce_retracing=True)
    def step(xb, yb, lb):
        with tf.GradientTape() as tape:
            logits = model(xb, training=True)
            loss = tf.reduce_mean(tf.nn.ctc_loss(
                yb, logits, lb, tf.fill([tf.shape(xb)[0]], t_out),
                logits_time_major=False, blank_index=0))
        grads = tape.gradient(loss, model.trainable_variables)
        opt.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    rng = np.random.default_rng(seed)
    for epoch in range(start_epoch, epochs):
        order = rng.permutation(len(x))
        t0, total = time.time(), 0.0
        for s in range(steps):
            idx = np.sort(order[s * batch: (s + 1) * batch])
            xb = x[idx].astype(np.float32)[..., None] / 255
            total += float(step(xb, labels[idx], lengths[idx]))
        print(f"epoch {epoch + 1}/{epochs}: ctc loss {total / steps:.3f} "
              f"({time.time() - t0:.0f} s)", flush=True)
        on_epoch(epoch)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default="runs/lines", help="output stem (default runs/lines)")
    p.add_argument("--synthetic", type=int, default=60_000, help="synthetic lines (60000)")
    p.add_argument("--real", default=None, help="folder with labels.json: learn from its "
                   "training part (real_split), report on its held-out part")
    p.add_argument("--real-sources", default=None,
                   help="comma-separated subfolders of --real to use (default all)")
    p.add_argument("--real-repeat", type=int, default=8, help="copies of each real line (8)")
    p.add_argument("--real-augment", action=argparse.BooleanOptionalAction, default=True,
                   help="change every copy but the first (synth.augment; default on)")
    p.add_argument("--habits", action="store_true",
                   help="write synthetic lines with habits beyond MNIST's (synth.habits."
                        "HABITS: flagged 1s, crossed 7s, smaller trailing digits, crops "
                        "into a digit, end marks; default off, as the shipped stages ran)")
    p.add_argument("--lone-digits", type=float, default=0.0,
                   help="share of synthetic lines that are one digit (over a third of them 1s) "
                        "cut as the reader cuts a region (synth.habits.Habits.lone_digit; "
                        "default 0)")
    p.add_argument("--glyph-share", type=float, default=0.0,
                   help="share of synthetic lines written mostly with real digits cut from "
                        "--real's training part (training.glyphs; default 0: none)")
    p.add_argument("--glyph-model", default=None,
                   help="line model that aligns those fields (default the shipped lines)")
    p.add_argument("--stride", type=int, choices=(2, 4), default=STRIDE,
                   help=f"input columns per output step ({STRIDE})")
    add_run_options(p, epochs=12, batch_size=64, lr=2e-3)
    args = p.parse_args(argv)
    if args.glyph_share and not args.real:
        p.error("--glyph-share writes with digits cut from --real's training part: give --real")
    return dispatch(args, lambda: build(stride=args.stride), finish_run, train,
                    dry_run={"synthetic": 512, "epochs": 1, "real_repeat": 1})


def finish_run(model, out: Path, state: RunState) -> Path:
    """OUT.onnx (with a softmax, any width) and its card."""
    import keras

    inp = keras.Input((LINE_HEIGHT, None, 1), name="line")
    full = keras.Model(inp, keras.layers.Softmax(name="probs")(model(inp)))
    last = state.history[-1] if state.history else {}
    return finish(full, out, np.zeros((1, LINE_HEIGHT, 64, 1), np.float32), "line-ctc", state, {
        "alphabet": ALPHABET,
        "input": {"shape": [None, LINE_HEIGHT, None, 1], "ink": "bright, [0, 1]",
                  "stride": state.args.get("stride", STRIDE),
                  "preprocessing": "digitcam.recognize.lines.line_input"},
        "output": {"shape": [None, None, len(ALPHABET) + 1],
                   "meaning": "per time step: blank, then the alphabet's characters"},
        "accuracy": {"held_out_exact": last.get("held_out_exact"),
                     "held_out": "real images chosen by training.lines.held_out (30% of "
                                 "each source by file name), never learnt from"},
    })


def train(args: argparse.Namespace) -> int:
    out, state = start_run(args)
    bank = None
    if args.glyph_share > 0:
        from ..synth import lines as synth_lines
        from .glyphs import glyph_bank

        synth_lines.BANK_SHARE = args.glyph_share
        bank = glyph_bank(real_split(args.real, False, args.real_sources), args.glyph_model)
    x, texts = synthetic(args.synthetic, args.seed, args.data_dir, args.workers,
                         line_habits(args), bank)
    held = ([], [])
    if args.real:
        rx, rt = real_lines(real_split(args.real, False, args.real_sources),
                            args.real_repeat, args.real_augment, args.seed)
        held = real_lines(real_split(args.real, True, args.real_sources))
        x = np.concatenate([x, rx])
        texts = texts + rt
        print(f"{len(rx) // args.real_repeat} real lines learnt from (x{args.real_repeat}, "
              f"{'augmented' if args.real_augment else 'as they are'}), "
              f"{len(held[0])} held out", flush=True)
    model = build(stride=args.stride)
    if state.epochs_done:
        model.load_weights(state.weights)
    elif args.init:
        model.load_weights(args.init)

    def on_epoch(epoch: int) -> None:
        rate = exact_rate(model, *held) if len(held[0]) else None
        print(f"  held-out exact: {rate}", flush=True)
        state.save(model, epoch, held_out_exact=rate)

    fit(model, x, texts, args.epochs, args.batch_size, args.lr, state.epochs_done, on_epoch,
        args.seed, args.stride)
    finish_run(model, out, state)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
