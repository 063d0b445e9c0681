"""Bad models: a missing, truncated or foreign file, the wrong input shape, outputs that are
not probabilities, a missing or mismatched card. Each is one clear line naming the file,
from the API (ModelError) and from the CLI (exit code 1), never a runtime traceback."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from digitcam.apps import cli
from digitcam.assets.registry import ModelError, available_models
from digitcam.recognize.classifier import Classifier
from tests.badfiles import encode, page

onnx = pytest.importorskip("onnx", reason="building test models needs onnx (train extra)")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

SHIPPED = available_models()["mlp"]


def make_onnx(path: Path, input_shape=(None, 28, 28, 1), classes: int = 10,
              softmax: bool = True, reshape_to: tuple[int, ...] | None = None) -> Path:
    """A small linear model: flatten -> matmul -> (softmax), written with onnx's helpers."""
    pixels = reshape_to[-1] if reshape_to else int(np.prod(input_shape[1:]))
    weights = numpy_helper.from_array(
        np.random.default_rng(0).normal(0, 0.01, (pixels, classes)).astype(np.float32), "W")
    shape = numpy_helper.from_array(np.array(reshape_to or (-1, pixels), np.int64), "shape")
    nodes = [helper.make_node("Reshape", ["x", "shape"], ["flat"]),
             helper.make_node("MatMul", ["flat", "W"], ["logits"])]
    if softmax:
        nodes.append(helper.make_node("Softmax", ["logits"], ["probs"], axis=1))
    graph = helper.make_graph(
        nodes, "test", [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(input_shape))],
        [helper.make_tensor_value_info("probs" if softmax else "logits", TensorProto.FLOAT,
                                       [None, classes])],
        [weights, shape])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, str(path))
    return path


def shipped_copy(directory: Path, card: dict | None | str = "same") -> Path:
    """The shipped mlp copied into `directory`, with its card as is, changed, or absent."""
    path = directory / "mine.onnx"
    shutil.copy(SHIPPED, path)
    if card == "same":
        shutil.copy(SHIPPED.with_suffix(".json"), path.with_suffix(".json"))
    elif card is not None:
        path.with_suffix(".json").write_text(card if isinstance(card, str) else json.dumps(card))
    return path


def shipped_card(**changes) -> dict:
    card = json.loads(SHIPPED.with_suffix(".json").read_text())
    return {**card, **changes}


def bad_models(d: Path) -> dict[str, tuple[Path, str]]:
    """name -> (model path, what the one-line error must say). A card's error names the
    card (MODEL.json), the others the .onnx file."""
    truncated = d / "truncated.onnx"
    truncated.write_bytes(SHIPPED.read_bytes()[:5000])
    text = d / "notes.onnx"
    text.write_text("not a model\n")
    (d / "sha").mkdir()
    (d / "shape").mkdir()
    (d / "json").mkdir()
    (d / "list").mkdir()
    return {
        "missing": (d / "missing.onnx", "not found"),
        "directory": (d, "is a directory"),
        "truncated": (truncated, "not a usable ONNX model"),
        "not onnx": (text, "not a usable ONNX model"),
        "wrong input shape": (make_onnx(d / "32x32.onnx", (None, 32, 32, 1)),
                              r"input must be float \(N, 28, 28, 1\)"),
        "wrong layout": (make_onnx(d / "nchw.onnx", (None, 1, 28, 28)), "input must be"),
        "five classes": (make_onnx(d / "five.onnx", classes=5), "10 classes"),
        "fails to run": (make_onnx(d / "bad_reshape.onnx", reshape_to=(-1, 1000)),
                         "failed to run"),
        "logits": (make_onnx(d / "logits.onnx", softmax=False), "not probabilities"),
        "card of another file": (shipped_copy(d / "sha", shipped_card(onnx_sha256="0" * 64)),
                                 "onnx_sha256 does not match mine.onnx"),
        "card input shape": (
            shipped_copy(d / "shape", shipped_card(input={"shape": [None, 32, 32, 1]})),
            "card input shape"),
        "card not json": (shipped_copy(d / "json", "{not json"), "unreadable model card"),
        "card not an object": (shipped_copy(d / "list", "[1, 2]"), "not a JSON object"),
    }


def names_the_file(message: str, path: Path) -> bool:
    return any(str(p) in message for p in (path, path.with_suffix(".json")))


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> dict[str, tuple[Path, str]]:
    return bad_models(tmp_path_factory.mktemp("models"))


@pytest.fixture(scope="module")
def image(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("image") / "seven.png"
    path.write_bytes(encode(page("7"), ".png"))
    return path


BAD = ["missing", "directory", "truncated", "not onnx", "wrong input shape", "wrong layout",
       "five classes", "fails to run", "logits", "card of another file", "card input shape",
       "card not json", "card not an object"]


@pytest.mark.parametrize("name", BAD)
def test_bad_model_is_a_model_error_naming_the_file(models, name):
    path, reason = models[name]
    with pytest.raises(ModelError, match=reason) as err:
        Classifier(path).predict_proba(np.zeros((2, 28, 28), np.uint8))
    assert "\n" not in str(err.value) and names_the_file(str(err.value), path)


@pytest.mark.parametrize("name", BAD)
def test_bad_model_from_the_cli_is_one_line(models, image, name, capsys):
    path, reason = models[name]
    code = cli.main(["predict", "--model", str(path), str(image)])
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and err.startswith("digitcam: error: ")
    assert names_the_file(err, path) and re.search(reason, err)


def test_a_model_without_a_card_works(tmp_path, image, capsys):
    path = shipped_copy(tmp_path, card=None)
    assert cli.main(["predict", "--model", str(path), str(image)]) == 0
    assert capsys.readouterr().out.strip() == f"{image}: 7"


def test_a_matching_card_is_accepted(tmp_path):
    assert Classifier(shipped_copy(tmp_path)).card["onnx_sha256"]


def test_no_runtime_traceback_in_a_real_process(models, image):
    """The whole process, as a user runs it: a truncated model is one line on stderr."""
    path, _ = models["truncated"]
    result = subprocess.run([sys.executable, "-m", "digitcam", "predict", "--model", str(path),
                             str(image)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and str(path) in result.stderr
    assert "Traceback" not in result.stderr
