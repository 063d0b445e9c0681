"""Classification metrics from predicted probabilities, with scikit-learn.

    preds = Predictions.from_probs(y_true, probs, images)
    summary = summarize(preds)          # plain JSON-ready numbers
    roc = roc_curves(preds)             # curves for the figures

A prediction of -1 means "nothing read" (a user's photo where the recogniser found no digit):
its probability row is all zeros, it counts as wrong, and it gets its own "none" column in
the confusion matrix.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from sklearn.metrics import (
    average_precision_score,
    confusion_matrix,
    precision_recall_curve,
    precision_recall_fscore_support,
    roc_auc_score,
    roc_curve,
)
from sklearn.preprocessing import label_binarize

CLASSES = tuple(range(10))
NONE = -1                # predicted label of an item where nothing was read
CALIBRATION_BINS = 15
ECE_RELIABLE = 1000   # fewer samples: the report says the ECE is rough
MISTAKES_SHOWN = 30


@dataclass
class Predictions:
    """One model's outputs on one labelled set."""

    y_true: np.ndarray                 # (N,) digits 0-9
    probs: np.ndarray                  # (N, 10); all zeros where nothing was read
    y_pred: np.ndarray                 # (N,) argmax, or NONE
    images: np.ndarray                 # (N, 28, 28) uint8: what the model saw
    ids: list[str] = field(default_factory=list)  # test-set index or file path
    exact: np.ndarray | None = None    # (N,) bool: the recogniser read exactly the label

    @classmethod
    def from_probs(cls, y_true, probs, images, ids=None, exact=None) -> Predictions:
        probs = np.asarray(probs, np.float64)
        y_pred = np.where(probs.max(axis=1) > 0, probs.argmax(axis=1), NONE)
        ids = list(ids) if ids is not None else [str(i) for i in range(len(probs))]
        return cls(np.asarray(y_true, int), probs, y_pred, np.asarray(images), ids, exact)

    @property
    def confidence(self) -> np.ndarray:
        return self.probs.max(axis=1)

    @property
    def correct(self) -> np.ndarray:
        return self.y_pred == self.y_true

    @property
    def read(self) -> np.ndarray:
        """Items where something was read (every MNIST image)."""
        return self.y_pred != NONE


