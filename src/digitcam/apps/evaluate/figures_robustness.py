"""The robustness study's figures: accuracy against severity (every model and path), and a
mosaic of the corruptions at each severity. Re-exported by figures.py."""

from __future__ import annotations

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from . import robustness as R
from .robustness import CORRUPTIONS, SEVERITIES

PATH_STYLES = {"digits": ("-", "o", "28x28 input"), "frames": ("--", "s", "camera frame")}


def _axes(size: tuple[float, float]):
    fig = Figure(figsize=size)
    return fig, fig.add_subplot()


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


def tile(img: np.ndarray, height: int, width: int, fill: int) -> np.ndarray:
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
        tiles = [tile(d, size, size, 0) for d in digits] + [tile(f, fh, fw, 90) for f in frames]
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
