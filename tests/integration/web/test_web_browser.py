"""End to end in headless Chromium: the real server, the page, a drawing and a fake webcam.

Debian's `chromium` driven by Playwright's Python package (never a downloaded browser).
Screenshots land in the test's tmp_path (look at them when changing the page).
"""

from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np
import pytest

pytest.importorskip("fastapi")
playwright_api = pytest.importorskip("playwright.sync_api")

from digitcam.apps.web.spawn import spawn_server  # noqa: E402
from digitcam.reader import Recognizer  # noqa: E402
from digitcam.synth.scenes import Look, number_scene  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1000, "height": 900}
WAIT_MS = 20_000
CLIP_FPS = 10
CLIP_FRAMES = 10
MODEL: str | None = None  # the default model, as a user gets it

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason="Debian's chromium is not installed (apt-get install chromium)"),
]

# Strokes of well-formed digits in a unit box (x right, y down), as a hand would write them.
RING = [(0.5 + 0.42 * math.sin(a), 0.5 - 0.45 * math.cos(a))
        for a in np.linspace(0, 2 * math.pi, 25)]
STROKES = {
    "0": [RING],
    "1": [[(0.55, 0.05), (0.5, 0.95)]],
    "4": [[(0.7, 0.95), (0.7, 0.05), (0.05, 0.65), (0.95, 0.65)]],
    "7": [[(0.05, 0.08), (0.95, 0.08), (0.4, 0.95)]],
}


@pytest.fixture(scope="module")
def server():
    with spawn_server([] if MODEL is None else ["--model", MODEL]) as s:
        yield s


@pytest.fixture(scope="module")
def chromium():
    with playwright_api.sync_playwright() as p:
        yield p.chromium


def launch(chromium, *extra_args: str):
    return chromium.launch(executable_path=str(CHROMIUM), args=[*CHROMIUM_ARGS, *extra_args])


def write(page, digit: str, cell: int, cells: int = 3) -> None:
    """Write `digit` with mouse moves in cell `cell` of `cells` side by side on the pad."""
    box = page.locator("#pad").bounding_box()
    width = box["width"] / cells
    x0 = box["x"] + cell * width + 0.3 * width
    y0, h = box["y"] + 0.15 * box["height"], 0.7 * box["height"]
    w = min(0.4 * width, 0.55 * h)
    for stroke in STROKES[digit]:
        points = [(x0 + u * w, y0 + v * h) for u, v in stroke]
        page.mouse.move(*points[0])
        page.mouse.down()
        for p in points[1:]:
            page.mouse.move(*p, steps=6)
        page.mouse.up()


def expect_text(page, selector: str, text: str) -> None:
    page.wait_for_function("([sel, text]) => document.querySelector(sel).textContent === text",
                           arg=[selector, text], timeout=WAIT_MS)


def test_draw_digits_on_a_phone_sized_page(server, chromium, tmp_path):
    browser = launch(chromium)
    try:
        page = browser.new_page(viewport=PHONE)
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(server.url + "#draw")
        write(page, "7", 0)
        expect_text(page, "#draw-number", "7")
        page.screenshot(path=tmp_path / "draw-7.png", full_page=True)
        write(page, "0", 1)
        write(page, "4", 2)
        expect_text(page, "#draw-number", "704")
        assert page.locator("#draw-digits > li").count() == 3
        assert page.locator("#draw-digits > li img").first.evaluate("i => i.naturalWidth") == 28
        assert page.locator("#draw-digits > li").first.locator("ul > li").count() == 3
        assert "ms round trip" in page.inner_text("#draw-latency")
        page.screenshot(path=tmp_path / "draw-704.png", full_page=True)
        page.click("#undo")
        expect_text(page, "#draw-number", "70")
        page.click("#clear")
        expect_text(page, "#draw-number", "")
        assert page.locator("#draw-digits > li").count() == 0
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert errors == []
    finally:
        browser.close()


def camera_roundtrip(frame: np.ndarray) -> np.ndarray:
    """What the server gets from the page: the camera's I420, then the page's JPEG."""
    bgr = cv2.cvtColor(cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420), cv2.COLOR_YUV2BGR_I420)
    ok, jpeg = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, 80])
    return cv2.imdecode(jpeg, cv2.IMREAD_COLOR)


def write_y4m(path: Path, frames: list[np.ndarray], fps: int) -> None:
    """A YUV4MPEG2 clip (4:2:0) of BGR frames, the format of Chromium's fake camera."""
    h, w = frames[0].shape[:2]
    with open(path, "wb") as f:
        f.write(f"YUV4MPEG2 W{w} H{h} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for frame in frames:
            f.write(b"FRAME\n")
            f.write(cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420).tobytes())


def test_webcam_reads_a_clip_of_handwritten_digits(server, chromium, mnist_test, tmp_path):
    x, y = mnist_test
    recognizer, components = Recognizer(model=MODEL), Recognizer(mode="multi")
    # a page both pipelines read right after the camera's round trip: this checks the browser
    # path, not the model (the evaluation measures the model)
    for seed in range(20):
        scene = number_scene(x, y, 4, np.random.default_rng(seed), look=Look(noise=2.0))
        seen = camera_roundtrip(scene.frame)
        if recognizer.read_text(seen) == components.read_text(seen) == scene.text:
            break
    else:
        pytest.fail("no clean 4-digit page was read right in 20 tries")
    rng = np.random.default_rng(0)
    frames = [np.clip(scene.frame + rng.normal(0, 2, scene.frame.shape), 0, 255).astype(np.uint8)
              for _ in range(CLIP_FRAMES)]
    clip = tmp_path / "clip.y4m"
    write_y4m(clip, frames, CLIP_FPS)
    browser = launch(chromium, "--use-fake-device-for-media-stream",
                     "--use-fake-ui-for-media-stream", f"--use-file-for-fake-video-capture={clip}")
    try:
        page = browser.new_page(viewport=DESKTOP)
        page.goto(server.url + "#webcam")
        page.click("#camera")
        expect_text(page, "#cam-number", scene.text)
        assert "ms round trip" in page.inner_text("#cam-latency")
        page.screenshot(path=tmp_path / "webcam.png", full_page=True)
        assert page.inner_text("#status") == ""
        # the controls reach this client's settings: in mode multi (whose detector
        # binarises), a threshold above all ink reads nothing
        page.select_option("#read-mode", "multi")
        expect_text(page, "#cam-number", scene.text)
        page.uncheck("#threshold-auto")
        page.eval_on_selector("#threshold", "el => { el.value = 255; "
                              "el.dispatchEvent(new Event('input')); }")
        expect_text(page, "#cam-number", "")
        page.check("#threshold-auto")
        expect_text(page, "#cam-number", scene.text)
    finally:
        browser.close()
