"""The annotated picture: a small scan is enlarged so its labels fit; a frame is not."""

from __future__ import annotations

import numpy as np

from digitcam.apps.annotate import GREEN, MIN_SIDE, annotate, enlarged
from digitcam.regions import Detection


def detection(box) -> Detection:
    return Detection(3, 0.97, box, np.eye(10)[3], np.zeros((28, 28), np.uint8))


def test_a_small_scan_is_enlarged_with_its_boxes():
    scan = np.full((57, 119), 200, np.uint8)
    scan[20:40, 10:25] = 0
    big, found = enlarged(scan, [detection((10, 20, 15, 20))])
    f = big.shape[0] // scan.shape[0]
    assert min(big.shape[:2]) >= MIN_SIDE and big.shape == (57 * f, 119 * f)
    assert found[0].box == (10 * f, 20 * f, 15 * f, 20 * f)
    assert (big[20 * f: 40 * f, 10 * f: 25 * f] == 0).all()  # the ink where the box says
    drawn = annotate(big, found)
    green = (np.abs(drawn.astype(int) - GREEN).max(axis=2) < 30)
    x, y, w, h = found[0].box
    assert green[y: y + h + 1, x].all()  # the box's left side drawn at the enlarged place


def test_a_frame_is_left_as_it_is():
    frame = np.zeros((480, 640, 3), np.uint8)
    found = [detection((100, 100, 30, 40))]
    same, kept = enlarged(frame, found)
    assert same is frame and kept is found
