"""The training subcommands (the train extra is needed when they run, not to list them):

    digitcam train --model mlp|cnn|deep      train on MNIST, export ONNX and a card
    digitcam finetune --dataset DIR          adapt a model to your own handwriting
    digitcam ensemble MODEL MODEL... --out   several models as one ONNX graph
"""

from __future__ import annotations

import argparse
import sys

from .commands import command
from .options import at_least, number_in


def stop_at_value(value: str) -> str | float | None:
    """--stop-at: 'recipe', 'none', or an accuracy in (0, 1]."""
    if value.lower() in ("recipe", "none"):
        return None if value.lower() == "none" else "recipe"
    try:
        return number_in(0.0, 1.0, above=True)(value)
    except argparse.ArgumentTypeError as e:
        raise argparse.ArgumentTypeError(f"{e} (or 'recipe', 'none')") from None


@command("train", "train a model on MNIST and export it to ONNX (needs the train extra)")
def _train_args(p: argparse.ArgumentParser) -> None:
    from ..assets.registry import DEFAULT_MODEL
    from ..training.models import RECIPES

    p.add_argument("--model", choices=tuple(RECIPES), default=DEFAULT_MODEL,
                   help="mlp: the paper's 784-512-10; cnn: compact convnet; deep: more "
                        f"filters and batch norm (default: {DEFAULT_MODEL}, as shipped)")
    p.add_argument("--epochs", type=at_least(1), default=None,
                   help="at most this many epochs (default: the recipe's; mlp 10)")
    p.add_argument("--data-dir", default=None, help="folder of the MNIST .gz files "
                   "(default: $DIGITCAM_DATA, else the user cache; downloaded if missing)")
    p.add_argument("--out", default=None,
                   help="output stem: writes OUT.keras, OUT.onnx, OUT.json (default runs/MODEL)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--limit", type=at_least(1), default=None,
                   help="train on the first N training samples only (quick runs)")
    p.add_argument("--stop-at", type=stop_at_value, default="recipe",
                   help="stop once validation accuracy reaches this; 'none' to train all "
                        "epochs (default: the recipe's: 0.99 for mlp, as in the paper)")
    p.add_argument("--augment", action=argparse.BooleanOptionalAction, default=None,
                   help="distort training digits (default: the recipe's; off for mlp)")
    p.add_argument("--batch-size", type=at_least(1), default=None,
                   help="default: the recipe's (128)")
    p.add_argument("--resume", action="store_true",
                   help="continue an interrupted run from its last complete epoch")
    p.add_argument("--dry-run", action="store_true",
                   help="one epoch on 2000 samples, to check that everything runs")
    p.set_defaults(handler=_train)


def _train(args: argparse.Namespace) -> int:
    from ..training.keras_env import import_keras

    import_keras("training")  # one line without the train extra, before anything runs
    from ..training.train import train_mnist_model

    train_mnist_model(
        model=args.model, epochs=1 if args.dry_run else args.epochs, data_dir=args.data_dir,
        out=args.out, seed=args.seed, limit=2000 if args.dry_run else args.limit,
        stop_at=args.stop_at, augment=args.augment, batch_size=args.batch_size, resume=args.resume,
        verbose=1 if sys.stdout.isatty() else 2,
    )
    return 0


@command("finetune", "adapt a model to your own handwriting: DIR/0 ... DIR/9 of images "
                     "(needs the train extra)")
def _finetune_args(p: argparse.ArgumentParser) -> None:
    from ..training import finetune as F

    p.add_argument("--dataset", required=True, metavar="DIR",
                   help="folder with one subfolder per digit (0 ... 9) of images of any size")
    p.add_argument("--out", default=None,
                   help="output stem: writes OUT.onnx, OUT.json, OUT.keras "
                        "(default runs/MODEL-finetuned)")
    shipped = ", ".join(F.finetunable_models()) or "none"
    p.add_argument("--model", default=None, metavar="NAME|PATH",
                   help=f"the model to start from: a shipped one with Keras weights ({shipped}; "
                        "default: the shipped default), or a .keras file (or an .onnx with "
                        "its .keras beside it) that `digitcam train` wrote")
    p.add_argument("--epochs", type=at_least(1), default=F.EPOCHS, help=f"default {F.EPOCHS}")
    p.add_argument("--holdout", type=number_in(0.0, 0.9), default=F.HOLDOUT,
                   help=f"share of each digit's samples held out to measure (default {F.HOLDOUT})")
    p.add_argument("--mnist", type=at_least(0), default=F.MNIST_MIX, dest="mnist_mix",
                   help=f"MNIST training digits mixed in per epoch (default {F.MNIST_MIX})")
    p.add_argument("--data-dir", default=None, help="folder of the MNIST .gz files")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(handler=_finetune)


def _finetune(args: argparse.Namespace) -> int:
    if not 0.0 <= args.holdout < 1.0:
        raise ValueError(f"--holdout must be in [0, 1), got {args.holdout}")
    if args.epochs < 1:
        raise ValueError(f"--epochs must be at least 1, got {args.epochs}")
    from ..training.finetune import FEW_SAMPLES, finetune_model, keras_weights, pct

    keras_weights(args.model)  # a model that cannot be fine-tuned: one line, before any work
    r = finetune_model(args.dataset, args.model, args.out, args.epochs, args.data_dir,
                       args.seed, args.holdout, args.mnist_mix,
                       verbose=2 if not sys.stdout.isatty() else 1)
    for line in r["skipped"]:
        print(f"skipped {line}", file=sys.stderr)
    few = [d for d, n in r["per_digit"].items() if 0 < n < FEW_SAMPLES]
    if few:
        print(f"note: fewer than {FEW_SAMPLES} samples for digit(s) {', '.join(few)}",
              file=sys.stderr)
    print(f"{r['samples']} samples: {r['train_samples']} to train on, "
          f"{r['heldout_samples']} held out")
    for when in ("before", "after"):
        print(f"{when + ':':7} held-out {pct(r[when]['user_heldout'])}, "
              f"MNIST test {pct(r[when]['mnist_test'])}")
    print(f"saved {r['out']} (+ .json, .keras)")
    return 0


@command("ensemble", "several models as one ONNX graph averaging their probabilities "
                     "(needs the train extra)")
def _ensemble_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("models", nargs="+", help="shipped names or .onnx paths")
    p.add_argument("--out", required=True, help="output stem: writes OUT.onnx and OUT.json")
    p.add_argument("--data-dir", default=None, help="folder of the MNIST .gz files")
    p.set_defaults(handler=_ensemble)


def _ensemble(args: argparse.Namespace) -> int:
    from ..training.ensemble import build_ensemble

    card = build_ensemble(args.models, args.out, args.data_dir)
    print(f"{card['name']}: MNIST test {card['accuracy']['test']:.4f} "
          f"(members {card['accuracy']['members_test']})")
    return 0
