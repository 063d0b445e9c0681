"""`digitcam live --source photo.png` as a new user runs it (issue 12, points 1, 2, 5, 6),
for real under Xvfb: a 4000x3000 photo is read at once, with no click, and stays on screen
until q; the feed is fitted to a 1280x800 screen with 'processed' beside it, both on
screen; h shows the keys; m on the frozen photo reads it again; closing 'processed' hides
it for good. Set DIGITCAM_SCREENSHOTS=DIR to keep the screenshots."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time

import cv2
import numpy as np
import pytest

from digitcam.apps.annotate import GREEN, YELLOW
from digitcam.apps.live.window import PROCESSED, WINDOW
from tests.badfiles import MODEL, page
from tests.integration.live import test_reliability_window as xwin
from tests.integration.live.test_live_window import colour_pixels, press, screenshot, wait_for

SCREEN = (1280, 800)


def big_photo(path) -> None:
    """'482' on a 4000x3000 page, as a phone photographs it."""
    grey = page("482")
    h, w = grey.shape
    pad = (w * 3 // 4 - h) // 2
    cv2.imwrite(str(path), cv2.resize(np.pad(grey, ((pad, pad), (0, 0)), constant_values=255),
                                      (4000, 3000)))


def geometry(display: str, window: int) -> tuple[int, int, int, int]:
    shell = subprocess.run(["xdotool", "getwindowgeometry", "--shell", str(window)],
                           capture_output=True, text=True, check=True,
                           env={**os.environ, "DISPLAY": display}).stdout
    values = dict(line.split("=") for line in shell.split())
    return tuple(int(values[k]) for k in ("X", "Y", "WIDTH", "HEIGHT"))


def visible(display: str, title: str) -> bool:
    return bool(subprocess.run(["xdotool", "search", "--onlyvisible", "--name", f"^{title}$"],
                               capture_output=True, text=True,
                               env={**os.environ, "DISPLAY": display}).stdout.split())


def keep(tmp_path) -> None:
    if os.environ.get("DIGITCAM_SCREENSHOTS"):
        shutil.copytree(tmp_path, os.environ["DIGITCAM_SCREENSHOTS"], dirs_exist_ok=True)


@pytest.mark.slow
def test_a_photo_is_read_at_once_fitted_to_the_screen(tmp_path):
    if shutil.which("import") is None:
        pytest.skip("needs ImageMagick's import for screenshots (CI installs it)")
    photo, log = tmp_path / "photo.png", tmp_path / "log.jsonl"
    big_photo(photo)
    with xwin.xvfb(f"{SCREEN[0]}x{SCREEN[1]}") as display, xwin.live_window(
            display, "--source", str(photo), "--model", MODEL, "--log", str(log)) as live:
        window = xwin.find_window(display, WINDOW, live)
        processed = xwin.find_window(display, PROCESSED, live)
        wait_for(lambda: log.exists() and log.read_text().strip(), "a reading, no click")
        fx, fy, fw, fh = geometry(display, window)
        px, py, pw, ph = geometry(display, processed)
        for x, y, w, h in [(fx, fy, fw, fh), (px, py, pw, ph)]:
            assert x >= 0 and y >= 0 and x + w <= SCREEN[0] and y + h <= SCREEN[1]
        assert px >= fx + fw or py >= fy + fh  # beside or below the feed, not over it
        wait_for(lambda: colour_pixels(screenshot(display, tmp_path / "fitted.png")
                                       [fy : fy + fh, fx : fx + fw], GREEN, 10) > 200,
                 "the boxes on the feed")
        shot = screenshot(display, tmp_path / "fitted.png")
        assert (shot[py : py + ph, px : px + pw] > 200).all(axis=2).sum() > 500  # inputs
        time.sleep(1.5)  # the photo stays on screen: no exit after its one frame
        assert live.poll() is None

        subprocess.run(["xdotool", "windowfocus", str(window)], check=True,
                       env={**os.environ, "DISPLAY": display})
        press(display, "h")
        wait_for(lambda: colour_pixels(screenshot(display, tmp_path / "help.png")
                                       [fy : fy + fh // 2, fx : fx + fw // 2], YELLOW, 40)
                 > 100, "the keys shown")
        press(display, "h")
        press(display, "space")
        press(display, "m")  # the frozen photo is read again, in roi mode
        wait_for(lambda: any(json.loads(line)["mode"] == "roi"
                             for line in log.read_text().splitlines()), "a roi reading")

        xwin.press_close_button(display, processed)
        time.sleep(2.0)
        assert not visible(display, PROCESSED)  # closed, and not opened again
        assert live.poll() is None and visible(display, WINDOW)
        screenshot(display, tmp_path / "closed.png")
        press(display, "q")
        out, err = live.communicate(timeout=xwin.TIMEOUT_S)
    keep(tmp_path)
    assert live.returncode == 0, err
    first = json.loads(log.read_text().splitlines()[0])
    assert first["text"] == "482" and first["mode"] == "multi"
    assert f"{photo}: 1 frames" in out or "frames in" in out, out
    assert "Traceback" not in err
