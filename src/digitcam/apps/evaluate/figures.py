"""The report's figures, drawn with matplotlib (Agg backend, no window) and saved as PNG.

    fig = roc_figure(predictions, "cnn")
    save(fig, "report/cnn_roc.png")

Every figure has a title naming the model, labelled axes and, where there are several
curves or bars, a legend.
"""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from sklearn.metrics import ConfusionMatrixDisplay  # noqa: E402

from ...io.files import atomic_path  # noqa: E402
from . import metrics as M  # noqa: E402
from .figures_robustness import (  # noqa: E402, F401 (the report's figures, all here)
    robustness_examples_figure,
    robustness_figure,
    tile,
)

DPI = 110
DIGIT_COLOURS = [matplotlib.colormaps["tab10"](k) for k in range(10)]
CONFIDENCE = "confidence (probability of the predicted digit)"


def save(fig: Figure, path: str | os.PathLike) -> Path:
    """Write `fig` as a PNG (atomically: a reader never sees half a file)."""
    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=DPI, format="png", bbox_inches="tight")
    return path


def _axes(size: tuple[float, float]):
    fig = Figure(figsize=size)
    return fig, fig.add_subplot()


def _label(ax, title: str, xlabel: str, ylabel: str, legend: str | None = None,
           fontsize: float | None = None) -> None:
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if legend:
        ax.legend(loc=legend, fontsize=fontsize)


def confusion_figure(p: M.Predictions, model: str, scale: dict | None = None) -> Figure:
    counts, normalised, columns = M.confusion(p)
    none = len(columns) > 10  # a "none" column: files where nothing was read
    fig = Figure(figsize=(15 + none, 6.6))
    for ax, matrix, fmt, title in (
        (fig.add_subplot(1, 2, 1), counts, "d", "counts"),
        (fig.add_subplot(1, 2, 2), normalised * 100, ".1f",
         "% of each true digit (rows sum to 100)"),
    ):
        disp = ConfusionMatrixDisplay(matrix, display_labels=columns)
        disp.plot(ax=ax, cmap="Blues", values_format=fmt, colorbar=True)
        _soften_zeros(disp, matrix)
        if none:
            ax.set_ylim(9.5, -0.5)  # "none" is never the true digit: hide its empty row
        _label(ax, f"Confusion matrix, {title}",
               "predicted digit" + (" (none: nothing read)" if none else ""), "true digit")
    fig.suptitle(f"{model}: confusion matrix ({len(p.y_true):,} samples)", fontsize=14)
    return fig


def _soften_zeros(disp: ConfusionMatrixDisplay, matrix: np.ndarray) -> None:
    """Blank the zero cells so the few real confusions stand out."""
    for (i, j), text in np.ndenumerate(disp.text_):
        if matrix[i, j] == 0:
            text.set_text("")


def per_class_accuracy_figure(p: M.Predictions, model: str, scale: dict | None = None) -> Figure:
    """Errors per digit as bars from 0 (accuracy as their labels); `scale` (shared_scales)
    gives every model of a comparison the same y-range."""
    acc = M.per_class(p)["accuracy"] * 100
    err = 100 - acc
    overall = p.correct.mean() * 100
    fig, ax = _axes((9, 5))
    bars = ax.bar([str(k) for k in M.CLASSES], err, color="tab:blue", label="error rate")
    ax.bar_label(bars, labels=[f"{a:.1f}%" for a in acc], padding=2, fontsize=9)
    ax.axhline(100 - overall, color="black", linestyle="--", linewidth=1,
               label=f"overall: {overall:.2f}% right, {100 - overall:.2f}% wrong")
    top = (scale or {}).get("error_top", _error_top(p))
    ax.set_ylim(0, top)
    ax.margins(x=0.02)
    _label(ax, f"{model}: errors per digit ({len(p.y_true):,} samples; labels: accuracy)",
           "true digit", "error rate (% of that digit read wrong)", "best")
    ax.title.set_y(1.02)
    return fig


def _error_top(p: M.Predictions) -> float:
    """The top of the per-digit error axis: the largest error rate plus room for labels."""
    err = 100 - M.per_class(p)["accuracy"] * 100
    worst = max(float(np.nanmax(err)) if len(err) else 0.0, 100 - p.correct.mean() * 100)
    return max(worst, 0.5) * 1.3


def shared_scales(preds: dict[str, M.Predictions]) -> dict:
    """One y-range per kind of figure for every model of a comparison (so that bars and
    curves can be compared by eye): the per-digit errors' top, the ROC and PR axes' start."""
    return {"error_top": max(_error_top(p) for p in preds.values()),
            "roc_lo": min(_roc_lo(p, M.roc_curves(p)) for p in preds.values()),
            "pr_lo": min(_zoom(M.pr_curves(p)["curves"].values()) for p in preds.values())}


