"""`digitcam predict` end to end, as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np

from tests.badfiles import MODEL

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = sorted((ROOT / "examples").glob("*.jpg"))


def digitcam(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "digitcam", *args], capture_output=True,
                          text=True, timeout=120, cwd=cwd)


def test_predict_json_on_mnist_test_digits(tmp_path, mnist_test):
    x, y = mnist_test
    paths = []
    for i in range(12):  # MNIST test digits saved as images, dark ink on white, enlarged
        img = 255 - cv2.resize(x[i], (112, 112), interpolation=cv2.INTER_CUBIC)
        path = tmp_path / f"digit{i}_{y[i]}.png"
        cv2.imwrite(str(path), cv2.copyMakeBorder(img, 20, 20, 20, 20, cv2.BORDER_CONSTANT,
                                                  value=255))
        paths.append(path)
    result = digitcam("predict", "--json", "--model", "mlp", *map(str, paths))
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["path"] for line in lines] == [str(p) for p in paths]
    correct = sum(line["text"] == str(y[i]) for i, line in enumerate(lines))
    assert correct >= 11
    digit = lines[0]["digits"][0]
    assert set(digit) == {"digit", "confidence", "box", "line"} and len(digit["box"]) == 4
    assert 0.0 <= digit["confidence"] <= 1.0


def test_predict_reads_the_example_photos():
    result = digitcam("predict", *map(str, EXAMPLES))
    assert result.returncode == 0, result.stderr
    read = dict(line.rsplit(": ", 1) for line in result.stdout.splitlines())
    for path in EXAMPLES:
        assert read[str(path)] == path.stem.replace("_", " ")


def test_bad_file_reported_and_batch_continues(tmp_path):
    good = tmp_path / "seven.png"
    cv2.imwrite(str(good), cv2.putText(np.full((120, 120), 255, np.uint8), "7", (30, 100),
                                       cv2.FONT_HERSHEY_SIMPLEX, 3.5, 0, 9))
    bad = tmp_path / "notes.png"
    bad.write_text("not an image")
    result = digitcam("predict", "--json", "--model", "mlp", str(bad), str(good),
                      str(tmp_path / "missing.png"))
    assert result.returncode == 1
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 3
    assert lines[0]["path"] == str(bad) and "not a readable image" in lines[0]["error"]
    assert "digits" in lines[1]
    assert "no such file" in lines[2]["error"]
    assert "Traceback" not in result.stderr


def test_plain_output_errors_are_one_line(tmp_path):
    result = digitcam("predict", "--model", "mlp", str(tmp_path))  # an empty folder
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0 and "no images in it" in result.stderr


def test_predict_reads_a_folder_stdin_and_annotates(tmp_path):
    folder, out = tmp_path / "photos", tmp_path / "annotated"
    folder.mkdir()
    for path in EXAMPLES:
        (folder / path.name).write_bytes(path.read_bytes())
    (folder / "notes.txt").write_text("not an image: not read")
    result = digitcam("predict", "--model", MODEL, "--annotate", str(out), str(folder))
    assert result.returncode == 0, result.stderr
    read = dict(line.rsplit(": ", 1) for line in result.stdout.splitlines())
    assert read == {str(folder / p.name): p.stem.replace("_", " ") for p in EXAMPLES}
    for path in EXAMPLES:
        original, drawn = cv2.imread(str(path)), cv2.imread(str(out / f"{path.stem}.png"))
        assert drawn is not None and drawn.shape == original.shape
        green = (np.abs(drawn.astype(int) - (60, 200, 60)).max(axis=2) < 30).sum()
        assert green > 200, path.name  # the boxes
    stdin = subprocess.run([sys.executable, "-m", "digitcam", "predict", "--json", "--model",
                            MODEL, "-"], input=EXAMPLES[0].read_bytes(), capture_output=True)
    assert stdin.returncode == 0, stdin.stderr
    assert json.loads(stdin.stdout)["text"] == EXAMPLES[0].stem.replace("_", " ")


def test_unknown_model_is_one_line_error(tmp_path):
    result = digitcam("predict", "--model", "nosuchmodel", str(tmp_path / "x.png"))
    assert result.returncode == 1
    assert "nosuchmodel" in result.stderr and "Traceback" not in result.stderr


def test_runtime_does_not_import_tensorflow():
    code = ("import sys, digitcam, digitcam.apps.cli; digitcam.apps.cli.build_parser(); "
            "from digitcam.reader import Recognizer; "
            "print(any(m.split('.')[0] in ('tensorflow', 'keras') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60)
    assert out.stdout.strip() == "False", out.stderr
