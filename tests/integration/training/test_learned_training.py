"""The learned pipeline's trainers run end to end (--dry-run: a few samples, one epoch) and
write models the runtime reads: a detector and a line recogniser with their cards."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("keras")

from digitcam.detect.learned import NumberDetector  # noqa: E402
from digitcam.recognize.lines import LineRecognizer  # noqa: E402
from digitcam.regions import Region  # noqa: E402

pytestmark = [pytest.mark.train, pytest.mark.slow]


def train(module: str, out, *extra: str) -> dict:
    done = subprocess.run([sys.executable, "-m", f"digitcam.training.{module}", "--dry-run",
                           "--workers", "1", "--out", str(out), *extra],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    card = json.loads(out.with_suffix(".json").read_text())
    card["stdout"] = done.stdout
    return card


def labelled_fields(folder, mnist, count: int = 12) -> None:
    """A labelled folder as real-dev is laid out: synthetic fields and a labels.json."""
    import cv2

    from digitcam.synth.lines import make_line

    (x, y), _ = mnist
    rng = np.random.default_rng(5)
    (folder / "fields").mkdir(parents=True)
    labels = {}
    for i in range(count):
        line = make_line(x, y, rng, negative_rate=0.0)
        cv2.imwrite(str(folder / "fields" / f"{i}.png"), line.image)
        labels[f"fields/{i}.png"] = "".join(c for c in line.text if c.isdigit())
    (folder / "labels.json").write_text(json.dumps(labels))


def test_detector_and_line_model_train_and_load(tmp_path, mnist):
    card = train("detector", tmp_path / "det")
    assert card["kind"] == "detector-fcn" and card["training"]["history"]
    detector = NumberDetector(tmp_path / "det.onnx")
    assert isinstance(detector.detect(np.full((120, 160), 255, np.uint8)), list)
    labelled_fields(tmp_path / "real", mnist)
    card = train("lines", tmp_path / "lines", "--real", str(tmp_path / "real"),
                 "--glyph-share", "0.5", "--habits", "--lone-digits", "0.1")
    assert card["kind"] == "line-ctc" and card["alphabet"] == "0123456789.,-/"
    assert card["training"]["args"]["glyph_share"] == 0.5
    assert card["training"]["args"]["lone_digits"] == 0.1
    assert "glyph bank:" in card["stdout"] and "held out" in card["stdout"]
    reader = LineRecognizer(tmp_path / "lines.onnx")
    blank = np.full((40, 120), 255, np.uint8)
    assert isinstance(reader.recognize(blank, [Region((0, 0, 120, 40))]), list)


@pytest.mark.parametrize("module", ["detector", "lines"])
def test_missing_mnist_is_one_line_and_exit_2(tmp_path, module):
    """MNIST asked for in a folder that does not exist: a one-line error and exit 2 at
    once, not a pool of workers failing and restarted for ever."""
    done = subprocess.run([sys.executable, "-m", f"digitcam.training.{module}", "--dry-run",
                           "--workers", "2", "--data-dir", str(tmp_path / "nowhere"),
                           "--out", str(tmp_path / "m")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 2, done.stderr[-2000:]
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "nowhere" in errors[0] and "MNIST" in errors[0]
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "m.onnx").exists()
