"""digitcam finetune: a handwriting unlike MNIST's is read better after fine-tuning."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from digitcam.apps.cli import main
from digitcam.assets.registry import ModelError
from digitcam.synth.handwriting import other_hand
from digitcam.training.finetune import keras_weights, load_user_samples, sample_crop, split_holdout

PER_DIGIT = 14


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    root = tmp_path_factory.mktemp("hand")
    rng = np.random.default_rng(11)
    for digit in range(10):
        (root / str(digit)).mkdir()
        for k in range(PER_DIGIT):
            cv2.imwrite(str(root / str(digit) / f"{k}.png"), other_hand(digit, rng))
    (root / "3" / "notes.txt").write_text("not an image: ignored")
    cv2.imwrite(str(root / "4" / "blank.png"), np.full((60, 60, 3), 230, np.uint8))
    (root / "5" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    return root


def test_user_samples_are_read_through_the_runtime_path(dataset):
    s = load_user_samples(dataset)
    assert len(s.labels) == 10 * PER_DIGIT
    assert s.images.shape == (10 * PER_DIGIT, 28, 28) and s.images.dtype == np.uint8
    assert np.bincount(s.labels).tolist() == [PER_DIGIT] * 10
    assert sorted(line.split(":")[0].rsplit("/", 1)[-1] for line in s.skipped) == \
        ["blank.png", "broken.png"]
    # like MNIST: bright ink on black, the digit in the middle of the 28x28 crop
    assert s.images[:, :4].mean() < 10 and s.images[:, 10:18, 10:18].mean() > 40


def test_sample_crop_takes_saved_crops_as_they_are():
    crop = np.zeros((28, 28), np.uint8)
    crop[6:22, 12:16] = 255
    np.testing.assert_array_equal(sample_crop(crop), crop)
    np.testing.assert_array_equal(sample_crop(255 - crop), crop)  # dark on light: inverted
    assert sample_crop(np.full((80, 80, 3), 240, np.uint8)) is None


def test_split_holdout_is_stratified():
    labels = np.repeat(np.arange(10), 10)
    train, held = split_holdout(labels, 0.3, seed=0)
    assert np.bincount(labels[held]).tolist() == [3] * 10
    assert len(set(train) | set(held)) == 100 and not set(train) & set(held)
    train, held = split_holdout(np.array([1, 2, 2]), 0.3, seed=0)
    assert labels[held].size == 1 and 0 in train  # a lone sample is never held out


def test_missing_keras_weights_is_one_clear_error(tmp_path):
    onnx = tmp_path / "m.onnx"
    onnx.write_bytes(b"")
    with pytest.raises(ModelError, match="m.keras: not found"):
        keras_weights(onnx)


@pytest.mark.parametrize("argv, message", [
    (["--dataset", "/no/such/folder"], "no such folder"),
    (["--dataset", ".", "--holdout", "1.5"], "--holdout"),
])
def test_cli_bad_input(argv, message, capsys):
    try:
        code = main(["finetune", *argv])
    except SystemExit as e:  # a bad number is a usage error (exit 2), named by argparse
        code = e.code
    assert code in (1, 2)
    err = capsys.readouterr().err.strip()
    assert err.splitlines()[-1].startswith("digitcam") and message in err.splitlines()[-1]


@pytest.mark.train
def test_finetuning_improves_held_out_accuracy(dataset, mnist, tmp_path, capsys):
    pytest.importorskip("keras")
    from digitcam.training.train import train_mnist_model

    base = tmp_path / "base"
    train_mnist_model("mlp", epochs=2, out=base, limit=8000, seed=0, verbose=0)
    out = tmp_path / "mine"
    assert main(["finetune", "--dataset", str(dataset), "--model", f"{base}.keras",
                 "--out", str(out), "--epochs", "3", "--mnist", "3000"]) == 0
    printed = capsys.readouterr().out
    assert "before:" in printed and "after:" in printed

    card = json.loads(out.with_suffix(".json").read_text())
    r = card["finetune"]
    assert r["heldout_samples"] == 40 and r["train_samples"] == 100
    before, after = r["before"], r["after"]
    assert before["user_heldout"] < 0.8  # the slanted script is hard for a plain MNIST model
    assert after["user_heldout"] >= before["user_heldout"] + 0.15
    assert after["mnist_test"] > before["mnist_test"] - 0.02  # nothing much forgotten
    assert card["accuracy"]["test"] == pytest.approx(after["mnist_test"], abs=1e-5)
    assert out.with_suffix(".onnx").exists() and out.with_suffix(".keras").exists()
    assert not list(tmp_path.glob(".*tmp*"))  # atomic writes leave nothing behind
