"""Bad files (tests/badfiles.py's corpus) at every entry point that reads files.

Each bad file gets one line naming the file and the reason; the rest of the batch is still
read; the exit code is non-zero. The awkward but valid ones (16-bit, CMYK, animated GIF,
EXIF-rotated, transparent) must read right.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from digitcam.apps import cli
from digitcam.io import images
from digitcam.io.images import ImageError, read_image
from digitcam.reader import Recognizer
from tests.badfiles import MODEL, TEXT, Case, build_corpus, encode, page


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> list[Case]:
    return build_corpus(tmp_path_factory.mktemp("corpus"))


def digitcam(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "digitcam", *args], capture_output=True,
                          text=True, timeout=180)


def test_the_corpus_has_every_kind(corpus):
    names = {c.name for c in corpus}
    assert len([c for c in corpus if c.error]) >= 14
    for kind in ("zero_bytes.png", "truncated.png", "truncated.jpg", "text.png", "folder.png",
                 "zero_size.png", "bomb.png", "deep16.png", "cmyk.jpg", "animated.gif"):
        assert kind in names


def test_each_file_reads_or_names_its_reason(corpus):
    recognizer = Recognizer(model=MODEL)
    for case in corpus:
        if case.error:
            with pytest.raises(ImageError, match=case.error) as err:
                read_image(case.path)
            assert "\n" not in str(err.value), case.name
        else:
            assert recognizer.read_text(read_image(case.path)) == case.text, case.name


def test_predict_json_reads_the_whole_batch(corpus):
    result = digitcam("predict", "--json", "--model", MODEL, *(str(c.path) for c in corpus))
    assert result.returncode == 1
    assert result.stderr == ""  # no codec warnings, no traceback: everything is on stdout
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["path"] for line in lines] == [str(c.path) for c in corpus]
    for case, line in zip(corpus, lines):
        if case.error:
            assert set(line) == {"path", "error"} and re.search(case.error, line["error"]), line
        else:
            assert line.get("text") == case.text, line


def test_predict_plain_output_is_one_line_per_file(corpus):
    result = digitcam("predict", "--model", MODEL, *(str(c.path) for c in corpus))
    assert result.returncode == 1
    bad = [c for c in corpus if c.error]
    errors = result.stderr.splitlines()
    assert len(errors) == len(bad), result.stderr
    for case, line in zip(bad, errors):
        assert line.startswith(f"digitcam: {case.path}: ") and re.search(case.error, line)
    assert result.stdout.splitlines() == [f"{c.path}: {c.text}" for c in corpus if not c.error]


def test_unreadable_file_simulated(tmp_path, monkeypatch, capsys):
    """chmod 000 does not stop root (CI runs as root): the permission error is simulated
    where the file is opened, and must be reported like any other bad file."""
    locked, good = tmp_path / "locked.png", tmp_path / "good.png"
    for path in (locked, good):
        path.write_bytes(encode(page(), ".png"))

    def forbidding_open(path, *args, **kwargs):
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return open(path, *args, **kwargs)

    monkeypatch.setattr(images, "open", forbidding_open, raising=False)
    code = cli.main(["predict", "--json", "--model", MODEL, str(locked), str(good)])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 1
    assert lines == [{"path": str(locked), "error": "permission denied"},
                     {**lines[1], "path": str(good), "text": TEXT}]


def test_unreadable_file_for_real(tmp_path):
    from tests.badfiles import can_forbid_reading

    locked = tmp_path / "locked.png"
    locked.write_bytes(encode(page(), ".png"))
    if not can_forbid_reading(locked):
        pytest.skip("running as root (or on a file system without permissions): chmod 000 "
                    "does not stop reading; test_unreadable_file_simulated covers this case")
    with pytest.raises(ImageError, match="permission denied"):
        read_image(locked)


def test_opencv_limit_guards_formats_not_parsed_here(tmp_path):
    """A PGM header declaring 12000x9000 pixels with no data: refused by OpenCV's own limit,
    which `import digitcam` sets before OpenCV loads (not truncated-data guessing)."""
    path = tmp_path / "bomb.pgm"
    path.write_bytes(b"P5\n12000 9000\n255\n" + bytes(100))
    result = digitcam("predict", "--json", "--model", MODEL, str(path))
    assert result.returncode == 1
    assert "too large" in json.loads(result.stdout)["error"]


@pytest.mark.slow
def test_evaluate_dataset_lists_bad_files_and_reads_the_rest(tmp_path):
    pytest.importorskip("sklearn")
    pytest.importorskip("matplotlib")
    root, out = tmp_path / "digits", tmp_path / "report"
    corpus = build_corpus(root / "4")  # every kind of file, in the folder of the fours
    for digit in "17":
        (root / digit).mkdir()
        (root / digit / f"{digit}.png").write_bytes(encode(page(digit), ".png"))
    listed = [c for c in corpus if c.path.is_symlink() or c.path.exists()]
    bad = sorted((str(c.path), c.error) for c in listed if c.error)
    result = digitcam("evaluate", "--model", MODEL, "--dataset", str(root), "--out", str(out))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    metrics = json.loads((out / "metrics.json").read_text())
    unreadable = sorted((u["path"], u["error"]) for u in metrics["unreadable"])
    assert [p for p, _ in unreadable] == [p for p, _ in bad]
    for (path, error), (_, pattern) in zip(unreadable, bad):
        assert re.search(pattern, error), (path, error)
        assert f"digitcam: {path}: {error}" in result.stderr.splitlines()
    assert metrics["dataset"]["samples"] == len(listed) - len(bad) + 2
    assert all(Path(p).name in (out / "report.html").read_text() for p, _ in bad)


def test_ctrl_c_during_a_batch_is_one_line(tmp_path, monkeypatch, capsys):
    path = tmp_path / "good.png"
    path.write_bytes(encode(page(), ".png"))

    def interrupted(self, image, keep_rejected=False):
        raise KeyboardInterrupt

    monkeypatch.setattr(Recognizer, "read", interrupted)
    code = cli.main(["predict", "--model", MODEL, str(path), str(path)])
    assert code == 130 and capsys.readouterr().err == "digitcam: interrupted\n"
