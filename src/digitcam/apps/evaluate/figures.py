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
from . import robustness as R  # noqa: E402
from .robustness import CORRUPTIONS, SEVERITIES  # noqa: E402

DPI = 110
DIGIT_COLOURS = [matplotlib.colormaps["tab10"](k) for k in range(10)]
CONFIDENCE = "confidence (probability of the predicted digit)"
PATH_STYLES = {"digits": ("-", "o", "28x28 input"), "frames": ("--", "s", "camera frame")}


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


def confusion_figure(p: M.Predictions, model: str) -> Figure:
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


def per_class_accuracy_figure(p: M.Predictions, model: str) -> Figure:
    pc = M.per_class(p)
    acc = pc["accuracy"] * 100
    fig, ax = _axes((9, 5))
    bars = ax.bar([str(k) for k in M.CLASSES], acc, color=DIGIT_COLOURS)
    ax.bar_label(bars, labels=[f"{a:.1f}" for a in acc], padding=2, fontsize=9)
    overall = p.correct.mean() * 100
    ax.axhline(overall, color="black", linestyle="--", linewidth=1,
               label=f"overall accuracy {overall:.2f}%")
    low = max(0.0, min(acc.min(), overall) - 5)
    ax.set_ylim(np.floor(low), 100.5)
    _label(ax, f"{model}: accuracy per digit", "true digit",
           "accuracy (% of that digit read correctly)", "lower right")
    return fig


def roc_figure(p: M.Predictions, model: str) -> Figure:
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
    left = 1e-4 if len(p.y_true) > 1000 else 1e-3
    lows = [tpr[min(np.searchsorted(fpr, left), len(tpr) - 1)]  # lowest point in view
            for fpr, tpr in roc["curves"].values()]
    lo = _start(min(lows)) if lows else 0.0
    ax.set_xscale("log")
    ax.set_xlim(left, 1.0)
    ax.set_ylim(lo, 1 + 0.02 * (1 - lo))
    ax.grid(alpha=0.3)
    _label(ax, f"{model}: one-vs-rest ROC curves", "false-positive rate (log scale)",
           "true-positive rate" + (f" (from {lo:g})" if lo else ""), "lower right", 8.5)
    return fig


def pr_figure(p: M.Predictions, model: str) -> Figure:
    pr = M.pr_curves(p)
    fig, ax = _axes((8.5, 6.5))
    for k, (recall, precision) in pr["curves"].items():
        ax.plot(recall, precision, color=DIGIT_COLOURS[k], linewidth=1.2,
                label=f"digit {k} (AP {pr['ap'][k]:.4f})")
    if pr["micro_ap"] is not None:
        ax.plot(*pr["micro"], "k--", linewidth=2, label=f"micro average (AP {pr['micro_ap']:.4f})")
    lo = _zoom(pr["curves"].values())
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


def confidence_figure(p: M.Predictions, model: str) -> Figure:
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
    axn.set_xlabel(CONFIDENCE)
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
        read = p.y_pred[i] != M.NONE
        pred, conf = (str(p.y_pred[i]), f"{p.confidence[i]:.1%}") if read else ("none", "no digit")
        ax.set_title(f"true {p.y_true[i]} -> {pred}\n{conf}  #{_short(p.ids[i])}", fontsize=9,
                     color="darkred")
    if not len(idx):
        axes[0, 0].text(0, 0.5, "no mistakes", fontsize=14)
    fig.suptitle(f"{model}: the {len(idx)} most confident mistakes "
                 "(true -> predicted, confidence, sample)", fontsize=13)
    return fig


def _short(sample_id: str, width: int = 16) -> str:
    """A test-set index as it is; a file as its digit folder and name, cut to `width`."""
    path = Path(sample_id)
    name = f"{path.parent.name}/{path.name}" if path.parent.name else path.name
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


def _tile(img: np.ndarray, height: int, width: int, fill: int) -> np.ndarray:
    """Fit a grey image into height x width (aspect kept, centred), uint8."""
    import cv2

    img = np.asarray(img)
    img = (img * 255).astype(np.uint8) if img.dtype.kind == "f" else img.astype(np.uint8)
    scale = min(height / img.shape[0], width / img.shape[1])
    h, w = max(1, round(img.shape[0] * scale)), max(1, round(img.shape[1] * scale))
    interp = cv2.INTER_NEAREST if scale > 1 else cv2.INTER_AREA
    small = cv2.resize(img, (w, h), interpolation=interp)
    out = np.full((height, width), fill, np.uint8)
    y, x = (height - h) // 2, (width - w) // 2
    out[y : y + h, x : x + w] = small
    return out


def robustness_examples_figure(rows: list[tuple[str, list, list]]) -> Figure:
    """Each corruption at severities 0-5: the 28x28 input, then the camera frame (one mosaic,
    drawn as a single image: quick even with 14 x 12 pictures)."""
    n, size, gap = SEVERITIES + 1, 84, 6
    fh, fw = size, round(size * R.FRAME_SHAPE[1] / R.FRAME_SHAPE[0])
    widths = [size] * n + [fw] * n
    band = []
    for _, digits, frames in rows:
        tiles = [_tile(d, size, size, 0) for d in digits] + [_tile(f, fh, fw, 90) for f in frames]
        line = []
        for i, t in enumerate(tiles):
            line += [t, np.full((size, gap * (3 if i == n - 1 else 1)), 255, np.uint8)]
        band += [np.hstack(line), np.full((gap, sum(x.shape[1] for x in line)), 255, np.uint8)]
    mosaic = np.vstack(band)
    fig, ax = _axes((mosaic.shape[1] / 90 + 2.2, mosaic.shape[0] / 90 + 1.0))
    ax.imshow(mosaic, cmap="gray", vmin=0, vmax=255, interpolation="nearest")
    lefts = np.cumsum([0] + [w + gap * (3 if i == n - 1 else 1) for i, w in enumerate(widths)])
    ax.set_xticks([lefts[i] + widths[i] / 2 for i in range(2 * n)],
                  [f"input {s}" for s in range(n)] + [f"frame {s}" for s in range(n)])
    ax.xaxis.tick_top()
    ax.set_yticks([r * (size + gap) + size / 2 for r in range(len(rows))],
                  [title for title, _, _ in rows])
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_title("The corruptions at severity 0 (clean) to 5: the 28x28 model input (left) and "
                 "the camera frame read by the full pipeline (right)", fontsize=12, pad=28)
    return fig
