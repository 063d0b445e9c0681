"""The ONNX runtime: predict_digit / predict_proba on real MNIST test digits, input checks."""

from __future__ import annotations

import numpy as np
import pytest

from digitcam import predict_digit, predict_proba
from digitcam.assets.registry import ModelError, available_models
from digitcam.recognize.classifier import Classifier, as_model_input


def test_shipped_models_present():
    assert {"mlp"} <= set(available_models())


@pytest.mark.parametrize("model", sorted(available_models()))
def test_predict_digit_on_real_test_digits(mnist_test, model):
    x, y = mnist_test
    preds = [predict_digit(x[i], model=model) for i in range(50)]
    assert all(isinstance(p, int) for p in preds)
    assert np.mean(np.array(preds) == y[:50]) >= 0.94


def test_uint8_and_float_inputs_agree(mnist_test):
    x, _ = mnist_test
    p_uint8 = predict_proba(x[:8], model="mlp")
    p_float = predict_proba(x[:8].astype(np.float64) / 255.0, model="mlp")
    p_4d = predict_proba((x[:8, ..., None] / 255.0).astype(np.float32), model="mlp")
    assert p_uint8.shape == (8, 10)
    np.testing.assert_allclose(p_uint8.sum(1), 1.0, atol=1e-5)
    np.testing.assert_allclose(p_uint8, p_float, atol=1e-6)
    np.testing.assert_allclose(p_uint8, p_4d, atol=1e-6)


@pytest.mark.parametrize("bad, message", [
    (np.zeros((27, 28), np.uint8), "28x28"),
    (np.zeros((2, 28, 28, 3), np.uint8), "28x28"),
    (np.zeros((28, 28), np.complex64), "dtype"),
    (np.full((28, 28), 256.0), r"\[0, 1\] or \[0, 255\]"),
    (np.full((28, 28), -0.5), r"\[0, 1\] or \[0, 255\]"),
    (np.full((28, 28), np.nan), "NaN"),
])
def test_bad_inputs_raise_clear_value_errors(bad, message):
    with pytest.raises(ValueError, match=message):
        predict_proba(bad, model="mlp")


def test_predict_digit_rejects_batches(mnist_test):
    with pytest.raises(ValueError, match="one image"):
        predict_digit(mnist_test[0][:2], model="mlp")


def test_empty_batch():
    assert predict_proba(np.zeros((0, 28, 28), np.uint8), model="mlp").shape == (0, 10)
    assert as_model_input(np.zeros((3, 28, 28, 1), np.uint8)).dtype == np.float32


def test_session_is_reused():
    from digitcam.recognize.classifier import get_classifier

    assert get_classifier("mlp") is get_classifier("mlp")


def test_model_errors_name_the_file(tmp_path):
    with pytest.raises(ModelError, match="not found"):
        Classifier(tmp_path / "missing.onnx")
    truncated = tmp_path / "truncated.onnx"
    truncated.write_bytes(available_models()["mlp"].read_bytes()[:1000])
    with pytest.raises(ModelError, match="truncated.onnx"):
        Classifier(truncated)
    with pytest.raises(ModelError, match="directory"):
        Classifier(tmp_path)
