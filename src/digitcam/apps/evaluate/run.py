"""`digitcam evaluate`: predictions -> metrics.json, one PNG per figure, report.html.

    from digitcam.apps.evaluate.run import evaluate
    exit_code = evaluate(EvaluateConfig(models=("deep",), limit=1000))   # see config.py

MNIST (the default dataset): the test set's 28x28 images go straight to each model, in
batches; the robustness study follows. A folder (--dataset DIR): every file is read through
`Recognizer.read` (see dataset.py for how a file counts).
"""

from __future__ import annotations

import json
import re
import sys
import time
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from ... import __version__
from ...io.files import atomic_dir, atomic_write_text
from ...io.machine import machine_description
from ...reader import DEFAULT_MIN_CONFIDENCE
from . import figures as F
from . import progress_bar
from . import robustness as R
from .config import EvaluateConfig
from .dataset import list_dataset, read_dataset
from .figures_coverage import coverage_figure
from .metrics import Predictions, summarize
from .report import build_html
from .strings import evaluate_labelled, is_labelled

BATCH = 1000
MODEL_FIGURES = {
    "confusion": F.confusion_figure, "per_class_accuracy": F.per_class_accuracy_figure,
    "roc": F.roc_figure, "pr": F.pr_figure, "confidence": F.confidence_figure,
    "reliability": F.reliability_figure, "mistakes": F.mistakes_figure,
}


def recognizers(cfg: EvaluateConfig) -> dict:
    """One recogniser per --model, by a unique display name (the file stem)."""
    out: dict = {}
    for model in cfg.models:
        r = cfg.reading.recognizer(model)
        name, n = r.model_name, 2
        while name in out:
            name, n = f"{r.model_name}-{n}", n + 1
        out[name] = r
    return out


def classify_mnist(recs: dict, x: np.ndarray, y: np.ndarray,
                   progress: bool | None) -> tuple[dict[str, Predictions], dict[str, float]]:
    """Every test image through every model, BATCH at a time; and the seconds per model."""
    probs = {name: [] for name in recs}
    seconds = dict.fromkeys(recs, 0.0)
    with progress_bar(None, progress, total=len(x) * len(recs), desc="classifying",
                      unit="img") as bar:
        for name, r in recs.items():
            for start in range(0, len(x), BATCH):
                t = time.perf_counter()
                probs[name].append(r.classifier.predict_proba(x[start:start + BATCH]))
                seconds[name] += time.perf_counter() - t
                bar.update(len(x[start:start + BATCH]))
    ids = [str(i) for i in range(len(x))]
    return {n: Predictions.from_probs(y, np.concatenate(p), x, ids) for n, p in probs.items()}, \
        seconds


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)


def write_figures(out: Path, preds: dict[str, Predictions], robustness: dict | None,
                  rob: dict | None, digit: np.ndarray | None,
                  progress: bool | None, min_confidence: float = DEFAULT_MIN_CONFIDENCE,
                  ) -> dict[str, Path]:
    scale = F.shared_scales(preds) if len(preds) > 1 else None  # one y-range per comparison
    jobs = [(f"{n}/{k}", f"{_safe(n)}_{k}.png", lambda fn=fn, n=n: fn(preds[n], n, scale))
            for n in preds for k, fn in MODEL_FIGURES.items()]
    jobs.append(("coverage", "coverage.png", lambda: coverage_figure(preds, min_confidence)))
    if robustness:
        sizes = (f"28x28 inputs: {rob['digits_per_level']:,} digits per level; camera frames: "
                 f"{rob['frames_per_level']:,} per level")
        jobs.append(("robustness", "robustness.png",
                     lambda: F.robustness_figure(robustness, sizes)))
        jobs.append(("robustness_examples", "robustness_examples.png",
                     lambda: F.robustness_examples_figure(R.example_grid(digit))))
    paths = {}
    for key, filename, make in progress_bar(jobs, progress, desc="figures", unit="fig"):
        paths[key] = F.save(make(), out / filename)
    return paths


def _model_info(r, seconds: float | None, samples: int) -> dict:
    card = r.classifier.card
    return {"path": str(r.classifier.path),
            "card": {"test_accuracy": card.get("accuracy", {}).get("test"),
                     "parameters": card.get("parameters")},
            "ms_per_image": round(1000 * seconds / samples, 4) if seconds and samples else None}


