"""The paper's window, for real, under Xvfb: `digitcam live --source sample` is clicked
with xdotool and photographed with ImageMagick's `import`. The sample is read at once:
each digit has its green box, the 'processed' window shows the model's inputs, the
threshold trackbar sits under the feed; a click pauses (a hint says how to go on), another
resumes; s saves a snapshot, space then a digit key saves a labelled crop, m switches to
the paper's central box, q quits cleanly. On a 1920x1080 screen the 640x480 clip is shown
at its own size, 'processed' beside it.

Set DIGITCAM_SCREENSHOT=docs/live.png to keep the screenshot (the README's is made so).
(Closing by the title-bar button is tested in test_reliability_window.py.)
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from digitcam.apps.annotate import GREEN, YELLOW
from digitcam.apps.live.window import PROCESSED, SYSTEM_FONTS, WINDOW
from tests.badfiles import MODEL

xwin = pytest.importorskip("tests.integration.live.test_reliability_window",
                           reason="shares the Xvfb helpers of test_reliability_window.py")

FRAME_W, FRAME_H = 640, 480
TIMEOUT_S = 30


def screenshot(display: str, path) -> np.ndarray:
    subprocess.run(["import", "-display", display, "-window", "root", str(path)], check=True,
                   timeout=TIMEOUT_S)
    image = cv2.imread(str(path))
    assert image is not None
    return image


def xdo(display: str, *args: str) -> None:
    subprocess.run(["xdotool", *args], check=True, timeout=TIMEOUT_S,
                   env={**os.environ, "DISPLAY": display})


def press(display: str, key: str) -> None:
    """One key, then a pause: the loop takes one key per frame (15 a second here)."""
    xdo(display, "key", key)
    time.sleep(0.3)


def colour_pixels(image: np.ndarray, bgr, tolerance: int = 40) -> int:
    diff = np.abs(image.astype(np.int16) - np.array(bgr, np.int16)).max(axis=2)
    return int((diff <= tolerance).sum())


def screenshot_with_digits(display: str, path, tries: int = 20) -> np.ndarray | None:
    """A screenshot whose feed has green boxes (the sample has a blank page too)."""
    for _ in range(tries):
        image = screenshot(display, path)
        if colour_pixels(image[:FRAME_H, :FRAME_W], GREEN, 10) > 300:
            return image
        time.sleep(0.3)
    return None


def freeze_on_digits(display: str, path) -> None:
    """Space until the frozen frame shows digits (the sample has a blank page too)."""
    for _ in range(10):
        press(display, "space")
        if screenshot_with_digits(display, path, tries=1) is not None:
            return
        press(display, "space")
        time.sleep(0.5)
    raise AssertionError("never froze on a frame with digits")


def a_green_box(feed: np.ndarray) -> tuple[int, int]:
    """The centre of the largest green box drawn on the feed."""
    mask = (np.abs(feed.astype(np.int16) - np.array(GREEN, np.int16)).max(axis=2) <= 10)
    n, _, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8))
    x, y, w, h, _ = max(stats[1:n], key=lambda s: s[2] * s[3])
    return int(x + w // 2), int(y + h // 2)


def wait_for(predicate, what: str) -> None:
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.slow
def test_window_click_overlay_trackbar_and_keys(tmp_path):
    if shutil.which("import") is None:
        pytest.skip("needs ImageMagick's import for screenshots (CI installs it)")
    collect, snapshots = tmp_path / "collect", tmp_path / "snapshots"
    with xwin.xvfb("1920x1080") as display:
        env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}
        live = subprocess.Popen(
            [sys.executable, "-m", "digitcam", "live", "--source", "sample", "--loop",
             "--model", MODEL, "--collect", str(collect), "--snapshots", str(snapshots)],
            env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            window = xwin.find_window(display, WINDOW, live)
            xwin.find_window(display, PROCESSED, live)
            after = screenshot_with_digits(display, tmp_path / "after.png")  # read at once
            assert after is not None, "no green boxes without a click"
            processed = after[:240, FRAME_W + 10 :]
            assert (processed > 200).all(axis=2).sum() > 500  # white strokes of the inputs
            trackbar = after[FRAME_H : FRAME_H + 22, :FRAME_W]
            assert trackbar.mean() > 180 and (trackbar < 90).any()  # a light bar, its label
            if os.environ.get("DIGITCAM_SCREENSHOT"):
                keep = after[: FRAME_H + 24, : FRAME_W + 10 + 6 * 120]
                cv2.imwrite(os.environ["DIGITCAM_SCREENSHOT"], keep,
                            [cv2.IMWRITE_PNG_COMPRESSION, 9])

            xdo(display, "mousemove", "--window", str(window), "320", "200", "click", "1")

            def paused() -> bool:  # no boxes; "paused: click the picture to go on reading"
                feed = screenshot(display, tmp_path / "paused.png")[:FRAME_H, :FRAME_W]
                return colour_pixels(feed, GREEN, 10) == 0 and \
                    colour_pixels(feed, YELLOW, 30) > 100

            wait_for(paused, "the feed paused by the click")
            xdo(display, "click", "1")
            assert screenshot_with_digits(display, tmp_path / "resumed.png") is not None

            xdo(display, "windowfocus", str(window))
            press(display, "s")
            wait_for(lambda: len(list(snapshots.glob("*.png"))) == 3, "the snapshot")
            freeze_on_digits(display, tmp_path / "frozen.png")
            x, y = a_green_box(cv2.imread(str(tmp_path / "frozen.png"))[:FRAME_H, :FRAME_W])
            xdo(display, "mousemove", "--window", str(window), str(x), str(y), "click", "1")
            time.sleep(0.5)  # several digits in view: the click picks the one to save
            press(display, "7")
            wait_for(lambda: any((collect / "7").glob("*.png")), "the collected crops")
            press(display, "m")
            press(display, "space")
            time.sleep(1.0)
            roi = screenshot(display, tmp_path / "roi.png")[:FRAME_H, :FRAME_W]
            assert colour_pixels(roi, YELLOW, 10) > 300   # the paper's central 150x150 box
            press(display, "q")
            out, err = live.communicate(timeout=TIMEOUT_S)
        finally:
            if live.poll() is None:
                live.kill()
                live.communicate()
    assert live.returncode == 0, err
    assert "sample: " in out and " frames in " in out
    assert "Traceback" not in err
    if any(Path(folder).is_dir() for folder in SYSTEM_FONTS):  # fonts-dejavu-core in CI
        assert "QFont" not in err  # Qt found the system's fonts: trackbar label, no warnings
    crops = list((collect / "7").glob("*.png"))
    assert len(crops) == 1  # the digit clicked, not every one in view
    crop = cv2.imread(str(crops[0]))
    assert crop is not None and crop.shape[0] > 28
    assert f"saved {crops[0]} as 7" in out
