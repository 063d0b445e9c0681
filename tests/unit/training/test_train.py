"""Training with Keras: a short run learns, ONNX matches Keras, --resume continues a run."""

from __future__ import annotations

import csv
import json
import zipfile

import numpy as np
import pytest

pytest.importorskip("keras")

from digitcam.training.train import train_mnist_model  # noqa: E402

pytestmark = pytest.mark.train


def log_epochs(stem) -> list[int]:
    with open(f"{stem}.log.csv") as f:
        return [int(row["epoch"]) for row in csv.DictReader(f)]


def lr_log(stem) -> list[float]:
    with open(f"{stem}.log.csv") as f:
        return [float(row["learning_rate"]) for row in csv.DictReader(f)]


@pytest.fixture(scope="module")
def mlp_run(mnist, tmp_path_factory):
    stem = tmp_path_factory.mktemp("mlp") / "mlp"
    train_mnist_model("mlp", epochs=1, out=stem, limit=3000, seed=1, verbose=0)
    return stem


@pytest.fixture(scope="module")
def deep_run(mnist, tmp_path_factory):
    """The deep recipe end to end (augmentation, runtime crops, cosine schedule), tiny."""
    stem = tmp_path_factory.mktemp("deep") / "deep"
    train_mnist_model("deep", epochs=2, out=stem, limit=1024, seed=2, verbose=0)
    return stem


def test_one_epoch_beats_chance_by_far(mlp_run):
    card = json.loads(mlp_run.with_suffix(".json").read_text())
    assert card["accuracy"]["validation"] > 0.8
    assert card["accuracy"]["test"] > 0.8 and card["accuracy"]["test_samples"] == 10000
    assert card["training"]["epochs_run"] == 1 and card["training"]["train_samples"] == 3000
    assert card["training"]["seconds"] > 0 and card["training"]["machine"]
    assert log_epochs(mlp_run) == [0]


def test_deep_recipe_card(deep_run):
    card = json.loads(deep_run.with_suffix(".json").read_text())
    t = card["training"]
    assert card["architecture"] == "deep" and t["lr_schedule"] == "cosine"
    assert t["runtime_crop_share"] > 0 and t["runtime_crop_pool"] > 200
    assert deep_run.with_name("deep.crops.npz").exists()
    assert t["epochs_run"] == 2 and t["best_epoch"] in (1, 2)
    assert [round(lr, 6) for lr in lr_log(deep_run)] == [0.0002, 0.002]  # warm-up, then peak
    with zipfile.ZipFile(deep_run.with_suffix(".keras")) as saved:
        assert b"optimizer" not in saved.read("model.weights.h5")  # compact: weights only


@pytest.mark.parametrize("run", ["mlp_run", "deep_run"])
def test_onnx_agrees_with_keras(run, request, mnist_test):
    import keras
    import onnxruntime as ort

    stem = request.getfixturevalue(run)
    x = (mnist_test[0][:300].astype(np.float32) / 255.0)[..., None]
    expected = keras.models.load_model(str(stem.with_suffix(".keras"))).predict(x, verbose=0)
    session = ort.InferenceSession(str(stem.with_suffix(".onnx")),
                                   providers=["CPUExecutionProvider"])
    got = session.run(None, {session.get_inputs()[0].name: x})[0]
    np.testing.assert_allclose(got, expected, atol=1e-4)


def test_resume_continues_after_an_interruption(mnist, tmp_path):
    import keras

    class Interrupt(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 0:
                raise KeyboardInterrupt

    stem = tmp_path / "mlp"
    args = dict(epochs=3, out=stem, limit=2000, seed=3, stop_at=None, verbose=0)
    with pytest.raises(KeyboardInterrupt):
        train_mnist_model("mlp", callbacks=[Interrupt()], **args)
    assert log_epochs(stem) == [0]
    assert stem.with_name("mlp.backup").is_dir()
    assert not stem.with_suffix(".onnx").exists()

    train_mnist_model("mlp", resume=True, **args)
    assert log_epochs(stem) == [0, 1, 2]  # epoch 0 was not run again
    card = json.loads(stem.with_suffix(".json").read_text())
    assert card["training"]["resumed"] is True and card["training"]["epochs_run"] == 3
    assert card["accuracy"]["validation"] > 0.85

    train_mnist_model("mlp", **{**args, "epochs": 1})  # a new run over the old one's files
    card = json.loads(stem.with_suffix(".json").read_text())
    assert card["training"]["resumed"] is False and card["training"]["epochs_run"] == 1
    assert log_epochs(stem) == [0]