def _roc_left(p: M.Predictions) -> float:
    return 1e-4 if len(p.y_true) > 1000 else 1e-3


def _roc_lo(p: M.Predictions, roc: dict) -> float:
    left = _roc_left(p)
    lows = [tpr[min(np.searchsorted(fpr, left), len(tpr) - 1)]  # lowest point in view
            for fpr, tpr in roc["curves"].values()]
    return _start(min(lows)) if lows else 0.0


def roc_figure(p: M.Predictions, model: str, scale: dict | None = None) -> Figure:
    roc = M.roc_curves(p)
    fig, ax = _axes((8.5, 6.5))
    for k, (fpr, tpr) in roc["curves"].items():
        ax.plot(np.maximum(fpr, 1e-5), tpr, color=DIGIT_COLOURS[k], linewidth=1.2,
                label=f"digit {k} (AUC {roc['auc'][k]:.6f})")
    if roc["micro_auc"] is not None:
        ax.plot(np.maximum(roc["micro"][0], 1e-5), roc["micro"][1], "k--", linewidth=2,
                label=f"micro average (AUC {roc['micro_auc']:.6f})")
        ax.plot(np.maximum(roc["macro"][0], 1e-5), roc["macro"][1], ":", color="grey",
                linewidth=2.5, label=f"macro average (AUC {roc['macro_auc']:.6f})")
    left = _roc_left(p)
    lo = (scale or {}).get("roc_lo", _roc_lo(p, roc))
    ax.set_xscale("log")
    ax.set_xlim(left, 1.0)
    ax.set_ylim(lo, 1 + 0.02 * (1 - lo))
    ax.grid(alpha=0.3)
    _label(ax, f"{model}: one-vs-rest ROC curves", "false-positive rate (log scale)",
           "true-positive rate" + (f" (from {lo:g})" if lo else ""), "lower right", 8.5)
    return fig


def pr_figure(p: M.Predictions, model: str, scale: dict | None = None) -> Figure:
    pr = M.pr_curves(p)
    fig, ax = _axes((8.5, 6.5))
    for k, (recall, precision) in pr["curves"].items():
        ax.plot(recall, precision, color=DIGIT_COLOURS[k], linewidth=1.2,
                label=f"digit {k} (AP {pr['ap'][k]:.4f})")
    if pr["micro_ap"] is not None:
        ax.plot(*pr["micro"], "k--", linewidth=2, label=f"micro average (AP {pr['micro_ap']:.4f})")
        ax.plot(*pr["macro"], ":", color="grey", linewidth=2.5,
                label=f"macro average (AP {pr['macro_ap']:.4f})")
    lo = (scale or {}).get("pr_lo", _zoom(pr["curves"].values()))
    top = 1 + 0.02 * (1 - lo)
    ax.set_xlim(lo, top)
    ax.set_ylim(lo, top)
    ax.grid(alpha=0.3)
    start = f" (from {lo:g})" if lo else ""
    _label(ax, f"{model}: precision-recall curves, one digit against the rest",
           "recall" + start, "precision" + start, "lower left", 8.5)
    return fig


def _start(lowest: float) -> float:
    """Where an axis should start to show values down to `lowest` (0 to 0.98), so that good
    curves do not all hide in one corner: a step (0.1, or 0.01 above 0.9) below it."""
    step = 0.1 if lowest < 0.9 else 0.01
    return float(np.clip(np.floor(lowest / step) * step - step, 0.0, 0.98))


def _zoom(curves, recall_up_to: float = 0.98) -> float:
    """Start of both axes of the PR plot: below the lowest precision up to `recall_up_to`."""
    lows = [precision[recall <= recall_up_to].min() for recall, precision in curves
            if (recall <= recall_up_to).any()]
    return _start(min(lows)) if lows else 0.0


def confidence_figure(p: M.Predictions, model: str, scale: dict | None = None) -> Figure:
    conf, correct, read = p.confidence, p.correct, p.read
    fig, ax = _axes((9, 5))
    wrong = read & ~correct
    ax.hist([conf[correct], conf[wrong]], bins=np.linspace(0, 1, 21),
            color=["tab:green", "tab:red"],
            label=[f"correct ({correct.sum():,})", f"wrong ({wrong.sum():,})"])
    ax.set_yscale("log")
    ax.set_xlim(0, 1)
    _label(ax, f"{model}: confidence of correct and wrong predictions", CONFIDENCE,
           "number of samples (log scale)", "upper left")
    return fig