def _method(cfg: EvaluateConfig, kind: str, samples: int, rob: dict | None) -> list[str]:
    lines = []
    threshold = "auto" if cfg.reading.threshold is None else cfg.reading.threshold
    if kind == "mnist":
        lines.append(f"MNIST test set, {samples:,} images" + (
            f" (the first {cfg.limit:,} only, --limit)" if cfg.limit else "")
            + ": each 28x28 image goes straight to the model (ONNX Runtime, batches of "
            f"{BATCH}); the prediction is the most probable digit.")
    else:
        lines += [
            f"Folder {cfg.dataset}: every file is read through Recognizer.read, the path "
            "`digitcam predict` takes (mode "
            f"{cfg.reading.mode}, threshold {threshold}).",
            "Exact reading: a file is right when exactly that one digit is read, readings below "
            "the recogniser's confidence threshold left out (what `digitcam predict` prints).",
            "Class metrics (confusion, ROC, precision-recall, calibration, mistakes): each file "
            "counts with its most confident detection, below the threshold too; a file where "
            "nothing digit-like was found is predicted 'none' (wrong, all probabilities zero). "
            "The mistakes show the 28x28 crop the model saw (where nothing was read: the whole "
            "picture, shrunk).",
            "Unreadable files are listed and left out of every number; the command then exits "
            "with code 1."]
    lines.append("ROC and precision-recall: one digit against the rest, from the predicted "
                 "probabilities (scikit-learn); micro averages pool every (sample, digit) pair, "
                 "macro averages are the mean over digits.")
    if rob:
        lines.append(rob["note"])
    return lines


def robustness_note(n_digits: int, n_frames: int, samples: int) -> str:
    return (
        f"Robustness on a random sample of the test set, the same for every level and model: "
        f"{n_digits:,} digits per level as 28x28 inputs, {n_frames:,} per level as "
        f"{R.FRAME_SHAPE[1]}x{R.FRAME_SHAPE[0]} camera frames (dark pen on paper, digits "
        f"{R.DIGIT_HEIGHT} px tall) read by Recognizer.read, out of {samples:,} test images. "
        "A frame counts when exactly that digit is read. With n samples an accuracy p is "
        "uncertain by about sqrt(p(1-p)/n): about 1.4 points for n=1000, 4.5 for n=100 at p=0.8. "
        f"Mean corruption accuracy: the mean over {len(R.CORRUPTIONS)} corruptions and "
        f"{R.SEVERITIES} severities.")


def _on_mnist(cfg: EvaluateConfig, recs: dict, progress) -> dict:
    from ...data.mnist import load_mnist_data

    _, (x, y) = load_mnist_data(cfg.data_dir)
    x, y = (x[: cfg.limit], y[: cfg.limit]) if cfg.limit else (x, y)
    preds, seconds = classify_mnist(recs, x, y, progress)
    part = {"name": "the MNIST test set", "preds": preds, "seconds": seconds, "rob": None,
            "results": None, "digit": x[0] if len(x) else None, "unreadable": [], "files": {}}
    n_digits, n_frames = min(cfg.robust_digits, len(x)), min(cfg.robust_frames, len(x))
    if cfg.robustness and (n_digits or n_frames):
        part["rob"] = {"digits_per_level": n_digits, "frames_per_level": n_frames,
                       "frame_shape": list(R.FRAME_SHAPE), "seed": cfg.seed,
                       "note": robustness_note(n_digits, n_frames, len(x))}
        part["results"] = R.measure(recs, x, y, n_digits, n_frames, cfg.seed, progress)
    return part


def _on_folder(cfg: EvaluateConfig, recs: dict, progress) -> dict:
    items = list_dataset(cfg.dataset, cfg.limit)
    preds, unreadable, files = read_dataset(recs, items, progress)
    return {"name": str(cfg.dataset), "preds": preds, "seconds": {}, "rob": None,
            "results": None, "digit": None, "unreadable": unreadable, "files": files}


