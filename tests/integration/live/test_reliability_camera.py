"""A camera that misbehaves on purpose: it fails after N frames, returns empty frames, or
comes back after a reconnect. The live loop must retry with a bounded back-off, then end
cleanly with a message that says what happened; never hang, never a traceback."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from digitcam.apps import cli
from digitcam.apps.live.sources import RECONNECT_DELAYS, CameraSource, SourceError
from tests.badfiles import MODEL, TEXT, page

FAST_DELAYS = (0.01, 0.02, 0.04)
STALL_S = 2.0


class FakeCapture:
    """A cv2.VideoCapture stand-in: `good` frames of a page, then `then` for ever:
    "fail" (read returns False), "empty" (an empty image) or "none" (True, None)."""

    def __init__(self, good: int, then: str = "fail", opened: bool = True):
        self.good, self.then, self.opened = good, then, opened
        self.released = False

    def isOpened(self) -> bool:  # noqa: N802 (OpenCV's name)
        return self.opened

    def set(self, *args) -> bool:
        return True

    def read(self):
        if self.good > 0:
            self.good -= 1
            return True, np.dstack([page()] * 3)
        time.sleep(0.001)
        return {"fail": (False, None), "empty": (True, np.zeros((0, 0, 3), np.uint8)),
                "none": (True, None)}[self.then]

    def release(self) -> None:
        self.released = True


class Opener:
    """Hands out the given captures in turn, then cameras that will not open (unplugged)."""

    def __init__(self, *captures: FakeCapture):
        self.captures = list(captures)
        self.calls = 0
        self.lock = threading.Lock()

    def __call__(self, index: int) -> FakeCapture:
        with self.lock:
            self.calls += 1
            return self.captures.pop(0) if self.captures else FakeCapture(0, opened=False)


def read_until_lost(source: CameraSource) -> tuple[int, str]:
    frames = 0
    with pytest.raises(SourceError) as lost:
        while True:
            source.read()
            frames += 1
    return frames, str(lost.value)


@pytest.mark.parametrize("then", ["fail", "empty", "none"])
def test_lost_camera_is_retried_with_back_off_then_given_up(then, capsys):
    opener = Opener(FakeCapture(3, then))
    start = time.monotonic()
    with CameraSource(0, opener, delays=FAST_DELAYS, stall=STALL_S) as source:
        frames, reason = read_until_lost(source)
    elapsed = time.monotonic() - start
    assert frames >= 1  # the latest frame only: some of the 3 may be skipped
    assert "stopped delivering frames" in reason and "3 reconnect attempts" in reason
    assert opener.calls == 1 + len(FAST_DELAYS)
    said = [line for line in capsys.readouterr().err.splitlines() if "reconnecting" in line]
    assert said == [f"digitcam: camera 0: no frame, reconnecting in {d:g} s" for d in FAST_DELAYS]
    assert sum(FAST_DELAYS) <= elapsed < sum(FAST_DELAYS) + STALL_S


def test_camera_that_comes_back_keeps_going():
    opener = Opener(FakeCapture(2, "fail"), FakeCapture(4, "empty"))
    with CameraSource(0, opener, delays=FAST_DELAYS, stall=STALL_S) as source:
        frames, reason = read_until_lost(source)
    assert frames >= 2 and opener.calls == 2 + len(FAST_DELAYS)  # the back-off started over
    assert "gave up after 3 reconnect attempts" in reason


def test_a_hung_camera_is_lost_after_the_stall_time():
    """A driver whose read() blocks: the loop is not stuck with it."""
    release = threading.Event()

    class Hung(FakeCapture):
        def read(self):
            if self.good:
                return super().read()
            release.wait(10)
            return False, None

    start = time.monotonic()
    with CameraSource(0, Opener(Hung(1)), delays=FAST_DELAYS, stall=0.3) as source:
        source.read()
        with pytest.raises(SourceError, match="delivered no frame"):
            source.read()
        release.set()
    assert time.monotonic() - start < 5


def test_default_back_off_is_bounded_and_growing():
    assert len(RECONNECT_DELAYS) >= 2 and list(RECONNECT_DELAYS) == sorted(RECONNECT_DELAYS)
    assert 0 < sum(RECONNECT_DELAYS) <= 10


def test_live_cli_ends_cleanly_when_the_camera_is_lost(monkeypatch, capsys):
    """`digitcam live --source 0` with a camera that dies: the real back-off (sleeps
    recorded, not waited), one line per attempt, a summary saying why, exit code 1."""
    from digitcam.apps.live import sources as live_sources

    sleeps = []
    real_sleep = time.sleep
    monkeypatch.setattr(live_sources.time, "sleep",
                        lambda s: sleeps.append(s) if s >= 0.1 else real_sleep(s))
    monkeypatch.setattr(live_sources, "_quiet_capture", Opener(FakeCapture(5, "fail")))
    code = cli.main(["live", "--source", "0", "--headless", "--model", MODEL])
    out, err = capsys.readouterr()
    assert code == 1
    assert sleeps == list(RECONNECT_DELAYS)
    lines = out.splitlines()
    assert lines[0].startswith("frame ") and lines[0].endswith(f": {TEXT}")  # it did read
    assert lines[-2].startswith("camera 0: ") and " frames in " in lines[-2]  # the summary
    assert lines[-1] == ("stopped: camera 0 stopped delivering frames; gave up after "
                         f"{len(RECONNECT_DELAYS)} reconnect attempts")
    assert "Traceback" not in err
    assert err.count("reconnecting in") == len(RECONNECT_DELAYS)


def test_live_cli_without_a_camera_is_one_line(monkeypatch, capsys):
    from digitcam.apps.live import sources as live_sources

    monkeypatch.setattr(live_sources, "_quiet_capture", Opener())
    code = cli.main(["live", "--source", "3", "--headless", "--model", MODEL])
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "no camera at index 3" in err and "--source" in err


def test_unreadable_video_is_one_line(tmp_path):
    """A truncated video (its index lost): one line from digitcam, none from FFmpeg."""
    from digitcam.apps.live.sources import SAMPLE

    path = tmp_path / "cut.mp4"
    path.write_bytes(SAMPLE.read_bytes()[:50_000])
    result = subprocess.run([sys.executable, "-m", "digitcam", "live", "--headless",
                             "--source", str(path), "--model", MODEL], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 1
    assert result.stderr == f"digitcam: error: {path}: not a readable video\n"
