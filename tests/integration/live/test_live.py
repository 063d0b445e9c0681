"""`digitcam live` without a window: the shipped sample clip, clips and photos made here
from MNIST test digits, the JSONL log and the recording, smoothing, sources, collecting.
(A camera that misbehaves is tested in test_reliability_camera.py; the window, under
Xvfb, in test_live_window.py.)"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
import types

import cv2
import numpy as np
import pytest

import digitcam
from digitcam.apps import cli
from digitcam.apps.live.loop import run_opencv_loop
from digitcam.apps.live.recorder import save_crops, save_snapshot
from digitcam.apps.live.runner import Result, Summary
from digitcam.apps.live.sources import (
    SAMPLE,
    CameraSource,
    FolderSource,
    Frame,
    Source,
    SourceError,
    open_source,
)
from digitcam.apps.live.tracking import Smoother
from digitcam.apps.live.window import Window
from digitcam.reader import Recognizer
from digitcam.regions import Detection
from digitcam.synth.scenes import Look, blank_scene, clip, clutter_scene, number_scene, render
from tests.badfiles import MODEL, TEXT, page

LOG_KEYS = {"frame", "t", "text", "lines", "digits", "raw", "latency_ms", "mode"}


def digitcam_cli(*args: str, env: dict | None = None, cwd=None):
    return subprocess.run([sys.executable, "-m", "digitcam", *args], capture_output=True,
                          text=True, timeout=120, env=env, cwd=cwd)


def read_log(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_sample_clip_headless_reads_every_shot(tmp_path):
    log, video = tmp_path / "sample.jsonl", tmp_path / "sample.mp4"
    result = digitcam_cli("live", "--source", "sample", "--headless", "--model", MODEL,
                          "--log", str(log), "--record", str(video))
    assert result.returncode == 0, result.stderr
    card = json.loads(SAMPLE.with_suffix(".json").read_text())
    frames = read_log(log)
    assert len(frames) == card["frames"] == 180
    assert set(frames[0]) == LOG_KEYS
    assert [f["frame"] for f in frames] == list(range(180))
    assert frames[15]["t"] == pytest.approx(15 / card["fps"], abs=1e-3)
    for shot in card["shots"]:
        seen = [f["text"] for f in frames[shot["first"] : shot["last"] + 1]]
        right = sum(text == shot["text"] for text in seen)
        assert right >= 0.9 * len(seen), (shot, seen)
    summary = result.stdout.strip().splitlines()[-1]
    assert summary.startswith("sample: 180 frames in ")
    wanted = [s["text"] for s in card["shots"] if s["text"]]
    assert summary.endswith("read: " + ", ".join(wanted))
    recorded = cv2.VideoCapture(str(video))
    assert int(recorded.get(cv2.CAP_PROP_FRAME_COUNT)) == 180
    ok, first = recorded.read()
    assert ok and first.shape == (480, 640, 3)
    recorded.release()


def test_once_reads_the_sample_clip_a_single_time_a_frame(tmp_path, monkeypatch):
    from digitcam.recognize.lines import LineRecognizer

    widths = []
    recognize = LineRecognizer.recognize

    def counting(self, gray, regions):
        widths.append(len(self.stretches))
        return recognize(self, gray, regions)

    monkeypatch.setattr(LineRecognizer, "recognize", counting)
    from digitcam import run_opencv_loop

    summary = run_opencv_loop("sample", headless=True, max_frames=40, once=True)
    assert summary.frames == 40 and set(widths) == {1}
    first = json.loads(SAMPLE.with_suffix(".json").read_text())["shots"][0]
    held = max(summary.readings, key=lambda r: r[2])    # (text, first frame, frames)
    assert held[0] == first["text"] and held[2] >= 0.8 * (first["last"] + 1)
    widths.clear()
    run_opencv_loop("sample", headless=True, max_frames=2)
    assert set(widths) == {5}
    result = digitcam_cli("live", "--source", "sample", "--headless", "--once",
                          "--max-frames", "30")
    assert result.returncode == 0, result.stderr


def test_log_holds_the_predict_schema_raw_and_smoothed(tmp_path):
    log = tmp_path / "log.jsonl"
    run_opencv_loop("sample", model=MODEL, headless=True, log=log, max_frames=12)
    frames = read_log(log)
    assert len(frames) == 12
    digit = frames[5]["digits"][0]
    assert set(digit) == {"digit", "confidence", "box", "line"} and len(digit["box"]) == 4
    assert frames[5]["text"] == frames[5]["raw"]["text"] == "7"
    assert all(f["latency_ms"] > 0 for f in frames)


def write_clip(path, scenes, fps: float = 10.0) -> list[str]:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (640, 480))
    texts = []
    for scene in scenes:
        writer.write(scene.frame)
        texts.append(scene.text)
    writer.release()
    return texts


def test_a_clip_made_from_mnist_test_digits(tmp_path, mnist_test):
    x, y = mnist_test
    rng = np.random.default_rng(10)
    truth = write_clip(tmp_path / "clip.mp4", clip(x, y, rng, (2, 0, 6), frames_per_shot=8))
    log = tmp_path / "clip.jsonl"
    summary = run_opencv_loop(str(tmp_path / "clip.mp4"), model=MODEL, headless=True, log=log)
    assert isinstance(summary, Summary) and summary.frames == 24 and not summary.stopped
    read = [f["text"] for f in read_log(log)]
    right = sum(r == t for r, t in zip(read, truth))
    assert right >= 0.9 * len(truth), list(zip(read, truth))
    assert read[8:16] == [""] * 8  # the blank page reads nothing
    assert summary.stable_readings() == [t for t in dict.fromkeys(truth) if t]


LOOKS = [Look(), Look(light_gradient=0.5, shadow=0.4), Look(noise=12, jpeg_quality=75),
         Look(rotation=-6, blur=0.7), Look(dark_ink=False)]


def test_a_folder_of_photos_bad_file_skipped(tmp_path, mnist_test):
    x, y = mnist_test
    rng = np.random.default_rng(11)
    truth = {}
    for i in range(10):  # numbers of 1-6 digits, two photos of each look
        scene = number_scene(x, y, i % 6 + 1, rng, look=LOOKS[i % len(LOOKS)])
        name = f"{i}.jpg" if i % 2 else f"{i}.png"
        cv2.imwrite(str(tmp_path / name), scene.frame)
        truth[name] = scene.text
    (tmp_path / "2b.png").write_text("not an image")
    (tmp_path / "notes.txt").write_text("ignored: not an image name")
    log = tmp_path.parent / "folder.jsonl"
    result = digitcam_cli("live", "--source", str(tmp_path), "--headless", "--model", MODEL,
                          "--log", str(log))
    assert result.returncode == 1, result.stderr  # the others are read, then it says so
    assert result.stderr.count("\n") == 1
    assert re.search(r"2b\.png: not a readable image.*\(skipped\)$", result.stderr.strip())
    assert ", 1 unreadable file skipped; read: " in result.stdout.splitlines()[-1]
    read = {f["file"]: f["text"] for f in read_log(log)}
    assert set(read) == set(truth)
    right = sum(read[k] == truth[k] for k in truth)
    assert right >= 8, (read, truth)  # some MNIST test digits are ambiguous even to people


def test_blank_and_non_digit_frames_read_nothing(tmp_path):
    rng = np.random.default_rng(12)
    for i in range(3):
        cv2.imwrite(str(tmp_path / f"blank{i}.png"), blank_scene(rng).frame)
    for kind in ("lines", "box", "star", "squiggle"):
        cv2.imwrite(str(tmp_path / f"{kind}.png"), clutter_scene(rng, kind=kind).frame)
    summary = run_opencv_loop(str(tmp_path), model=MODEL, headless=True,
                              log=tmp_path / "log.jsonl")
    assert summary.frames == 7
    assert all(f["text"] == "" and f["raw"]["text"] == "" and f["digits"] == []
               for f in read_log(tmp_path / "log.jsonl"))


def detection(digit: int, p: float, box=(100, 100, 40, 60), crop=None) -> Detection:
    probs = np.full(10, (1 - p) / 9, np.float32)
    probs[digit] = p
    if crop is None:
        crop = np.zeros((28, 28), np.uint8)
        cv2.line(crop, (10, 4), (16, 24), 255, 3)
    return Detection(digit, p, box, probs, crop)


def test_smoothing_stops_a_doubtful_digit_flickering():
    smoother = Smoother(frames=5, min_confidence=0.3)
    shown = []
    for i in range(10):  # the raw reading flips between 3 and 8 every other frame
        raw = detection(3, 0.7) if i % 2 == 0 else detection(8, 0.55)
        raw.probs[3 if raw.digit == 8 else 8] = 0.4
        (d,) = smoother.update([raw])
        shown.append(d.digit)
    assert shown == [3] * 10


def test_smoothing_starts_afresh_when_the_page_changes():
    smoother = Smoother(frames=5)
    for _ in range(5):
        smoother.update([detection(1, 0.99)])
    other = np.zeros((28, 28), np.uint8)
    cv2.circle(other, (14, 14), 8, 255, 3)  # a different digit where the 1 was
    (d,) = smoother.update([detection(0, 0.9, crop=other)])
    assert d.digit == 0 and d.confidence == pytest.approx(0.9)


def test_smoothing_keeps_a_digit_missed_for_a_frame():
    smoother = Smoother(frames=3, min_confidence=0.5)
    smoother.update([detection(4, 0.95)])
    assert smoother.update([]) == []          # not shown while missing ...
    (d,) = smoother.update([detection(4, 0.3)])  # ... but its history is kept
    assert d.digit == 4 and d.confidence > 0.5


def test_a_digit_missed_inside_a_number_stays_shown():
    """One frame misses the 9 of "8978": the number still reads 8978, the 9 held from its
    history beside its seen neighbours; once the page is gone, nothing is shown."""
    smoother = Smoother(frames=3, min_confidence=0.5)
    digits = [detection(v, 0.95) for v in (8, 9, 7, 8)]
    for k, d in enumerate(digits):
        d.box = (10 + 30 * k, 20, 24, 32)
    assert [d.digit for d in smoother.update(digits)] == [8, 9, 7, 8]
    missed = [d for d in digits if d.digit != 9]
    assert [d.digit for d in smoother.update(missed)] == [8, 9, 7, 8]
    assert smoother.update([]) == []
    smoother.update(digits)                 # the page again, then another page
    other = np.zeros((28, 28), np.uint8)
    cv2.circle(other, (14, 14), 8, 255, 3)
    new = [detection(0, 0.95, box=(10 + 30 * k, 22, 24, 30), crop=other) for k in range(2)]
    assert [d.digit for d in smoother.update(new)] == [0, 0]  # none of 8978 left over


class CountingCapture:
    """A camera faster than its reader: frame k is filled with the value k % 256."""

    def __init__(self):
        self.count = 0

    def isOpened(self) -> bool:  # noqa: N802 (OpenCV's name)
        return True

    def set(self, *args) -> bool:
        return True

    def read(self):
        time.sleep(0.002)
        self.count += 1
        return True, np.full((48, 64, 3), self.count % 256, np.uint8)

    def release(self) -> None:
        pass


def test_camera_hands_out_only_the_latest_frame():
    capture = CountingCapture()
    camera = CameraSource(0, opener=lambda i: capture)
    try:
        first = camera.read()
        time.sleep(0.1)  # the reader is slow: about 50 frames arrive meanwhile
        second = camera.read()
        assert second.index - first.index > 10      # the stale ones were dropped
        assert abs(int(second.image[0, 0, 0]) - capture.count % 256) <= 2  # the newest
        assert threading.active_count() >= 2
    finally:
        camera.close()
    assert not camera._thread.is_alive()


def test_source_errors_are_one_line(tmp_path):
    with pytest.raises(SourceError, match="no such file or folder.*'sample'"):
        open_source(tmp_path / "missing.mp4")
    with pytest.raises(SourceError, match="no images in it"):
        open_source(tmp_path)
    with pytest.raises(SourceError, match="not a readable video"):
        (tmp_path / "fake.mp4").write_text("not a video")
        open_source(tmp_path / "fake.mp4")
    result = digitcam_cli("live", "--source", str(tmp_path / "nothing"), "--headless")
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0 and "--source takes" in result.stderr


def test_bad_options_are_one_line(tmp_path):
    result = digitcam_cli("live", "--source", "sample", "--headless", "--max-frames", "0")
    assert result.returncode == 2 and "at least 1" in result.stderr
    result = digitcam_cli("live", "--source", "sample", "--headless",
                          "--log", str(tmp_path / "no" / "dir" / "x.jsonl"))
    assert result.returncode == 1 and "Traceback" not in result.stderr


@pytest.mark.parametrize("display", [None, ":249"], ids=["unset", "unreachable"])
def test_without_a_display_live_runs_headless_and_says_so(display):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    if display:
        env["DISPLAY"] = display  # no X server there: Qt would abort, so it is probed first
    result = digitcam_cli("live", "--source", "sample", "--model", MODEL, "--max-frames", "20",
                          env=env)
    assert result.returncode == 0, result.stderr
    assert "no display" in result.stderr and "running headless" in result.stderr
    assert result.stderr.count("\n") == 1
    assert "frame 0 (0.00 s): 7" in result.stdout
    assert result.stdout.strip().splitlines()[-1].startswith("sample: 20 frames")


def test_collected_crops_read_back_as_the_digit(tmp_path, mnist_test):
    """What the window's digit keys save (DIR/<digit>/) is what `digitcam finetune` reads."""
    from digitcam.training.finetune import load_user_samples

    x, y = mnist_test
    recognizer = Recognizer(MODEL)
    rng = np.random.default_rng(13)
    for digit in (3, 7):
        idx = int(np.flatnonzero(y == digit)[0])
        scene = render([x[idx]], rng, Look(noise=3), labels=[digit])
        detections = recognizer.read(scene.frame, keep_rejected=True)
        paths = save_crops(scene.frame, detections, tmp_path, str(digit))
        assert len(paths) == 1 and paths[0].parent == tmp_path / str(digit)
    samples = load_user_samples(tmp_path)
    assert sorted(samples.labels.tolist()) == [3, 7]
    probs = recognizer.classifier.predict_proba(samples.images)
    assert probs.argmax(1).tolist() == samples.labels.tolist()


