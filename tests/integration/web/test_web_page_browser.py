"""The page's newer parts in headless Chromium: a photo from disk (button and drag-and-drop),
/docs with the network off, labels that never overlap, and why a drawing read nothing.

Screenshots land in the test's tmp_path (look at them when changing the page).
"""

from __future__ import annotations

import base64

import cv2
import numpy as np
import pytest

from digitcam.apps.web.spawn import spawn_server
from digitcam.reader import Recognizer
from digitcam.synth.scenes import Look, number_scene
from tests.integration.web.test_web_browser import (  # noqa: F401 (the same skips)
    DESKTOP,
    PHONE,
    RING,
    expect_text,
    launch,
    playwright_api,
    pytestmark,
)


@pytest.fixture(scope="module")
def server():
    with spawn_server([]) as s:
        yield s


@pytest.fixture(scope="module")
def chromium():
    with playwright_api.sync_playwright() as p:
        yield p.chromium


def photo(mnist_test, digits: int, seed: int) -> tuple[bytes, str]:
    """A PNG of a camera-like page and what the recogniser reads in it."""
    x, y = mnist_test
    scene = number_scene(x, y, digits, np.random.default_rng(seed), look=Look(noise=2.0))
    png = cv2.imencode(".png", scene.frame)[1].tobytes()
    return png, Recognizer().read_text(scene.frame)


def test_a_photo_from_disk_by_button_and_by_drag_and_drop(server, chromium, mnist_test,
                                                          tmp_path):
    first, first_text = photo(mnist_test, 4, 1)
    second, second_text = photo(mnist_test, 3, 2)
    assert first_text and second_text and first_text != second_text
    browser = launch(chromium)
    try:
        page = browser.new_page(viewport=PHONE)
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(server.url)
        page.click("#tab-photo")
        with page.expect_file_chooser() as chooser:
            page.click("#photo-choose")
        chooser.value.set_files({"name": "page.png", "mimeType": "image/png", "buffer": first})
        expect_text(page, "#photo-number", first_text)
        assert page.locator("#photo-canvas").evaluate("c => c.width") > 100
        page.screenshot(path=tmp_path / "photo-button.png", full_page=True)
        # dropped anywhere on the page, from the webcam tab: the photo tab shows its reading
        page.goto(server.url + "#webcam")
        page.evaluate("""([b64, name]) => {
            const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
            const data = new DataTransfer();
            data.items.add(new File([bytes], name, { type: "image/png" }));
            document.body.dispatchEvent(new DragEvent("drop", { dataTransfer: data,
                                                                bubbles: true }));
        }""", [base64.b64encode(second).decode(), "dropped.png"])
        expect_text(page, "#photo-number", second_text)
        assert page.evaluate("location.hash") == "#photo"
        assert page.is_visible("#photo") and not page.is_visible("#webcam")
        page.screenshot(path=tmp_path / "photo-dropped.png", full_page=True)
        assert errors == []
    finally:
        browser.close()


def test_docs_render_from_the_server_alone_with_the_network_off(server, chromium, tmp_path):
    browser = launch(chromium, "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1")
    try:
        context = browser.new_context(viewport=DESKTOP)
        outside = []

        def only_the_server(route):
            if route.request.url.startswith(server.url):
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort("internetdisconnected")

        context.route("**/*", only_the_server)
        page = context.new_page()
        page.goto(server.url + "docs")
        page.wait_for_selector(".swagger-ui .info .title", timeout=20_000)
        assert "digitcam" in page.inner_text(".swagger-ui .info .title")
        page.wait_for_selector("[data-path='/api/read']", timeout=20_000)
        page.screenshot(path=tmp_path / "docs-offline.png")
        page.goto(server.url + "redoc")
        page.wait_for_function("document.body.innerText.includes('/api/read')",
                               timeout=20_000)
        assert outside == []
    finally:
        browser.close()


def test_labels_of_neighbouring_digits_never_overlap(server, chromium, tmp_path):
    browser = launch(chromium)
    try:
        page = browser.new_page(viewport=DESKTOP)
        page.goto(server.url + "#webcam")
        rects = page.evaluate("""async () => {
            const { drawBoxes } = await import("./static/boxes.js");
            const canvas = document.createElement("canvas");
            canvas.width = 640; canvas.height = 240; canvas.id = "labels";
            document.body.prepend(canvas);
            const ctx = canvas.getContext("2d");
            ctx.fillStyle = "#eee"; ctx.fillRect(0, 0, 640, 240);
            // a row of narrow digits touching each other, and one close under them
            const digits = [0, 1, 2, 3, 4].map((k) => ({ digit: k + 1, confidence: 0.97,
                                                         box: [100 + 22 * k, 10, 20, 60] }));
            digits.push({ digit: 7, confidence: 0.61, box: [120, 74, 20, 60] });
            return drawBoxes(ctx, { digits }, 1.5, true);
        }""")
        page.locator("#labels").screenshot(path=tmp_path / "labels.png")
    finally:
        browser.close()
    assert len(rects) == 6
    for i, a in enumerate(rects):
        assert a["x"] >= 0 and a["y"] >= 0
        assert a["x"] + a["w"] <= 640 and a["y"] + a["h"] <= 240
        for b in rects[i + 1:]:
            apart = (a["x"] + a["w"] <= b["x"] or b["x"] + b["w"] <= a["x"]
                     or a["y"] + a["h"] <= b["y"] or b["y"] + b["h"] <= a["y"])
            assert apart, (a, b)


def test_a_small_drawing_says_why_nothing_was_read(server, chromium, tmp_path):
    browser = launch(chromium)
    try:
        page = browser.new_page(viewport=PHONE)
        page.goto(server.url + "#draw")
        box = page.locator("#pad").bounding_box()
        x0, y0, s = box["x"] + box["width"] * 0.45, box["y"] + box["height"] * 0.45, \
            box["height"] * 0.05
        page.mouse.move(x0 + s / 2, y0)
        page.mouse.down()
        for u, v in RING:  # a tiny 0: the pen fills it in
            page.mouse.move(x0 + u * s, y0 + v * s, steps=2)
        page.mouse.up()
        page.wait_for_function("document.querySelector('#draw-hint').textContent.length > 0",
                               timeout=20_000)
        assert page.inner_text("#draw-number") == ""
        assert "too small" in page.inner_text("#draw-hint")
        page.screenshot(path=tmp_path / "draw-small.png", full_page=True)
        page.click("#clear")
        expect_text(page, "#draw-hint", "")
    finally:
        browser.close()
