"""The evaluation's numbers against independent computations on small data with known answers."""

from __future__ import annotations

from collections import Counter
from itertools import product

import numpy as np
import pytest

pytest.importorskip("sklearn")

from digitcam.apps.evaluate import metrics as M  # noqa: E402


def peaked(labels, confidence: float = 0.9) -> np.ndarray:
    """Probabilities with `confidence` on each label and the rest spread evenly."""
    probs = np.full((len(labels), 10), (1 - confidence) / 9)
    probs[np.arange(len(labels)), labels] = confidence
    return probs


def preds(y_true, probs) -> M.Predictions:
    return M.Predictions.from_probs(y_true, probs, np.zeros((len(y_true), 28, 28), np.uint8))


def test_perfect_classifier():
    y = np.repeat(np.arange(10), 5)
    s = M.summarize(preds(y, peaked(y, 0.9)))
    assert s["accuracy"] == 1.0 and s["errors"] == 0 and s["nothing_read"] == 0
    assert s["confusion"]["counts"] == (np.eye(10, dtype=int) * 5).tolist()
    assert s["confusion"]["columns"] == [str(k) for k in range(10)]
    for k in range(10):
        assert s["per_class"][str(k)] == {"accuracy": 1.0, "precision": 1.0, "recall": 1.0,
                                         "f1": 1.0, "support": 5}
        assert s["roc_auc"]["per_class"][str(k)] == 1.0
        assert s["average_precision"]["per_class"][str(k)] == 1.0
    assert s["roc_auc"]["micro"] == s["roc_auc"]["macro"] == 1.0
    assert s["average_precision"]["micro"] == s["average_precision"]["macro"] == 1.0
    # every prediction 90% confident and every one right: calibration is off by 10 points
    assert s["calibration"]["ece"] == pytest.approx(0.1)
    assert s["confident_mistakes"] == []


def test_known_confusion():
    y_true = np.repeat(np.arange(10), 4)
    y_pred = y_true.copy()
    y_pred[[12, 13]] = 5   # two 3s read as 5
    y_pred[28] = 1         # one 7 read as 1
    y_pred[36] = 4         # one 9 read as 4
    s = M.summarize(preds(y_true, peaked(y_pred)))
    pairs = Counter(zip(y_true.tolist(), y_pred.tolist()))
    expected = [[pairs[(t, p)] for p in range(10)] for t in range(10)]
    assert s["confusion"]["counts"] == expected
    assert s["confusion"]["counts"][3] == [0, 0, 0, 2, 0, 2, 0, 0, 0, 0]
    assert s["confusion"]["row_normalised"][3][5] == 0.5
    assert s["accuracy"] == pytest.approx(36 / 40) and s["errors"] == 4
    for k in range(10):
        tp = sum(t == p == k for t, p in zip(y_true, y_pred))
        predicted, actual = sum(p == k for p in y_pred), sum(t == k for t in y_true)
        precision, recall = tp / predicted, tp / actual
        f1 = 2 * precision * recall / (precision + recall)
        got = s["per_class"][str(k)]
        assert got["precision"] == pytest.approx(precision, abs=1e-6)
        assert got["recall"] == got["accuracy"] == pytest.approx(recall, abs=1e-6)
        assert got["f1"] == pytest.approx(f1, abs=1e-6)
    assert s["per_class"]["5"]["precision"] == pytest.approx(4 / 6, abs=1e-6)
    assert s["per_class"]["3"]["recall"] == 0.5
    mistakes = {(m["true"], m["predicted"]) for m in s["confident_mistakes"]}
    assert mistakes == {(3, 5), (7, 1), (9, 4)}


def pairwise_auc(positive: np.ndarray, scores: np.ndarray) -> float:
    """Probability that a positive outscores a negative (ties count half): the ROC AUC."""
    pos, neg = scores[positive], scores[~positive]
    wins = sum((p > n) + 0.5 * (p == n) for p, n in product(pos, neg))
    return wins / (len(pos) * len(neg))


def ranked_ap(positive: np.ndarray, scores: np.ndarray) -> float:
    """Mean over the positives of the precision among all samples scored at least as high."""
    order = np.argsort(-scores)
    hits = positive[order]
    precision_at = np.cumsum(hits) / np.arange(1, len(hits) + 1)
    return float(precision_at[hits].mean())


def test_roc_auc_and_average_precision_against_rank_counting():
    rng = np.random.default_rng(3)
    y = rng.integers(0, 10, 80)
    y[:10] = np.arange(10)  # every class present
    probs = rng.dirichlet(np.ones(10), 80)
    probs[np.arange(80), y] += rng.uniform(0, 0.6, 80)  # informative, not perfect
    probs /= probs.sum(axis=1, keepdims=True)
    s = M.summarize(preds(y, probs))
    aucs, aps = [], []
    for k in range(10):
        aucs.append(pairwise_auc(y == k, probs[:, k]))
        aps.append(ranked_ap(y == k, probs[:, k]))
        assert s["roc_auc"]["per_class"][str(k)] == pytest.approx(aucs[-1], abs=1e-6)
        assert s["average_precision"]["per_class"][str(k)] == pytest.approx(aps[-1], abs=1e-6)
    assert s["roc_auc"]["macro"] == pytest.approx(np.mean(aucs), abs=1e-6)
    assert s["average_precision"]["macro"] == pytest.approx(np.mean(aps), abs=1e-6)
    onehot = np.eye(10, dtype=bool)[y]
    assert s["roc_auc"]["micro"] == pytest.approx(
        pairwise_auc(onehot.ravel(), probs.ravel()), abs=1e-6)
    assert 0.5 < s["roc_auc"]["macro"] < 1.0


def test_expected_calibration_error_by_hand():
    # four at 95% confidence, two of them right; two at 55%, one right
    y_true = np.array([0, 1, 2, 3, 4, 5])
    y_pred = np.array([0, 1, 9, 9, 4, 9])
    probs = peaked(y_pred, 0.95)
    probs[4:] = peaked(y_pred[4:], 0.55)
    cal = M.calibration(preds(y_true, probs))
    assert cal["ece"] == pytest.approx((4 * abs(0.5 - 0.95) + 2 * abs(0.5 - 0.55)) / 6)
    assert cal["count"].sum() == 6 and cal["count"][-1] == 4


def test_nothing_read_counts_as_wrong_in_its_own_column():
    y_true = np.array([0, 0, 1, 1])
    probs = peaked(np.array([0, 0, 1, 0]))
    probs[1] = 0.0  # nothing read
    p = preds(y_true, probs)
    assert p.y_pred.tolist() == [0, M.NONE, 1, 0]
    s = M.summarize(p)
    assert s["accuracy"] == 0.5 and s["nothing_read"] == 1
    assert s["confusion"]["columns"][-1] == "none"
    assert s["confusion"]["counts"][0][:2] == [1, 0] and s["confusion"]["counts"][0][-1] == 1
    assert s["per_class"]["0"]["recall"] == 0.5
    assert s["per_class"]["0"]["precision"] == 0.5   # the 1 read as 0
    # calibration and the confidence figures only use what was read
    assert M.calibration(p)["count"].sum() == 3
    assert s["confident_mistakes"][-1]["predicted"] is None


def test_confident_mistakes_most_confident_first():
    y_true = np.zeros(5, int)
    probs = peaked(np.array([1, 0, 2, 3, 0]))
    probs[0] = peaked([1], 0.6)[0]
    probs[2] = peaked([2], 0.99)[0]
    probs[3] = peaked([3], 0.8)[0]
    assert M.confident_mistakes(preds(y_true, probs)).tolist() == [2, 3, 0]
