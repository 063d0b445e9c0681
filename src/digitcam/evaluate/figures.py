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

from . import metrics as M  # noqa: E402
from .robustness import CORRUPTIONS, SEVERITIES  # noqa: E402

DPI = 110
DIGIT_COLOURS = [matplotlib.colormaps["tab10"](k) for k in range(10)]
PATH_STYLES = {"digits": ("-", "o", "28x28 input"), "frames": ("--", "s", "camera frame")}


def save(fig: Figure, path: str | os.PathLike) -> Path:
    """Write `fig` as a PNG (atomically: a reader never sees half a file)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.part")
    fig.savefig(tmp, dpi=DPI, format="png", bbox_inches="tight")
    os.replace(tmp, path)
    return path


def confusion_figure(p: M.Predictions, model: str) -> Figure:
    counts, normalised, columns = M.confusion(p)
    rows = columns if len(columns) == 10 else columns[:-1]
    fig = Figure(figsize=(15, 6.6))
    for ax, matrix, fmt, title in (
        (fig.add_subplot(1, 2, 1), counts, "d", "counts"),
        (fig.add_subplot(1, 2, 2), normalised * 100, ".1f",
         "% of each true digit (rows sum to 100)"),
    ):
        shown = matrix[: len(rows)]
        disp = ConfusionMatrixDisplay(shown, display_labels=columns)
        disp.plot(ax=ax, cmap="Blues", values_format=fmt, colorbar=True)
        _soften_zeros(disp, shown)
        ax.set_yticks(range(len(rows)), rows)
        ax.set_title(f"Confusion matrix, {title}")
        ax.set_xlabel("predicted digit")
        ax.set_ylabel("true digit")
    fig.suptitle(f"{model}: confusion matrix ({len(p.y_true):,} samples)", fontsize=14)
    return fig


def _soften_zeros(disp: ConfusionMatrixDisplay, matrix: np.ndarray) -> None:
    """Blank the zero cells so the few real confusions stand out."""
    for (i, j), text in np.ndenumerate(disp.text_):
        if matrix[i, j] == 0:
            text.set_text("")


def per_class_accuracy_figure(p: M.Predictions, model: str) -> Figure:
    pc = M.per_class(p)
    acc = pc["accuracy"] * 100
    fig = Figure(figsize=(9, 5))
    ax = fig.add_subplot()
    bars = ax.bar([str(k) for k in M.CLASSES], acc, color=DIGIT_COLOURS)
    ax.bar_label(bars, labels=[f"{a:.1f}" for a in acc], padding=2, fontsize=9)
    overall = p.correct.mean() * 100
    ax.axhline(overall, color="black", linestyle="--", linewidth=1,
               label=f"overall accuracy {overall:.2f}%")
    low = max(0.0, min(acc.min(), overall) - 5)
    ax.set_ylim(np.floor(low), 100.5)
    ax.set_xlabel("true digit")
    ax.set_ylabel("accuracy (% of that digit read correctly)")
    ax.set_title(f"{model}: accuracy per digit")
    ax.legend(loc="lower right")
    return fig


def roc_figure(p: M.Predictions, model: str) -> Figure:
    roc = M.roc_curves(p)
    fig = Figure(figsize=(8.5, 6.5))
    ax = fig.add_subplot()
    for k, (fpr, tpr) in roc["curves"].items():
        ax.plot(np.maximum(fpr, 1e-5), tpr, color=DIGIT_COLOURS[k], linewidth=1.2,
                label=f"digit {k} (AUC {roc['auc'][k]:.4f})")
    if roc["micro_auc"] is not None:
        ax.plot(np.maximum(roc["micro"][0], 1e-5), roc["micro"][1], "k--", linewidth=2,
                label=f"micro average (AUC {roc['micro_auc']:.4f})")
        ax.plot(np.maximum(roc["macro"][0], 1e-5), roc["macro"][1], ":", color="grey",
                linewidth=2.5, label=f"macro average (AUC {roc['macro_auc']:.4f})")
    ax.set_xscale("log")
    ax.set_xlim(1e-4 if len(p.y_true) > 1000 else 1e-3, 1.0)
    ax.set_ylim(0.0, 1.02)
    ax.set_xlabel("false-positive rate (log scale)")
    ax.set_ylabel("true-positive rate")
    ax.set_title(f"{model}: one-vs-rest ROC curves")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize=8.5)
    return fig


def pr_figure(p: M.Predictions, model: str) -> Figure:
    pr = M.pr_curves(p)
    fig = Figure(figsize=(8.5, 6.5))
    ax = fig.add_subplot()
    for k, (recall, precision) in pr["curves"].items():
        ax.plot(recall, precision, color=DIGIT_COLOURS[k], linewidth=1.2,
                label=f"digit {k} (AP {pr['ap'][k]:.4f})")
    if pr["micro_ap"] is not None:
        ax.plot(*pr["micro"], "k--", linewidth=2, label=f"micro average (AP {pr['micro_ap']:.4f})")
    lo = _zoom(pr["curves"].values())
    ax.set_xlim(lo, 1.005)
    ax.set_ylim(lo, 1.005)
    ax.set_xlabel("recall" + (f" (from {lo:.1f})" if lo else ""))
    ax.set_ylabel("precision" + (f" (from {lo:.1f})" if lo else ""))
    ax.set_title(f"{model}: precision-recall curves, one digit against the rest")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left", fontsize=8.5)
    return fig


def _zoom(curves, recall_up_to: float = 0.98) -> float:
    """Where to start both axes of the PR plot: just below the lowest precision reached up to
    `recall_up_to` recall, so that good curves do not all hide in one corner."""
    lows = [precision[recall <= recall_up_to].min() for recall, precision in curves
            if (recall <= recall_up_to).any()]
    if not lows:
        return 0.0
    return float(np.clip(np.floor(min(lows) * 10) / 10 - 0.1, 0.0, 0.8))


def confidence_figure(p: M.Predictions, model: str) -> Figure:
    conf, correct, read = p.confidence, p.correct, p.read
    fig = Figure(figsize=(9, 5))
    ax = fig.add_subplot()
    wrong = read & ~correct
    ax.hist([conf[correct], conf[wrong]], bins=np.linspace(0, 1, 21),
            color=["tab:green", "tab:red"],
            label=[f"correct ({correct.sum():,})", f"wrong ({wrong.sum():,})"])
    ax.set_yscale("log")
    ax.set_xlim(0, 1)
    ax.set_xlabel("confidence (probability of the predicted digit)")
    ax.set_ylabel("number of samples (log scale)")
    ax.set_title(f"{model}: confidence of correct and wrong predictions")
    ax.legend(loc="upper left")
    return fig


def reliability_figure(p: M.Predictions, model: str) -> Figure:
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
    ax.set_title(f"{model}: reliability diagram (ECE {cal['ece'] * 100:.2f}%)")
    ax.legend(loc="upper left")
    axn.bar(edges[:-1][used], count[used], width=width[used], align="edge", color="grey",
            edgecolor="black")
    axn.set_yscale("log")
    axn.set_xlabel("confidence (probability of the predicted digit)")
    axn.set_ylabel("samples per bin")
    return fig


def mistakes_figure(p: M.Predictions, model: str, columns: int = 6) -> Figure:
    idx = M.confident_mistakes(p)
    rows = max(1, int(np.ceil(len(idx) / columns)))
    fig = Figure(figsize=(columns * 1.7, rows * 2.0 + 0.6))
    axes = fig.subplots(rows, columns, squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, i in zip(axes.ravel(), idx):
        ax.imshow(p.images[i], cmap="gray", vmin=0, vmax=255)
        pred = "none" if p.y_pred[i] == M.NONE else str(p.y_pred[i])
        ax.set_title(f"true {p.y_true[i]} -> {pred}\n{p.confidence[i]:.1%}  #{_short(p.ids[i])}",
                     fontsize=9, color="darkred")
    if not len(idx):
        axes[0, 0].text(0, 0.5, "no mistakes", fontsize=14)
    fig.suptitle(f"{model}: the {len(idx)} most confident mistakes "
                 "(true -> predicted, confidence, sample)", fontsize=13)
    return fig


def _short(sample_id: str, width: int = 14) -> str:
    name = Path(sample_id).name
    return name if len(name) <= width else "..." + name[-(width - 3):]


def robustness_figure(results: dict[str, dict], sizes: str = "") -> Figure:
    """One panel per corruption: accuracy against severity, each model and each path."""
    cols = 4
    rows = int(np.ceil((len(CORRUPTIONS) + 1) / cols))
    fig = Figure(figsize=(cols * 4.0, rows * 3.1))
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    colours = matplotlib.colormaps["tab10"]
    handles = []
    for ax, c in zip(axes, CORRUPTIONS):
        for mi, (model, res) in enumerate(results.items()):
            for part, (style, marker, label) in PATH_STYLES.items():
                if part not in res:
                    continue
                acc = [res[part]["clean"], *res[part]["corruptions"][c.name]]
                (line,) = ax.plot(range(SEVERITIES + 1), np.array(acc) * 100, linestyle=style,
                                  marker=marker, markersize=4,
                                  color=colours(2 * mi + (part == "frames")),
                                  label=f"{model}, {label}")
                if c is CORRUPTIONS[0]:
                    handles.append(line)
        ax.set_title(c.title, fontsize=11)
        ax.set_ylim(-2, 102)
        ax.set_xticks(range(SEVERITIES + 1))
        ax.set_xlabel("severity (0 = clean)", fontsize=9)
        ax.set_ylabel("accuracy %", fontsize=9)
        ax.grid(alpha=0.3)
    for ax in axes[len(CORRUPTIONS):]:
        ax.axis("off")
    axes[len(CORRUPTIONS)].legend(handles=handles, loc="center", fontsize=10,
                                  title="model, where the corruption is applied")
    fig.suptitle("Accuracy against corruption severity" + (f"\n{sizes}" if sizes else ""),
                 fontsize=14)
    fig.tight_layout()
    return fig


def robustness_examples_figure(rows: list[tuple[str, list, list]]) -> Figure:
    """Each corruption at severities 0-5: the 28x28 input, then the camera frame."""
    n = SEVERITIES + 1
    fig = Figure(figsize=(2 * n * 1.15 + 1.6, len(rows) * 1.0 + 0.8))
    axes = fig.subplots(len(rows), 2 * n, squeeze=False)
    for r, (title, digits, frames) in enumerate(rows):
        for s in range(n):
            for ax, img in ((axes[r, s], digits[s] * 255), (axes[r, n + s], frames[s])):
                ax.imshow(img, cmap="gray", vmin=0, vmax=255)
                ax.set_xticks([])
                ax.set_yticks([])
        axes[r, 0].set_ylabel(title, rotation=0, ha="right", va="center", fontsize=10)
    for s in range(n):
        axes[0, s].set_title(f"input {s}", fontsize=9)
        axes[0, n + s].set_title(f"frame {s}", fontsize=9)
    fig.suptitle("The corruptions at severity 0 (clean) to 5: 28x28 model input (left), "
                 "camera frame read by the full pipeline (right)", fontsize=12)
    return fig
