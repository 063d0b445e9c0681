"""`digitcam train` and `finetune` as a new user meets them: the models they offer work, the
defaults agree with the README, and a missing extra or TensorFlow's start-up noise never
reaches the terminal as a traceback or log lines."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import cv2
import numpy as np
import pytest

from digitcam.apps.cli import build_parser, main
from digitcam.assets.registry import DEFAULT_MODEL, available_models
from digitcam.training.finetune import finetunable_models, keras_weights


@pytest.fixture
def tiny_dataset(tmp_path):
    for digit in range(10):
        (tmp_path / str(digit)).mkdir()
        img = np.full((40, 40), 255, np.uint8)
        cv2.putText(img, str(digit), (8, 32), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 0, 3)
        cv2.imwrite(str(tmp_path / str(digit) / "a.png"), img)
    return tmp_path


def test_the_default_model_is_finetunable_and_help_names_only_finetunable_models():
    assert DEFAULT_MODEL in finetunable_models()
    for name in finetunable_models():
        onnx, weights = keras_weights(name)
        assert weights.is_file() and onnx.stem == name
    text = build_parser()._subparsers._group_actions[0].choices["finetune"].format_help()
    text = " ".join(text.split())
    assert f"({', '.join(finetunable_models())};" in text


@pytest.mark.parametrize("name", sorted(set(available_models()) - set(finetunable_models())))
def test_a_shipped_model_without_weights_says_how_to_finetune_it(name, tiny_dataset, capsys):
    assert main(["finetune", "--dataset", str(tiny_dataset), "--model", name]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert f"shipped {name} has no Keras weights" in err
    assert f"digitcam train --model {name} --out runs/{name}" in err
    assert f"--model runs/{name}.keras" in err


def test_train_defaults_to_the_shipped_default_model():
    args = build_parser().parse_args(["train"])
    assert args.model == DEFAULT_MODEL == "deep"


@pytest.mark.parametrize("command", [["train", "--dry-run"], ["finetune", "--dataset", "."]])
def test_without_the_train_extra_it_is_one_line(command, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "keras", None)  # `import keras` raises ImportError
    monkeypatch.chdir(tmp_path)
    for digit in range(10):
        (tmp_path / str(digit)).mkdir()
        img = np.full((40, 40), 255, np.uint8)
        cv2.line(img, (20, 6), (20, 34), 0, 4)
        cv2.imwrite(str(tmp_path / str(digit) / "a.png"), img)
    with pytest.raises(SystemExit) as e:
        main(command)
    message = str(e.value)
    assert len(message.splitlines()) == 1 and "pip install 'digitcam[train]'" in message
    assert not list(tmp_path.glob("runs*"))


@pytest.mark.train
@pytest.mark.slow
def test_tensorflow_loads_silently_unless_debugging():
    if importlib.util.find_spec("keras") is None:
        pytest.skip("needs the train extra")
    code = ("from digitcam.training.keras_env import import_keras\n"
            "import_keras()\n"
            "import keras.src.export.tf2onnx_lib\n")  # numpy's FutureWarning comes from here
    env = {k: v for k, v in os.environ.items() if k not in ("DIGITCAM_DEBUG",
                                                            "TF_CPP_MIN_LOG_LEVEL")}
    quiet = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                           text=True, timeout=120)
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stderr == ""
