"""Training's one-line errors (issue 13, point 19): --resume over another model's
checkpoint, and a corrupt X.keras beside X.onnx (not 'not found')."""

from __future__ import annotations

import json
import shutil

import cv2
import numpy as np
import pytest

pytest.importorskip("keras")

from digitcam.apps.cli import main  # noqa: E402
from digitcam.assets.registry import available_models  # noqa: E402
from digitcam.synth.handwriting import other_hand  # noqa: E402
from digitcam.training.train import train_mnist_model  # noqa: E402


def test_resume_refuses_another_models_checkpoint(tmp_path, capsys):
    stem = tmp_path / "run"
    (tmp_path / "run.progress.json").write_text(json.dumps({"model": "mlp", "epochs": 1,
                                                            "seconds": 3.0}))
    with pytest.raises(ValueError, match="checkpoint there is of --model mlp, not deep"):
        train_mnist_model("deep", epochs=1, out=stem, resume=True, verbose=0)
    code = main(["train", "--model", "cnn", "--out", str(stem), "--resume"])
    err = capsys.readouterr().err
    assert code == 1 and len(err.strip().splitlines()) == 1 and "--model mlp" in err


def test_a_corrupt_keras_file_is_called_unreadable(tmp_path, capsys):
    shipped = available_models()["deep"]
    shutil.copy(shipped, tmp_path / "mine.onnx")
    shutil.copy(shipped.with_suffix(".json"), tmp_path / "mine.json")
    (tmp_path / "mine.keras").write_bytes(b"PK\x03\x04 corrupt zip")
    rng = np.random.default_rng(0)
    for digit in range(10):
        (tmp_path / "ds" / str(digit)).mkdir(parents=True)
        cv2.imwrite(str(tmp_path / "ds" / str(digit) / "a.png"), other_hand(digit, rng))
    code = main(["finetune", "--dataset", str(tmp_path / "ds"), "--model",
                 str(tmp_path / "mine.onnx"), "--out", str(tmp_path / "out" / "x")])
    err = capsys.readouterr().err.strip()
    assert code == 1 and "Traceback" not in err
    assert err.splitlines()[-1].startswith(f"digitcam: error: {tmp_path / 'mine.keras'}: not a "
                                           "readable Keras model")
    assert not (tmp_path / "out").exists()