def test_run_opencv_loop_is_the_papers_public_name():
    assert digitcam.run_opencv_loop is run_opencv_loop


def test_folder_and_image_sources_loop_when_asked(tmp_path):
    cv2.imwrite(str(tmp_path / "a.png"), np.full((40, 40), 255, np.uint8))
    with open_source(tmp_path / "a.png", loop=True) as source:
        assert isinstance(source, FolderSource)
        assert [source.read().index for _ in range(3)] == [0, 1, 2]
    with open_source(tmp_path) as source:
        assert source.read().name == "a.png" and source.read() is None


# Faults: bad files in a folder, --record and --log kept whole, snapshots that can't be saved.

def test_a_folder_of_only_bad_files_exits_1(tmp_path, capsys):
    (tmp_path / "a.png").write_text("not an image")
    (tmp_path / "b.jpg").write_bytes(b"")
    code = cli.main(["live", "--source", str(tmp_path), "--headless", "--model", MODEL])
    out, err = capsys.readouterr()
    assert code == 1
    assert err.count("(skipped)") == 2 and err.count("\n") == 2 and "Traceback" not in err
    assert out.splitlines()[-1].startswith(f"{tmp_path}: 0 frames in ")
    assert ", 2 unreadable files skipped; read: nothing" in out


def test_a_looping_folder_says_a_bad_file_once(tmp_path, capsys):
    for name in ("a.png", "c.png"):
        cv2.imwrite(str(tmp_path / name), np.full((40, 40), 255, np.uint8))
    (tmp_path / "b.png").write_text("not an image")
    with open_source(tmp_path, loop=True) as source:
        names = [source.read().name for _ in range(6)]
    assert names == ["a.png", "c.png"] * 3 and source.skipped == 1
    assert capsys.readouterr().err.count("b.png") == 1


