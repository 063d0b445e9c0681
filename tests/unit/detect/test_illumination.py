"""Which way the ink runs (detect.illumination.ink_is_dark): dark ink on a light page, also
when the page lies on a darker desk; light chalk on a dark board."""

from __future__ import annotations

import numpy as np
import pytest

from digitcam.detect.illumination import dark_ink_on_page, ink_is_dark, quarter


def digits_ink(mnist_test, count: int, height: int) -> np.ndarray:
    """`count` MNIST test digits side by side, ink 1.0 on 0, each `height` pixels high."""
    import cv2

    x, _ = mnist_test
    row = np.hstack([x[i] for i in range(count)]).astype(np.float32) / 255
    return cv2.resize(row, (row.shape[1] * height // 28, height))


def scene(ink: np.ndarray, frame=(480, 640), page=(240, 320), desk=60.0, paper=215.0,
          pen=30.0) -> np.ndarray:
    """A grey frame: a page (`paper` grey, `page` size, centred) on a `desk`, the ink written
    with `pen` in the middle of the page; page=frame for a page filling the frame."""
    img = np.full(frame, desk, np.float32)
    top, left = (frame[0] - page[0]) // 2, (frame[1] - page[1]) // 2
    img[top: top + page[0], left: left + page[1]] = paper
    h, w = ink.shape
    y, x = (frame[0] - h) // 2, (frame[1] - w) // 2
    area = img[y: y + h, x: x + w]
    img[y: y + h, x: x + w] = area * (1 - ink) + pen * ink
    noise = np.random.default_rng(0).normal(0, 3, frame)
    return np.clip(img + noise, 0, 255).astype(np.uint8)


@pytest.mark.parametrize("desk", [20.0, 60.0, 110.0])
def test_a_light_page_on_a_darker_desk_has_dark_ink(mnist_test, desk):
    ink = digits_ink(mnist_test, 3, 40)
    frame = scene(ink, desk=desk)
    assert ink_is_dark(frame)
    small = quarter(frame)
    assert dark_ink_on_page(small)  # the page's inside decides it, not the first look


def test_a_page_filling_the_frame_has_dark_ink(mnist_test):
    frame = scene(digits_ink(mnist_test, 4, 50), page=(480, 640))
    assert ink_is_dark(frame)


def test_chalk_on_a_board_is_light_ink_and_a_bright_wall_is_no_page(mnist_test):
    ink = digits_ink(mnist_test, 3, 60)
    board = scene(ink, page=(480, 640), paper=50.0, pen=230.0)   # the board fills the frame
    assert not ink_is_dark(board)
    walled = scene(ink, page=(300, 420), desk=225.0, paper=50.0, pen=230.0)
    assert not dark_ink_on_page(quarter(walled))   # the wall is bright but holds no ink


def test_an_empty_page_on_a_desk_is_not_taken_for_dark_ink():
    frame = scene(np.zeros((10, 10), np.float32), desk=40.0)
    assert not dark_ink_on_page(quarter(frame))


def test_a_big_drawn_ring_of_light_ink_is_no_page():
    import cv2

    pad = np.full((300, 600), 20, np.uint8)          # the web page's drawing pad: light on dark
    cv2.circle(pad, (300, 150), 100, 240, 18)         # a big 0, its inside dark background
    cv2.line(pad, (80, 60), (160, 60), 240, 18)
    cv2.line(pad, (160, 60), (110, 250), 240, 18)     # a 7 beside it
    assert not dark_ink_on_page(quarter(pad))
    assert not ink_is_dark(pad)
