"""A new user's first hour with `digitcam live` (issue 12, points 1-6), the parts that need
no display: a folder's photos read each afresh and counted, collecting one digit at a time,
the headless recording's status line, the 'processed' captions, the key help, the window
fitted to the screen. The window itself is tested under Xvfb in test_live_window_ux.py."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from digitcam.apps.live import runner as live_runner
from digitcam.apps.live.command import __doc__ as live_doc
from digitcam.apps.live.loop import run_opencv_loop
from digitcam.apps.live.runner import Result, Runner, mosaic_labels
from digitcam.apps.live.screen import place
from digitcam.apps.live.sources import Frame
from digitcam.apps.live.window import KEYS, Window
from tests.badfiles import MODEL, page
from tests.integration.live.test_live import detection


class Scripted:
    """A recogniser that reads what it is told, frame by frame."""

    mode, min_confidence, threshold = "multi", 0.5, None

    def __init__(self, readings):
        self.readings = iter(readings)

    def read(self, image, keep_rejected=False):
        return next(self.readings)

    def confident(self, detections):
        return [d for d in detections if d.confidence >= self.min_confidence]


def test_a_folders_photos_share_no_smoothing():
    """An 8 read surely on one photo must not turn the next photo's 5 into an 8."""
    runner = Runner(Scripted([[detection(8, 0.99)], [detection(5, 0.6)]]))
    image = np.zeros((200, 200), np.uint8)
    runner.process(Frame(image, 0, 0.0, "a.png"))
    assert runner.process(Frame(image, 1, 1.0, "b.png")).text == "5"


def test_a_folder_summary_counts_each_photos_reading(tmp_path):
    for name, text in [("1.png", "47"), ("2.png", "25"), ("3.png", "47")]:
        cv2.imwrite(str(tmp_path / name), page(text))
    summary = run_opencv_loop(str(tmp_path), MODEL, headless=True)
    assert summary.frames == 3
    assert str(summary).endswith("read: 47, 25, 47")


def test_a_headless_recording_shows_the_speed(monkeypatch, tmp_path):
    statuses = []
    draw = live_runner.draw
    monkeypatch.setattr(live_runner, "draw", lambda r, image, rec, status, *a:
                        statuses.append(status) or draw(r, image, rec, status, *a))
    run_opencv_loop("sample", MODEL, headless=True, record=tmp_path / "out.mp4",
                    max_frames=6)
    assert len(statuses) == 6
    assert all(" 0 FPS" not in s and " 0.0 ms" not in s for s in statuses[1:]), statuses


def test_processed_captions_are_the_overlays():
    raw = [detection(3, 0.55, box=(10, 10, 40, 60)), detection(1, 0.3, box=(80, 10, 20, 60))]
    smoothed = detection(3, 0.91, box=(10, 10, 40, 60))  # what the box label says
    result = Result(Frame(np.zeros((100, 120), np.uint8), 0, 0.0), raw, [smoothed], 1.0)
    assert mosaic_labels(result) == ["3 91%", "1 30%"]


def window_without_display(tmp_path, raw) -> tuple[Window, Frame, Result]:
    """A Window's key handling, frozen on a frame that reads `raw`, without a display."""
    window = Window.__new__(Window)
    window.runner, window.recognizer = None, Scripted([])
    window.collect, window.frozen, window.selected = tmp_path / "collect", True, None
    window._scale = 1.0
    frame = Frame(np.dstack([page("636")] * 3), 0, 0.0)
    return window, frame, Result(frame, raw, raw, 1.0)


def test_collect_saves_one_digit_only(tmp_path, capsys):
    three = [detection(6, 0.9, (40, 20, 60, 100)), detection(3, 0.9, (130, 20, 60, 100)),
             detection(6, 0.9, (220, 20, 60, 100))]
    window, frame, result = window_without_display(tmp_path, three)
    window.key(ord("7"), frame, result, frame.image)
    assert not (tmp_path / "collect").exists()  # three digits in view: nothing saved
    assert window.message.startswith("3 digits in view: click the one to save")
    window._result = result
    window._on_mouse(cv2.EVENT_LBUTTONDOWN, 150, 60, 0, None)  # on the 3
    assert window.selected is three[1] and window.frozen
    window.key(ord("3"), frame, result, frame.image)
    (saved,) = (tmp_path / "collect" / "3").glob("*.png")
    assert f"saved {saved} as 3 (read as 3)" in capsys.readouterr().out
    assert window.message.startswith("saved as 3 (read as 3)")

    window, frame, result = window_without_display(tmp_path, three[1:2])  # one digit
    window.key(ord("8"), frame, result, frame.image)
    assert len(list((tmp_path / "collect" / "8").glob("*.png"))) == 1


def test_h_shows_the_keys_the_docstring_lists():
    window = Window.__new__(Window)
    window.help = False
    frame = Frame(np.zeros((10, 10), np.uint8), 0, 0.0)
    window.key(ord("h"), frame, None, frame.image)
    assert window.help
    window.key(ord("?"), frame, None, frame.image)
    assert not window.help
    keys = live_doc[live_doc.index("Keys in the window"):]
    for key, _ in KEYS:
        assert key.split(",")[0] in keys


@pytest.mark.parametrize("frame, screen", [((4000, 3000), (1280, 800)), ((900, 700), (1280, 800)),
                                           ((640, 480), (1920, 1080)), ((3000, 4000), (1366, 768))])
def test_the_feed_and_processed_fit_the_screen(frame, screen):
    from digitcam.apps.live.screen import CHROME, PROCESSED_SIZE

    (w, h), (px, py) = place(frame, screen)
    assert w <= screen[0] and h + CHROME <= screen[1]
    assert abs(w / h - frame[0] / frame[1]) < 0.01
    assert px + PROCESSED_SIZE[0] <= screen[0] and py + PROCESSED_SIZE[1] <= screen[1]
    assert px >= w or py >= h  # beside or below, not over
    if frame == (640, 480):
        assert (w, h) == frame  # room enough: never scaled