class WatchedSource(Source):
    """`frames` frames of a page, then `end` ("end", "interrupt" or "lost"). Before each
    frame it notes what a killed run would leave on disk: the log's lines, whether OUT is
    there."""

    name, fps = "watched", 10.0

    def __init__(self, frames: int, end: str, log, out):
        self.frames, self.end, self.log, self.out = frames, end, log, out
        self.index = 0
        self.seen: list[tuple[int, bool]] = []  # (complete log lines, OUT exists)
        self.image = np.dstack([page()] * 3)

    def read(self) -> Frame | None:
        lines = self.log.read_text().count("\n") if self.log.exists() else 0
        self.seen.append((lines, self.out.exists()))
        if self.index == self.frames:
            if self.end == "interrupt":
                raise KeyboardInterrupt
            if self.end == "lost":
                raise SourceError("camera 0 stopped delivering frames")
            return None
        self.index += 1
        return Frame(self.image, self.index - 1, self.index / self.fps)


@pytest.mark.parametrize(("end", "code"), [("end", 0), ("interrupt", 130), ("lost", 1)])
def test_record_and_log_are_whole_at_every_moment(tmp_path, monkeypatch, capsys, end, code):
    """A killed run leaves complete log lines and no half-written OUT; every clean end
    (the source's end, Ctrl-C, a lost camera) moves the finished video into place."""
    from digitcam.apps.live import loop as live

    log, out = tmp_path / "run.jsonl", tmp_path / "run.mp4"
    source = WatchedSource(6, end, log, out)
    monkeypatch.setattr(live, "open_source", lambda *a, **k: source)
    assert cli.main(["live", "--source", "0", "--headless", "--model", MODEL,
                     "--log", str(log), "--record", str(out)]) == code
    assert source.seen == [(i, False) for i in range(7)]  # flushed per frame, OUT not yet
    assert [f["text"] for f in read_log(log)] == [TEXT] * 6
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.jsonl", "run.mp4"]
    video = cv2.VideoCapture(str(out))
    assert int(video.get(cv2.CAP_PROP_FRAME_COUNT)) == 6
    video.release()
    assert "Traceback" not in capsys.readouterr().err


