"""Every shipped model scores on the 10,000 MNIST test digits what its card says (inference
only, through onnxruntime), within 0.05 points; and each card says how it was trained."""

from __future__ import annotations

import numpy as np
import pytest

from digitcam.assets.registry import DEFAULT_MODEL, available_models
from digitcam.recognize.classifier import Classifier

TOLERANCE = 0.0005  # 0.05 percentage points: 5 of the 10,000 test digits
SHIPPED = sorted(set(available_models()) | {DEFAULT_MODEL, "mlp"})


def shipped(name: str) -> Classifier:
    assert name in available_models(), f"assets/{name}.onnx is missing"
    return Classifier(name, threads=2)


@pytest.mark.parametrize("name", SHIPPED)
def test_test_accuracy_matches_the_card(name, mnist_test):
    clf = shipped(name)
    x, y = mnist_test
    card = clf.card["accuracy"]
    assert card["test_samples"] == len(y) == 10000
    probs = np.concatenate([clf.predict_proba(x[i : i + 1000]) for i in range(0, len(x), 1000)])
    measured = float((probs.argmax(1) == y).mean())
    assert abs(measured - card["test"]) <= TOLERANCE, (measured, card["test"])


@pytest.mark.parametrize("name", SHIPPED)
def test_card_tells_how_it_was_trained(name):
    card = shipped(name).card
    t = card["training"]
    assert t["seconds"] > 0 and t["machine"] and t["epochs_run"] >= 1
    assert 0.9 < card["accuracy"]["validation"] <= 1.0
    assert card["accuracy"]["test"] > 0.97
    assert card["parameters"] > 0 and card["input"]["shape"] == [None, 28, 28, 1]