def evaluate(cfg: EvaluateConfig) -> int:
    progress = cfg.progress
    out = Path(cfg.out)
    check_out(out)
    kind = "mnist" if cfg.dataset in (None, "mnist") else (
        "labelled" if is_labelled(cfg.dataset) else "folder")
    if kind == "mnist" and cfg.reading.mode is None:  # the classifiers' analysis
        cfg = replace(cfg, reading=replace(cfg.reading, mode="multi"))
    recs = recognizers(cfg)
    if kind == "labelled":
        return evaluate_labelled(cfg, recs, out, progress)
    part = (_on_mnist if kind == "mnist" else _on_folder)(cfg, recs, progress)
    preds, rob = part["preds"], part["rob"]
    samples = len(next(iter(preds.values())).y_true)
    if samples == 0:
        raise ValueError(f"{part['name']}: no readable samples to evaluate")
    models = {}
    for n, p in preds.items():
        models[n] = {**_model_info(recs[n], part["seconds"].get(n), samples), **summarize(p)}
        if rob:
            models[n]["robustness"] = part["results"][n]
        if part["files"]:
            models[n]["files"] = part["files"][n]
    metrics = {
        "digitcam_version": __version__,
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": machine_description(), "command": " ".join(["digitcam", *sys.argv[1:]]),
        "dataset": {"kind": kind, "name": part["name"], "samples": samples,
                    "limit": cfg.limit},
        "models": models, "robustness": rob, "unreadable": part["unreadable"],
        "method": _method(cfg, kind, samples, rob),
    }
    min_confidence = cfg.reading.min_confidence
    metrics["min_confidence"] = DEFAULT_MIN_CONFIDENCE if min_confidence is None \
        else min_confidence
    with atomic_dir(out) as tmp:  # OUT holds this whole run or the previous one
        figs = write_figures(tmp, preds, part["results"], rob, part["digit"], progress,
                             metrics["min_confidence"])
        metrics["figures"] = {k: p.name for k, p in figs.items()}
        atomic_write_text(tmp / "metrics.json", json.dumps(metrics, indent=2) + "\n")
        atomic_write_text(tmp / "report.html", build_html(metrics, figs))
    return _print_summary(out, metrics)


def check_out(out: Path) -> None:
    """--out is replaced as a whole at the end of the run, so it must be a new folder in
    an existing one, an empty folder or an earlier report (nothing else is ever removed)."""
    if not out.parent.is_dir():
        raise ValueError(f"--out {out}: no folder {out.parent} to write it in")
    if not out.exists():
        return
    if not out.is_dir():
        raise ValueError(f"--out {out}: exists and is not a folder")
    if out.resolve() in (Path.cwd(), *Path.cwd().parents):
        raise ValueError(f"--out {out}: the current folder or one above it; name a new one")
    others = [p.name for p in out.iterdir()
              if p.name not in ("metrics.json", "report.html") and p.suffix != ".png"]
    if others:
        raise ValueError(f"--out {out}: holds files that are not a report ({others[0]}, ...); "
                         "name a new or empty folder")


def _summary_line(name: str, m: dict, ds: dict) -> str:
    if ds["kind"] == "folder":
        return (f"{name}: read exactly {m['exact_read_accuracy']:.2%} of {ds['samples']:,} files "
                f"in {ds['name']} (most confident reading right: {m['accuracy']:.2%})")
    line = f"{name}: accuracy {m['accuracy']:.2%} on {ds['name']} ({ds['samples']:,} samples"
    if m["card"]["test_accuracy"] is not None:
        line += f"; model card {m['card']['test_accuracy']:.2%}"
    line += ")"
    if "robustness" in m:
        line += ", mean corruption accuracy " + ", ".join(
            f"{part} {r['mean_corruption_accuracy']:.1%}" for part, r in m["robustness"].items())
    return line


def _print_summary(out: Path, metrics: dict) -> int:
    for b in metrics["unreadable"]:
        print(f"digitcam: {b['path']}: {b['error']}", file=sys.stderr)
    for name, m in metrics["models"].items():
        print(_summary_line(name, m, metrics["dataset"]))
    print(f"report: {out / 'report.html'} (metrics.json and {len(metrics['figures'])} figures "
          f"in {out})")
    if metrics["unreadable"]:
        print(f"digitcam: {len(metrics['unreadable'])} file(s) could not be read "
              "(listed in the report)", file=sys.stderr)
        return 1
    return 0
