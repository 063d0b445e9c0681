"""What the detector's and the line recogniser's training share: synthetic samples made on
every core, a run's state for --resume, and its outputs (OUT.onnx and the card).

    x = pool_map(make_one, count=20_000, seed=0, data_dir=None, workers=2)
    state = RunState.load(out, args)     # epochs done, history; saved after each epoch
    finish(model, out, example, kind="line-ctc", state=state, extra={...})
"""

from __future__ import annotations

import datetime
import hashlib
import json
import shlex
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..io.files import atomic_write_text
from ..io.machine import machine_description
from .export import _versions
from .onnx_graph import write_conv_onnx

_MNIST: tuple[np.ndarray, np.ndarray] | None = None
_MAKE: Callable | None = None


def _init(data_dir: str | None, make: Callable) -> None:
    global _MNIST, _MAKE
    from ..data.mnist import load_mnist_data

    (x, y), _ = load_mnist_data(data_dir)
    _MNIST, _MAKE = (x, y), make


def _one(seed: int):
    return _MAKE(*_MNIST, np.random.default_rng(seed))


def pool_map(make: Callable, count: int, seed: int, data_dir: str | None,
             workers: int, offset: int = 0) -> list:
    """`make(x_train, y_train, rng)` for `count` seeds, on `workers` processes that inherit
    the MNIST training split, loaded once here (test digits are never drawn; a missing
    dataset fails here, before any process is made, not in a pool that restarts them)."""
    from multiprocessing import get_context

    t0 = time.time()
    _init(data_dir, make)
    seeds = [seed * 10_000_019 + offset + i for i in range(count)]
    with get_context("fork").Pool(workers) as pool:
        made = pool.map(_one, seeds, chunksize=64)
    print(f"{count} synthetic samples made in {time.time() - t0:.0f} s", flush=True)
    return made


def add_run_options(p, epochs: int, batch_size: int, lr: float) -> None:
    """The flags both trainers share (with each one's defaults): epochs, batch size,
    learning rate, seed, data, workers, start, resume, the synthetic mix, --dry-run and
    --export-only."""
    import os

    p.add_argument("--epochs", type=int, default=epochs, help=f"epochs ({epochs})")
    p.add_argument("--batch-size", type=int, default=batch_size,
                   help=f"samples per step ({batch_size})")
    p.add_argument("--lr", type=float, default=lr, help=f"peak learning rate ({lr:g})")
    p.add_argument("--seed", type=int, default=0, help="random seed (0)")
    p.add_argument("--data-dir", default=None, help="MNIST folder (default $DIGITCAM_DATA)")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                   help="processes making synthetic samples (all cores)")
    p.add_argument("--init", default=None, help="start from these weights (.weights.h5)")
    p.add_argument("--resume", action="store_true", help="continue from OUT.state.json")
    add_synth_options(p)
    p.add_argument("--dry-run", action="store_true", help="tiny run to check it all works")
    p.add_argument("--export-only", action="store_true",
                   help="write OUT.onnx and the card from OUT.weights.h5 (a run's last "
                        "epoch) and stop")


def start_run(args) -> tuple[Path, RunState]:
    """Seeded, the synthetic mix set, OUT's folder made: (OUT, its state for --resume)."""
    import keras

    keras.utils.set_random_seed(args.seed)
    apply_synth_options(args)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    return out, RunState.load(out, vars(args), args.resume)


