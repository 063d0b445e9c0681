"""An ensemble exported as one ONNX graph returns the mean of its members' probabilities."""

from __future__ import annotations

import json

import numpy as np
import pytest

from digitcam.recognize.classifier import Classifier

pytest.importorskip("onnx")


def test_ensemble_averages_its_members(mnist, tmp_path):
    from digitcam.training.ensemble import build_ensemble

    members = ["cnn", "mlp"]
    card = build_ensemble(members, tmp_path / "ens")
    x = mnist[1][0][:300]
    got = Classifier(tmp_path / "ens.onnx").predict_proba(x)
    expected = np.mean([Classifier(m).predict_proba(x) for m in members], axis=0)
    np.testing.assert_allclose(got, expected, atol=1e-6)
    assert json.loads((tmp_path / "ens.json").read_text())["accuracy"] == card["accuracy"]
    assert card["parameters"] == sum(Classifier(m).card["parameters"] for m in members)
    assert 0.97 < card["accuracy"]["test"] <= 1.0
    assert build_ensemble(members[::-1], tmp_path / "ens")["accuracy"]["test"] == pytest.approx(
        card["accuracy"]["test"], abs=1e-4)  # rebuilt over the old files, same mean


def test_ensemble_needs_two_models(tmp_path):
    from digitcam.training.ensemble import build_ensemble

    with pytest.raises(ValueError, match="at least two"):
        build_ensemble(["mlp"], tmp_path / "one")
