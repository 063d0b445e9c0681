"""`digitcam evaluate` end to end: on MNIST (two models side by side) and on a user's folder."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

pytest.importorskip("sklearn")
pytest.importorskip("matplotlib")

from digitcam.apps.cli import main  # noqa: E402
from digitcam.apps.evaluate.report import MODEL_SECTIONS  # noqa: E402
from digitcam.assets.registry import DEFAULT_MODEL  # noqa: E402
from digitcam.recognize.classifier import get_classifier  # noqa: E402
from tests.conftest import mnist_dir  # noqa: E402

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def assert_valid_png(path: Path) -> None:
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE, path
    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    assert img is not None and img.shape[0] > 200 and img.shape[1] > 200, path
    assert img.std() > 10, f"{path} looks blank"


def section_ids(html: str) -> set[str]:
    return set(re.findall(r'<h[23] id="([^"]+)"', html))


def expected_sections(models: list[str]) -> set[str]:
    return {"summary", "method", *models,
            *{f"{m}-{sid}" for m in models for sid, _, _ in MODEL_SECTIONS}}


@pytest.fixture(scope="module")
def mnist_report(tmp_path_factory, mnist):
    """The whole test set through two models (the same MLP twice: by name and by path), with
    a tiny robustness study."""
    out = tmp_path_factory.mktemp("report")
    mlp_path = str(get_classifier("mlp").path)
    rc = main(["evaluate", "--model", "mlp", "--model", mlp_path, "--data-dir", str(mnist_dir()),
               "--robust-digits", "40", "--robust-frames", "2", "--out", str(out)])
    return rc, out, json.loads((out / "metrics.json").read_text())


def test_mnist_accuracy_agrees_with_the_model_card_and_an_independent_count(mnist_report,
                                                                            mnist_test):
    rc, out, metrics = mnist_report
    assert rc == 0
    x, y = mnist_test
    classifier = get_classifier("mlp")
    own = float((classifier.predict_proba(x).argmax(axis=1) == y).mean())
    for name in ("mlp", "mlp-2"):
        m = metrics["models"][name]
        assert m["samples"] == len(y) == 10_000
        assert m["accuracy"] == pytest.approx(own, abs=1e-9)
        assert m["accuracy"] == pytest.approx(classifier.card["accuracy"]["test"], abs=1e-4)
        assert sum(map(sum, m["confusion"]["counts"])) == len(y)
        assert len(m["confident_mistakes"]) >= 25
    assert metrics["dataset"]["kind"] == "mnist" and metrics["unreadable"] == []


def test_every_figure_is_a_valid_png(mnist_report):
    _, out, metrics = mnist_report
    figures = metrics["figures"]
    assert {"robustness", "robustness_examples", "coverage", "mlp/roc",
            "mlp-2/mistakes"} <= set(figures)
    assert len(figures) == 2 * 7 + 3  # per model, robustness (2), coverage (models overlaid)
    assert sorted(p.name for p in out.glob("*.png")) == sorted(figures.values())
    for name in figures.values():
        assert_valid_png(out / name)


def test_report_has_every_section_and_embeds_its_figures(mnist_report):
    _, out, metrics = mnist_report
    html = (out / "report.html").read_text()
    assert expected_sections(["mlp", "mlp-2"]) | {"robustness", "coverage"} <= section_ids(html)
    assert html.count('src="data:image/png;base64,') == len(metrics["figures"])
    assert not re.search(r'(src|href)="(https?:|//|[^"#d][^"]*\.png)', html)  # offline
    assert "Models side by side" in html and "Mean corruption accuracy" in html
    for corruption in ("salt-and-pepper noise", "elastic distortion", "occlusion"):
        assert corruption in html
    rob = metrics["models"]["mlp"]["robustness"]
    assert f"{rob['digits']['mean_corruption_accuracy']:.1%}" in html


def make_folder(root: Path, x: np.ndarray, y: np.ndarray, per_class: int = 3) -> list[Path]:
    """MNIST test digits as 100x100 photos of dark ink on light paper, in root/<digit>/."""
    paths = []
    for k in range(10):
        (root / str(k)).mkdir(parents=True)
        for n, i in enumerate(np.flatnonzero(y == k)[:per_class]):
            ink = cv2.resize(x[i], (72, 72), interpolation=cv2.INTER_CUBIC)
            page = cv2.copyMakeBorder(235 - (ink.astype(np.float32) * 0.75).astype(np.uint8),
                                      14, 14, 14, 14, cv2.BORDER_CONSTANT, value=235)
            path = root / str(k) / f"{n}.png"
            cv2.imwrite(str(path), page)
            paths.append(path)
    return paths


def test_dataset_folder_agrees_with_predict_and_lists_bad_files(tmp_path, mnist_test, capsys):
    x, y = mnist_test
    root = tmp_path / "mine"
    good = make_folder(root, x, y)
    (root / "3" / "notes.png").write_text("not an image")
    (root / "7" / "empty.png").write_bytes(b"")
    (root / "5" / ".hidden.png").write_text("skipped")
    (root / "README.txt").write_text("not a digit folder, ignored")
    out = tmp_path / "out"
    rc = main(["evaluate", "--model", "mlp", "--dataset", str(root), "--out", str(out)])
    captured = capsys.readouterr()
    assert rc == 1  # the report is written, but the batch had bad files
    assert f"{root / '3' / 'notes.png'}: not a readable image" in captured.err
    metrics = json.loads((out / "metrics.json").read_text())
    bad = {Path(b["path"]).name: b["error"] for b in metrics["unreadable"]}
    assert bad == {"notes.png": bad["notes.png"], "empty.png": "empty file"}
    m = metrics["models"]["mlp"]
    assert m["samples"] == len(good) == 30
    assert main(["predict", "--json", "--model", "mlp", *map(str, good)]) == 0
    texts = {json.loads(line)["path"]: json.loads(line)["text"]
             for line in capsys.readouterr().out.splitlines()}
    files = {f["path"]: f for f in m["files"]}
    for path in good:
        label = path.parent.name
        assert files[str(path)]["text"] == texts[str(path)]
        assert files[str(path)]["exact"] == (texts[str(path)] == label)
    exact = np.mean([texts[str(p)] == p.parent.name for p in good])
    assert m["exact_read_accuracy"] == pytest.approx(exact) and exact >= 0.8
    html = (out / "report.html").read_text()
    assert expected_sections(["mlp"]) | {"unreadable"} <= section_ids(html)
    assert "robustness" not in section_ids(html)
    assert "notes.png" in html and "empty file" in html
    for name in metrics["figures"].values():
        assert_valid_png(out / name)


def test_limit_takes_the_classes_in_turn(tmp_path, mnist_test):
    x, y = mnist_test
    make_folder(tmp_path / "mine", x, y, per_class=2)
    out = tmp_path / "out"
    assert main(["evaluate", "--model", "mlp", "--dataset", str(tmp_path / "mine"),
                 "--limit", "10", "--out", str(out)]) == 0
    m = json.loads((out / "metrics.json").read_text())["models"]["mlp"]
    assert [f["true"] for f in m["files"]] == list(range(10))


@pytest.mark.parametrize("argv, message", [
    (["--dataset", "no/such/folder"], "not a folder"),
    (["--model", "no-such-model", "--limit", "5"], "not found"),
    (["--model", "mlp", "--out", "{tmp}/file.txt"], "exists and is not a folder"),
])
def test_bad_arguments_give_one_line(tmp_path, capsys, argv, message):
    (tmp_path / "file.txt").write_text("in the way")
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    argv += [] if "--out" in argv else ["--out", str(tmp_path / "out")]
    assert main(["evaluate", *argv]) == 1
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1 and "Traceback" not in err


def test_empty_folder_of_folders(tmp_path, capsys):
    (tmp_path / "mine" / "4").mkdir(parents=True)
    assert main(["evaluate", "--model", "mlp", "--dataset", str(tmp_path / "mine"),
                 "--out", str(tmp_path / "out")]) == 1
    assert "hold no files" in capsys.readouterr().err


def test_missing_extra_is_one_line(monkeypatch, tmp_path):
    for name in [m for m in sys.modules if m.startswith("digitcam.apps.evaluate.")]:
        monkeypatch.delitem(sys.modules, name)
    for name in [m for m in sys.modules if m.split(".")[0] == "sklearn"] + ["sklearn"]:
        monkeypatch.setitem(sys.modules, name, None)  # as if scikit-learn were not installed
    with pytest.raises(SystemExit) as exc:
        main(["evaluate", "--model", "mlp", "--out", str(tmp_path)])
    assert "pip install 'digitcam[evaluate]'" in str(exc.value)


def test_command_module_is_light_to_import():
    code = ("import sys, digitcam.apps.evaluate; "
            "print(sorted(m for m in ('matplotlib', 'sklearn') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stderr


def test_default_model_on_a_subset(tmp_path, mnist):
    out = tmp_path / "out"
    assert main(["evaluate", "--data-dir", str(mnist_dir()), "--limit", "500",
                 "--no-robustness", "--out", str(out)]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert list(metrics["models"]) == [DEFAULT_MODEL]
    assert metrics["models"][DEFAULT_MODEL]["accuracy"] > 0.97