def confusion(p: Predictions) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Counts, row-normalised counts and the column names ("none" only when it occurs)."""
    labels = list(CLASSES) + ([NONE] if (~p.read).any() else [])
    counts = confusion_matrix(p.y_true, p.y_pred, labels=labels)
    rows = counts.sum(axis=1, keepdims=True)
    normalised = np.divide(counts, rows, out=np.zeros(counts.shape), where=rows > 0)
    return counts, normalised, [str(c) if c != NONE else "none" for c in labels]


def per_class(p: Predictions) -> dict[str, np.ndarray]:
    """Precision, recall, F1 and support per digit; accuracy per digit is its recall."""
    precision, recall, f1, support = precision_recall_fscore_support(
        p.y_true, p.y_pred, labels=list(CLASSES), zero_division=0)
    return {"precision": precision, "recall": recall, "f1": f1, "support": support,
            "accuracy": recall}


def _onehot(p: Predictions) -> np.ndarray:
    return label_binarize(p.y_true, classes=list(CLASSES))


def _present(p: Predictions) -> list[int]:
    """Classes with both positives and negatives: the ones a ROC or PR curve exists for."""
    counts = np.bincount(p.y_true, minlength=10)
    return [k for k in CLASSES if 0 < counts[k] < len(p.y_true)]


def roc_curves(p: Predictions) -> dict:
    """One-vs-rest ROC per digit, micro (all pairs pooled) and macro (mean of the digits)."""
    onehot, curves, aucs = _onehot(p), {}, {}
    for k in _present(p):
        fpr, tpr, _ = roc_curve(onehot[:, k], p.probs[:, k])
        curves[k], aucs[k] = (fpr, tpr), roc_auc_score(onehot[:, k], p.probs[:, k])
    out = {"curves": curves, "auc": aucs, "micro_auc": None, "macro_auc": None}
    if curves:
        fpr, tpr, _ = roc_curve(onehot.ravel(), p.probs.ravel())
        grid = np.unique(np.concatenate([c[0] for c in curves.values()]))
        mean_tpr = np.mean([np.interp(grid, *curves[k]) for k in curves], axis=0)
        out.update(micro=(fpr, tpr), macro=(grid, mean_tpr),
                   micro_auc=roc_auc_score(onehot.ravel(), p.probs.ravel()),
                   macro_auc=float(np.mean(list(aucs.values()))))
    return out


def pr_curves(p: Predictions) -> dict:
    """Precision-recall per digit with average precision (AP), and the micro average."""
    onehot, curves, ap = _onehot(p), {}, {}
    for k in _present(p):
        precision, recall, _ = precision_recall_curve(onehot[:, k], p.probs[:, k])
        curves[k] = (recall, precision)
        ap[k] = average_precision_score(onehot[:, k], p.probs[:, k])
    out = {"curves": curves, "ap": ap, "micro_ap": None, "macro_ap": None}
    if curves:
        precision, recall, _ = precision_recall_curve(onehot.ravel(), p.probs.ravel())
        out.update(micro=(recall, precision), macro=macro_pr(curves),
                   micro_ap=average_precision_score(onehot.ravel(), p.probs.ravel()),
                   macro_ap=float(np.mean(list(ap.values()))))
    return out


def macro_pr(curves: dict, points: int = 501) -> tuple[np.ndarray, np.ndarray]:
    """The macro-average precision-recall curve: at each recall, the mean over digits of the
    best precision reachable at that recall or above (the usual interpolation)."""
    grid = np.linspace(0.0, 1.0, points)
    rows = []
    for recall, precision in curves.values():
        order = np.argsort(recall)
        r, best = recall[order], np.maximum.accumulate(precision[order][::-1])[::-1]
        rows.append(best[np.minimum(np.searchsorted(r, grid), len(r) - 1)])
    return grid, np.mean(rows, axis=0)


def coverage_curve(p: Predictions) -> dict:
    """Accuracy against coverage as --min-confidence rises: for each threshold t, the share
    of samples read with confidence >= t (coverage) and the accuracy among those."""
    thresholds = np.round(np.linspace(0.0, 0.99, 100), 2)
    conf, correct = p.confidence, p.correct
    kept = conf[None, :] >= thresholds[:, None]
    n = kept.sum(axis=1)
    right = (kept & correct[None, :]).sum(axis=1)
    accuracy = np.where(n > 0, right / np.maximum(n, 1), np.nan)
    return {"thresholds": thresholds, "coverage": n / max(len(conf), 1), "accuracy": accuracy}


def calibration(p: Predictions, n_bins: int = CALIBRATION_BINS) -> dict:
    """Reliability of the top-class confidence in equal-width bins, and the expected
    calibration error: sum over bins of (bin share) * |accuracy - mean confidence|."""
    conf, correct = p.confidence[p.read], p.correct[p.read]
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    which = np.clip(np.digitize(conf, edges[1:-1], right=True), 0, n_bins - 1)
    count = np.bincount(which, minlength=n_bins)
    safe = np.maximum(count, 1)
    accuracy = np.bincount(which, correct.astype(float), n_bins) / safe
    mean_conf = np.bincount(which, conf, n_bins) / safe
    ece = float(np.sum(count * np.abs(accuracy - mean_conf)) / max(len(conf), 1))
    return {"edges": edges, "count": count, "accuracy": accuracy, "confidence": mean_conf,
            "ece": ece}


def confident_mistakes(p: Predictions, n: int = MISTAKES_SHOWN) -> np.ndarray:
    """Indices of the wrong readings, most confident first (items read as nothing last)."""
    wrong = np.flatnonzero(~p.correct)
    return wrong[np.argsort(-p.confidence[wrong], kind="stable")][:n]


def _r(value, digits: int = 6):
    return None if value is None else round(float(value), digits)


def _by_digit(values) -> dict[str, float | None]:
    return {str(k): _r(values.get(k) if isinstance(values, dict) else values[k])
            for k in CLASSES}


def summarize(p: Predictions) -> dict:
    """Every number of the report as plain JSON types."""
    counts, normalised, columns = confusion(p)
    pc = per_class(p)
    roc, pr, cal = roc_curves(p), pr_curves(p), calibration(p)
    conf, correct, read = p.confidence, p.correct, p.read
    out = {
        "samples": int(len(p.y_true)),
        "accuracy": _r(correct.mean()) if len(p.y_true) else None,
        "errors": int((~correct).sum()),
        "nothing_read": int((~read).sum()),
        "per_class": {str(k): {m: _r(pc[m][k]) if m != "support" else int(pc[m][k])
                               for m in ("accuracy", "precision", "recall", "f1", "support")}
                      for k in CLASSES},
        "macro": {m: _r(np.mean(pc[m])) for m in ("precision", "recall", "f1")},
        "confusion": {"columns": columns, "counts": counts.tolist(),
                      "row_normalised": np.round(normalised, 6).tolist()},
        "roc_auc": {"per_class": _by_digit(roc["auc"]), "micro": _r(roc["micro_auc"]),
                    "macro": _r(roc["macro_auc"])},
        "average_precision": {"per_class": _by_digit(pr["ap"]), "micro": _r(pr["micro_ap"]),
                              "macro": _r(pr["macro_ap"])},
        "confidence": {"mean_correct": _r(conf[correct].mean()) if correct.any() else None,
                       "mean_wrong": _r(conf[read & ~correct].mean())
                       if (read & ~correct).any() else None},
        "calibration": {"ece": _r(cal["ece"]), "bins": [
            {"from": _r(a, 4), "to": _r(b, 4), "count": int(n), "accuracy": _r(acc),
             "confidence": _r(c)}
            for a, b, n, acc, c in zip(cal["edges"], cal["edges"][1:], cal["count"],
                                       cal["accuracy"], cal["confidence"])]},
        "confident_mistakes": [
            {"id": p.ids[i], "true": int(p.y_true[i]),
             "predicted": None if p.y_pred[i] == NONE else int(p.y_pred[i]),
             "confidence": _r(conf[i], 4)} for i in confident_mistakes(p)],
    }
    cov = coverage_curve(p)
    out["coverage"] = [
        {"min_confidence": float(t), "coverage": _r(c), "accuracy": _r(a) if a == a else None}
        for t, c, a in zip(cov["thresholds"], cov["coverage"], cov["accuracy"])
        if round(float(t) * 10, 6) == round(float(t) * 10)]  # 0.0, 0.1, ... 0.9
    if p.exact is not None:
        out["exact_read_accuracy"] = _r(np.mean(p.exact)) if len(p.exact) else None
    return out
