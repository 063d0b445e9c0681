"""The report's figures as a reader checks them (issue 12, point 16), on made-up predictions
(fast): honest axes, one y-range per comparison, no overlaps, the macro PR average, AUC as
printed in the legend, the robustness table without a repeated clean row, the ECE caveat, the
accuracy-against-coverage curve, mistakes of a user's photos shown beside their crops."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

pytest.importorskip("sklearn")
pytest.importorskip("matplotlib")

from digitcam.apps.evaluate import figures as F  # noqa: E402
from digitcam.apps.evaluate import metrics as M  # noqa: E402
from digitcam.apps.evaluate import report  # noqa: E402
from digitcam.apps.evaluate.figures_coverage import coverage_figure  # noqa: E402


def predictions(n: int, error: float, seed: int, ids=None) -> M.Predictions:
    """n samples, about `error` of them wrong, confidences lower on the wrong ones."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 10
    wrong = rng.random(n) < error
    pred = np.where(wrong, (y + 1 + rng.integers(0, 8, n)) % 10, y)
    conf = np.where(wrong, rng.uniform(0.3, 0.9, n), rng.uniform(0.6, 1.0, n))
    probs = np.full((n, 10), 0.0)
    probs[np.arange(n), pred] = conf
    probs += (1 - conf)[:, None] / 10
    probs[np.arange(n), pred] -= (1 - conf) / 10
    images = rng.integers(0, 255, (n, 28, 28)).astype(np.uint8)
    return M.Predictions.from_probs(y, probs, images, ids)


def drawn(fig):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return canvas.get_renderer()


def test_per_digit_errors_start_at_zero_in_one_colour_and_labels_clear_the_title():
    p = predictions(60, 0.0, 0)  # small and perfect: "100.0%" labels at the top before
    fig = F.per_class_accuracy_figure(p, "m")
    ax = fig.axes[0]
    assert ax.get_ylim()[0] == 0
    colours = {tuple(bar.get_facecolor()) for bar in ax.patches}
    assert len(colours) == 1
    renderer = drawn(fig)
    title = ax.title.get_window_extent(renderer)
    for text in ax.texts:
        assert not title.overlaps(text.get_window_extent(renderer)), text.get_text()


def test_compared_models_share_each_charts_y_range():
    preds = {"good": predictions(500, 0.01, 1), "poor": predictions(500, 0.2, 2)}
    scale = F.shared_scales(preds)
    for fn in (F.per_class_accuracy_figure, F.roc_figure, F.pr_figure):
        ranges = {fn(p, name, scale).axes[0].get_ylim() for name, p in preds.items()}
        assert len(ranges) == 1, fn.__name__
    alone = {F.per_class_accuracy_figure(p, n).axes[0].get_ylim() for n, p in preds.items()}
    assert len(alone) == 2  # on its own, each model gets the range that suits it


def test_precision_recall_has_the_macro_average():
    p = predictions(400, 0.1, 3)
    labels = [t.get_text() for t in F.pr_figure(p, "m").axes[0].get_legend().get_texts()]
    assert any(t.startswith("macro average (AP ") for t in labels)
    grid, precision = M.pr_curves(p)["macro"]
    assert grid[0] == 0 and grid[-1] == 1 and np.all(np.diff(precision) <= 1e-12)


def test_the_summary_prints_auc_as_the_legend_does():
    p = predictions(300, 0.02, 4)
    m = {**M.summarize(p), "card": {}, "path": "m.onnx"}
    auc = M.roc_curves(p)["micro_auc"]
    legend = [t.get_text() for t in F.roc_figure(p, "m").axes[0].get_legend().get_texts()]
    assert f"micro average (AUC {auc:.6f})" in legend
    html = report.summary_section({"models": {"m": m},
                                   "dataset": {"kind": "mnist", "name": "x", "samples": 300}})
    assert f"{auc:.6f}" in html


def test_robustness_table_has_no_repeated_clean_row():
    res = {"clean": 0.9, "corruptions": {c.name: [0.8, 0.7, 0.6, 0.5, 0.4]
                                         for c in report.CORRUPTIONS}}
    rows = report._robustness_rows({"models": {"m": {"robustness": {"digits": res}}}})
    assert all(not row[0].startswith("clean") for row in rows)
    assert rows[0][3:] == ["90.0%", "80.0%", "70.0%", "60.0%", "50.0%", "40.0%", "60.0%"]


def test_ece_on_few_samples_carries_a_caveat():
    few, many = predictions(60, 0.1, 5), predictions(M.ECE_RELIABLE, 0.1, 5)
    assert "only 60 samples" in F.reliability_figure(few, "m").axes[0].get_title()
    assert "samples" not in F.reliability_figure(many, "m").axes[0].get_title()
    m = {**M.summarize(few), "card": {}, "path": "m.onnx"}
    assert "Caveat" in report.model_section("m", m, {})


def test_accuracy_against_coverage_overlays_the_models():
    preds = {"good": predictions(500, 0.02, 6), "poor": predictions(500, 0.2, 7)}
    cov = M.coverage_curve(preds["poor"])
    assert cov["coverage"][0] == 1 and np.all(np.diff(cov["coverage"]) <= 0)
    ok = ~np.isnan(cov["accuracy"])
    assert cov["accuracy"][ok][-1] > cov["accuracy"][0]  # a higher threshold: more right
    ax = coverage_figure(preds, 0.5).axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["good", "poor"]
    assert "--min-confidence" in ax.get_title()
    points = M.summarize(preds["poor"])["coverage"]
    assert [pt["min_confidence"] for pt in points] == pytest.approx(
        [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9])


def test_mistakes_of_a_users_photos_show_the_photo_beside_the_crop(tmp_path):
    ids = []
    for k in range(20):
        path = tmp_path / str(k % 10) / f"{k}.png"
        path.parent.mkdir(exist_ok=True)
        cv2.imwrite(str(path), np.full((90, 60), 200, np.uint8))
        ids.append(str(path))
    fig = F.mistakes_figure(predictions(20, 0.5, 8, ids), "m")
    shown = [im.get_array() for ax in fig.axes for im in ax.get_images()]
    assert shown and all(a.shape[1] > 2 * a.shape[0] for a in shown)  # photo | crop
    mnist = F.mistakes_figure(predictions(20, 0.5, 8), "m")
    assert all(im.get_array().shape == (28, 28) for ax in mnist.axes for im in ax.get_images())
