"""The accuracy-against-coverage figure: how --min-confidence trades readings kept for
accuracy (the default 0.5 comes from it), every compared model overlaid in one figure."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from . import metrics as M
from .figures import DIGIT_COLOURS, _axes, _label, _start


def coverage_figure(preds: dict[str, M.Predictions], min_confidence: float) -> Figure:
    """Accuracy against coverage as --min-confidence rises from 0 to 0.99, every model in one
    figure; dots mark `min_confidence` (the setting used, by default 0.5)."""
    fig, ax = _axes((8.5, 6))
    lows = []
    for k, (name, p) in enumerate(preds.items()):
        cov = M.coverage_curve(p)
        ok = ~np.isnan(cov["accuracy"])
        x, y = cov["coverage"][ok] * 100, cov["accuracy"][ok] * 100
        colour = DIGIT_COLOURS[k % 10]
        ax.plot(x, y, color=colour, linewidth=1.8, label=name)
        at = int(np.argmin(np.abs(cov["thresholds"] - min_confidence)))
        if ok[at]:
            ax.plot(cov["coverage"][at] * 100, cov["accuracy"][at] * 100, "o", color=colour,
                    markersize=7, markeredgecolor="black")
            ax.annotate(f"{min_confidence:g}: {cov['coverage'][at]:.1%} kept, "
                        f"{cov['accuracy'][at]:.2%} right", (cov["coverage"][at] * 100,
                                                           cov["accuracy"][at] * 100),
                        textcoords="offset points", xytext=(-10, -16 - 12 * k), ha="right",
                        fontsize=9, color=colour)
        lows.append(float(y.min()) if len(y) else 100.0)
    lo = _start(min(lows) / 100) * 100 if lows else 0.0
    ax.set_ylim(lo, 100 + 0.03 * (100 - lo))
    ax.set_xlim(None, 100.5)
    ax.grid(alpha=0.3)
    n = len(next(iter(preds.values())).y_true) if preds else 0
    _label(ax, f"Accuracy against coverage as --min-confidence rises ({n:,} samples)",
           "coverage (% of samples read with confidence >= --min-confidence)",
           "accuracy of those read (%)", "lower left")
    ax.text(0.99, 0.02, f"dots: --min-confidence {min_confidence:g}; left along a curve: "
            "higher thresholds", transform=ax.transAxes, ha="right", fontsize=8, color="grey")
    return fig
