"""What runs leave behind (issue 13, points 10, 11, 12, 17, 18): SIGTERM finishes the
recording, an evaluation that fails half-way leaves the previous report whole, onnxruntime
writes nothing in HOME, and file names cannot send escape codes to the terminal."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time

import cv2
import numpy as np
import pytest


def digitcam(*args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "digitcam", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, **kwargs)


def test_sigterm_during_record_leaves_a_playable_video(tmp_path):
    out = tmp_path / "out.mp4"
    partial = tmp_path / ".out.partial.mp4"
    proc = digitcam("live", "--source", "sample", "--headless", "--loop", "--record", str(out))
    deadline = time.monotonic() + 60
    while not (partial.exists() and partial.stat().st_size > 20000):
        assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read()
        time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 143, err
    assert b"digitcam: terminated" in err and b"Traceback" not in err
    assert not partial.exists()
    cap = cv2.VideoCapture(str(out))
    ok, frame = cap.read()
    cap.release()
    assert ok and frame is not None


def test_onnxruntime_writes_nothing_in_home(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    image = tmp_path / "page.png"
    cv2.imwrite(str(image), np.full((60, 60), 255, np.uint8))
    env = {**os.environ, "HOME": str(home)}
    env.pop("ORT_DISABLE_TELEMETRY", None)
    proc = digitcam("predict", str(image), env=env)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert list(home.iterdir()) == []  # no ~/.cache/Microsoft/DeveloperTools


def test_escape_codes_in_file_names_do_not_reach_the_terminal(tmp_path):
    good = tmp_path / "ok\x1b[2J\x1b]0;pwned\x07.png"
    cv2.imwrite(str(good), np.full((60, 60), 255, np.uint8))
    bad = tmp_path / "bad\x1b[31m.png"
    bad.write_bytes(b"not an image")
    proc = digitcam("predict", str(good), str(bad))
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1
    assert b"\x1b" not in out and b"\x1b" not in err and b"\x07" not in out
    assert b"ok\\x1b[2J\\x1b]0;pwned\\x07.png: (no digits)" in out
    assert b"bad\\x1b[31m.png: " in err


@pytest.fixture
def evaluate_twice(tmp_path, mnist):
    from digitcam.apps.evaluate.config import EvaluateConfig
    from digitcam.apps.evaluate.run import evaluate

    def run(out, limit=20):
        return evaluate(EvaluateConfig(models=("mlp",), limit=limit, robustness=False, out=out,
                                       progress=False))

    return run


def test_a_failed_evaluation_leaves_the_previous_report_whole(tmp_path, evaluate_twice,
                                                              monkeypatch):
    from digitcam.apps.evaluate import figures

    out = tmp_path / "report"
    assert evaluate_twice(out) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    real_save, saved = figures.save, []

    def disk_full_after_two(fig, path):
        if len(saved) == 2:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        saved.append(path)
        return real_save(fig, path)

    monkeypatch.setattr(figures, "save", disk_full_after_two)
    with pytest.raises(OSError):
        evaluate_twice(out, limit=30)  # other figures: a half-written run would show
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]  # no hidden leftovers


def test_a_failed_evaluation_creates_no_folder(tmp_path, evaluate_twice):
    from digitcam.apps.evaluate.config import EvaluateConfig
    from digitcam.apps.evaluate.run import evaluate
    from digitcam.data.mnist import DataError

    with pytest.raises(DataError):
        evaluate(EvaluateConfig(models=("mlp",), data_dir=str(tmp_path / "typo"), limit=5,
                                out=tmp_path / "report", progress=False))
    assert list(tmp_path.iterdir()) == []