def test_record_as_avi(tmp_path):
    out = tmp_path / "run.avi"
    run_opencv_loop("sample", model=MODEL, headless=True, record=out, max_frames=5)
    video = cv2.VideoCapture(str(out))
    ok, first = video.read()
    assert ok and first.shape == (480, 640, 3)
    assert int(video.get(cv2.CAP_PROP_FRAME_COUNT)) == 5
    video.release()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.avi"]


class ClosedWriter:
    """cv2.VideoWriter where OpenCV has no encoder: it never opens."""

    def __init__(self, *args):
        pass

    def isOpened(self) -> bool:  # noqa: N802 (OpenCV's name)
        return False

    def release(self) -> None:
        pass


@pytest.mark.parametrize(("name", "said"), [
    ("run.mkv", "run.mkv: --record writes .mp4 or .avi videos (try run.mp4)"),
    ("no/dir/run.mp4", "cannot write the video (no folder"),
    ("folder.mp4", "folder.mp4: cannot write the video (is a folder)"),
    ("closed.mp4", "closed.mp4: cannot write the video (OpenCV has no mp4v encoder"),
    ("log-is-a-folder", "cannot write the log (Is a directory)"),
])
def test_unwritable_record_or_log_is_one_line_before_any_frame(tmp_path, monkeypatch, capfd,
                                                                name, said):
    from digitcam.apps.live import loop as live

    (tmp_path / "folder.mp4").mkdir()
    (tmp_path / "log-is-a-folder").mkdir()
    if name == "closed.mp4":
        monkeypatch.setattr(live.cv2, "VideoWriter", ClosedWriter)
    option = "--log" if name.startswith("log") else "--record"
    code = cli.main(["live", "--source", "sample", "--headless", "--model", MODEL,
                     option, str(tmp_path / name)])
    out, err = capfd.readouterr()
    assert code == 1 and out == ""  # no frame read, no summary
    assert err.count("\n") == 1 and said in err and err.startswith("digitcam: error: ")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder.mp4", "log-is-a-folder"]