def reliability_figure(p: M.Predictions, model: str, scale: dict | None = None) -> Figure:
    cal = M.calibration(p)
    edges, count = cal["edges"], cal["count"]
    width = np.diff(edges)
    used = count > 0
    fig = Figure(figsize=(7.5, 8))
    ax, axn = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    acc, conf = cal["accuracy"][used], cal["confidence"][used]
    ax.bar(edges[:-1][used], acc, width=width[used], align="edge", color="tab:blue",
           edgecolor="black", label="accuracy in the bin")
    ax.bar(edges[:-1][used], np.abs(conf - acc), width=width[used], bottom=np.minimum(acc, conf),
           align="edge", fill=False, edgecolor="tab:red", hatch="//",
           label="gap to the bin's mean confidence")
    ax.plot([0, 1], [0, 1], "k--", label="perfect calibration")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_ylabel("accuracy")
    ax.set_title(f"{model}: reliability diagram (ECE {cal['ece'] * 100:.2f}%)"
                 + ("\n" + ece_caveat(len(p.y_true)) if ece_caveat(len(p.y_true)) else ""),
                 fontsize=11 if ece_caveat(len(p.y_true)) else None)
    ax.legend(loc="upper left")
    axn.bar(edges[:-1][used], count[used], width=width[used], align="edge", color="grey",
            edgecolor="black")
    axn.set_yscale("log")
    axn.set_xlabel(CONFIDENCE)
    axn.set_ylabel("samples per bin")
    return fig


def ece_caveat(samples: int) -> str:
    """A warning for an ECE measured on few samples ('' from ECE_RELIABLE on)."""
    if samples >= M.ECE_RELIABLE:
        return ""
    return (f"only {samples:,} samples: ECE is a rough, upward-biased estimate "
            f"(reliable from about {M.ECE_RELIABLE:,})")


def mistakes_figure(p: M.Predictions, model: str, scale: dict | None = None,
                    columns: int = 6) -> Figure:
    """The most confident mistakes: the 28x28 input; for a file of the user's own dataset,
    the original photo beside it (what was photographed, then what the model saw)."""
    idx = M.confident_mistakes(p)
    photos = [_photo(p.ids[i]) for i in idx]
    with_photos = any(ph is not None for ph in photos)
    columns = 4 if with_photos else columns
    rows = max(1, int(np.ceil(len(idx) / columns)))
    fig = Figure(figsize=(columns * (3.0 if with_photos else 1.7), rows * 2.0 + 0.6))
    axes = fig.subplots(rows, columns, squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, i, photo in zip(axes.ravel(), idx, photos):
        ax.imshow(_beside(photo, p.images[i]) if with_photos else p.images[i], cmap="gray",
                  vmin=0, vmax=255)
        read = p.y_pred[i] != M.NONE
        pred, conf = (str(p.y_pred[i]), f"{p.confidence[i]:.1%}") if read else ("none", "no digit")
        ax.set_title(f"true {p.y_true[i]} -> {pred}\n{conf}  #{_short(p.ids[i])}", fontsize=9,
                     color="darkred")
    if not len(idx):
        axes[0, 0].text(0, 0.5, "no mistakes", fontsize=14)
    what = ("photo, then the 28x28 input the model saw; " if with_photos else "")
    fig.suptitle(f"{model}: the {len(idx)} most confident mistakes "
                 f"({what}true -> predicted, confidence, sample)", fontsize=13)
    return fig


def _photo(sample_id: str) -> np.ndarray | None:
    """The original picture of a dataset file, grey (None for an MNIST index or on failure)."""
    path = Path(sample_id)
    if not path.suffix or not path.is_file():
        return None
    from ...io.frames import to_gray
    from ...io.images import read_image

    try:
        return to_gray(read_image(path))
    except Exception:  # a mistake's picture is an illustration: never fail the report
        return None


def _beside(photo: np.ndarray | None, crop: np.ndarray, size: int = 84) -> np.ndarray:
    """The photo (or a blank) and the crop side by side, one grey image."""
    left = tile(photo, size, round(size * 1.4), 255) if photo is not None else \
        np.full((size, round(size * 1.4)), 255, np.uint8)
    gap = np.full((size, 6), 255, np.uint8)
    return np.hstack([left, gap, tile(crop, size, size, 0)])


def _short(sample_id: str, width: int = 16) -> str:
    """A test-set index as it is; a file as its digit folder and name, cut to `width`."""
    path = Path(sample_id)
    name = f"{path.parent.name}/{path.name}" if path.parent.name else path.name
    return name if len(name) <= width else "..." + name[-(width - 3):]