def dispatch(args, build: Callable, finish_run: Callable, train: Callable,
             dry_run: dict) -> int:
    """--export-only, or a run (shrunk to `dry_run`'s settings with --dry-run); on --resume
    or --export-only with the run's own settings (RunState.restore_args)."""
    RunState.restore_args(args)
    if args.export_only:
        return export_only(args, build, finish_run)
    if args.dry_run:
        for name, value in dry_run.items():
            setattr(args, name, value)
    from ..data.mnist import DataError

    try:
        return train(args)
    except (DataError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def export_only(args, build: Callable, finish_run: Callable) -> int:
    """--export-only: the network rebuilt, its saved weights loaded, OUT.onnx and the card."""
    out = Path(args.out)
    state = RunState.load(out, vars(args), resume=True)
    model = build()
    model.load_weights(state.weights)
    finish_run(model, out, state)
    return 0


def add_synth_options(p) -> None:
    """The synthetic data's mix, as flags (their defaults are the modules'), so that a
    model trained with an earlier mix is remade by its card's command."""
    from ..synth import lines, pages

    p.add_argument("--pen-share", type=float, default=lines.PEN_SHARE,
                   help=f"digits drawn as a pen line (default {lines.PEN_SHARE})")
    p.add_argument("--negative-share", type=float, default=lines.NEGATIVE_SHARE,
                   help=f"line samples that are not a number "
                        f"(default {lines.NEGATIVE_SHARE})")
    p.add_argument("--field-share", type=float, default=pages.FIELD_SHARE,
                   help=f"detector samples that are one field (default {pages.FIELD_SHARE})")
    p.add_argument("--closeup-share", type=float, default=pages.CLOSEUP_SHARE,
                   help=f"detector samples that are a close-up (default {pages.CLOSEUP_SHARE})")
    p.add_argument("--min-core-aspect", type=float, default=pages.MIN_ASPECT,
                   help=f"narrow cores widened to this share of their height "
                        f"(default {pages.MIN_ASPECT})")


def apply_synth_options(args) -> None:
    """Set the synthetic data's mix before the worker processes are made (they inherit it)."""
    from ..synth import lines, pages

    lines.PEN_SHARE = args.pen_share
    lines.NEGATIVE_SHARE = args.negative_share
    pages.FIELD_SHARE, pages.CLOSEUP_SHARE = args.field_share, args.closeup_share
    pages.MIN_ASPECT = args.min_core_aspect


@dataclass
class RunState:
    """A run's progress, in OUT.state.json beside OUT.weights.h5 after every epoch."""

    out: Path
    args: dict
    epochs_done: int = 0
    history: list[dict] = field(default_factory=list)
    started: float = field(default_factory=time.time)

    @property
    def weights(self) -> Path:
        return self.out.with_suffix(".weights.h5")

    @classmethod
    def load(cls, out: Path, args: dict, resume: bool) -> RunState:
        path = out.with_suffix(".state.json")
        state = cls(out, args)
        if resume and path.exists():
            saved = json.loads(path.read_text())
            state.epochs_done, state.history = saved["epochs_done"], saved["history"]
            state.args = saved.get("args", args)  # the run's own, not the export's
            state.started -= saved.get("seconds", 0)
        return state

    @staticmethod
    def restore_args(args) -> None:
        """On --resume or --export-only, the run's own settings (network, data, schedule)
        from OUT.state.json over the command line's defaults, so that `--out OUT --resume`
        alone continues the run as it was started."""
        if not (args.resume or args.export_only):
            return
        for name, value in RunState.saved_args(Path(args.out)).items():
            if name not in ("out", "resume", "export_only", "dry_run", "workers", "data_dir"):
                setattr(args, name, value)

    @staticmethod
    def saved_args(out: Path) -> dict:
        """The arguments a run at OUT was started with ({} if none was saved)."""
        path = out.with_suffix(".state.json")
        return json.loads(path.read_text()).get("args", {}) if path.exists() else {}

    def save(self, model, epoch: int, **figures) -> None:
        self.epochs_done = epoch + 1
        self.history.append({"epoch": epoch + 1, **figures,
                             "seconds": round(time.time() - self.started)})
        model.save_weights(str(self.weights))
        atomic_write_text(self.out.with_suffix(".state.json"), json.dumps(
            {"epochs_done": self.epochs_done, "history": self.history, "args": self.args,
             "seconds": round(time.time() - self.started)}, indent=1))


def finish(model, out: Path, example: np.ndarray, kind: str, state: RunState,
           extra: dict) -> Path:
    """Write OUT.onnx (the network called once on `example`, then written channels-first by
    training.onnx_graph) and its card."""
    model(example)
    onnx_path = out.with_suffix(".onnx")
    out.with_suffix(".json").unlink(missing_ok=True)  # an old card describes the old file
    write_conv_onnx(model, onnx_path)
    card = {
        "name": out.name, "kind": kind, "export": "digitcam.training.onnx_graph", **extra,
        "parameters": int(model.count_params()),
        "training": {"command": state.args.get("command") or "python -m " + " ".join(
                         [model_module(kind), *map(shlex.quote, sys.argv[1:])]),
                     "args": state.args, "machine": machine_description(),
                     "seconds": round(time.time() - state.started),
                     "history": state.history},
        "onnx_sha256": hashlib.sha256(onnx_path.read_bytes()).hexdigest(),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "versions": _versions(),
    }
    atomic_write_text(out.with_suffix(".json"), json.dumps(card, indent=1))
    print(f"saved {onnx_path} and its card {out.with_suffix('.json')}", flush=True)
    return onnx_path


def model_module(kind: str) -> str:
    return {"line-ctc": "digitcam.training.lines",
            "detector-fcn": "digitcam.training.detector"}[kind]