def test_snapshots_and_crops_that_cannot_be_saved_say_so_and_the_loop_goes_on(
        tmp_path, monkeypatch, capsys):
    from digitcam.apps.live import recorder as live

    image = np.dstack([page()] * 3)
    (tmp_path / "taken").write_text("a file where the snapshot folder should be")
    with pytest.raises(OSError, match=r"^could not save the snapshot to .*taken/snapshot-"):
        save_snapshot(tmp_path / "taken", image, image, image)
    monkeypatch.setattr(live.cv2, "imwrite", lambda *a: False)  # a full disk
    with pytest.raises(OSError, match=r"^could not save the crop to .*/7/.*-0\.png$"):
        save_crops(image, [detection(7, 0.9)], tmp_path / "crops", "7")

    window = Window.__new__(Window)  # its key handling, without opening a window
    window.runner, window.selected = None, None
    window.recognizer = types.SimpleNamespace(confident=lambda detections: detections)
    window.snapshots, window.collect, window.frozen = tmp_path / "shots", tmp_path / "c", True
    frame = Frame(image, 0, 0.0)
    result = Result(frame, [detection(7, 0.9)], [], 1.0)
    assert window.key(ord("s"), frame, result, image) is True
    assert window.key(ord("7"), frame, result, image) is True
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2
    assert err[0].startswith(f"digitcam: could not save the snapshot to {tmp_path / 'shots'}")
    assert err[1].startswith(f"digitcam: could not save the crop to {tmp_path / 'c' / '7'}")
    assert window.message == err[1].removeprefix("digitcam: ")
