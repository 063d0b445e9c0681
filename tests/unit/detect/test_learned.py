"""The learned detector's pre- and post-processing: the scale chosen from the image, and
how a core map becomes turned rectangles in frame pixels."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from digitcam.detect.learned import (
    MULTIPLE,
    SHRINK,
    STRIDE,
    LearnedConfig,
    Rect,
    core_map,
    drop_parts,
    join_lines,
    network_input,
    quad_box,
    regions_from_map,
    working_scale,
)
from digitcam.io.frames import cut_upright


def test_scale_is_chosen_from_the_image():
    config = LearnedConfig(side=640, field_height=128)
    assert working_scale((3000, 4000), config) == pytest.approx(640 / 4000)
    assert working_scale((480, 640), config) == pytest.approx(1.0)
    assert working_scale((40, 150), config) == pytest.approx(128 / 40)  # a tight field
    assert working_scale((150, 40), config) == pytest.approx(640 / 150)  # tall: not a field
    assert working_scale((100, 100), config) == pytest.approx(6.4)  # square: a close-up
    assert working_scale((8, 8), config) == pytest.approx(10.0)  # enlarged 10 times at most


def test_network_input_is_padded_to_a_multiple():
    x = network_input(np.zeros((50, 70), np.uint8), 1.0)
    assert x.shape == (1, 64, 80, 1) and x.dtype == np.float32
    assert x.shape[1] % MULTIPLE == 0 and x.shape[2] % MULTIPLE == 0


def test_a_core_grows_back_to_the_number():
    heat = np.zeros((60, 80), np.float32)
    heat[20:26, 10:40] = 0.9          # a core 6 cells high, 30 wide
    (r,) = regions_from_map(heat, 1.0, LearnedConfig())
    score, centre, size, angle = r.score, r.centre, r.size, r.angle
    assert score == pytest.approx(0.9)
    assert centre == pytest.approx((25 * STRIDE, 23 * STRIDE), abs=STRIDE)
    height = 6 * STRIDE / (1 - 2 * SHRINK)
    assert size[1] == pytest.approx(height, rel=0.2)
    assert size[0] == pytest.approx(30 * STRIDE + 2 * SHRINK * height, rel=0.1)
    assert abs(angle) < 1


def test_a_turned_core_gives_a_turned_rectangle():
    heat = np.zeros((100, 100), np.float32)
    box = cv2.boxPoints(((50, 50), (50, 8), 20.0))
    cv2.fillPoly(heat, [np.int32(np.round(box))], 1.0)
    (r,) = regions_from_map(heat, 1.0, LearnedConfig())
    size, angle = r.size, r.angle
    assert angle == pytest.approx(20, abs=4) and size[0] > size[1]


def test_weak_or_tiny_cores_are_dropped():
    heat = np.zeros((40, 40), np.float32)
    heat[5:10, 5:20] = 0.55           # above threshold, below min_score
    heat[30, 30] = 0.99               # one cell
    assert regions_from_map(heat, 1.0, LearnedConfig(min_score=0.6)) == []


def test_pieces_of_a_line_are_joined_and_parts_dropped():
    a = Rect(0.9, (50, 50), (40, 20), 0.0)
    b = Rect(0.8, (100, 52), (40, 20), 0.0)      # 10 px further along: the same number
    c = Rect(0.8, (100, 120), (40, 20), 0.0)     # the next line
    joined = join_lines([a, b, c], gap=0.6)
    assert len(joined) == 2
    line = max(joined, key=lambda r: r.size[0])
    assert line.size[0] == pytest.approx(90, abs=3)
    stroke = Rect(0.9, (60, 50), (10, 8), 0.0)
    assert len(drop_parts([line, stroke], inside=0.6)) == 1


def test_a_piece_partly_over_a_number_is_joined_to_it():
    """A digit's stroke the map cut off (the flag of a 5 above its bowl) overlaps the rest
    by some 40%: one region around both. A region barely touching another stays apart."""
    bowl = Rect(0.9, (250, 250), (160, 160), 0.0)
    flag = Rect(0.9, (220, 165), (120, 80), 0.0)         # 40% of it inside the bowl's box
    joined = drop_parts([bowl, flag], inside=0.6, overlap=0.3)
    assert len(joined) == 1
    x, y, w, h = cv2.boundingRect(joined[0].points().astype(np.float32))
    assert y <= 126 and y + h >= 329 and x <= 161 and x + w >= 329
    neighbour = Rect(0.9, (400, 250), (150, 150), 0.0)   # about 5% over the bowl's box
    assert len(drop_parts([bowl, neighbour], inside=0.6, overlap=0.3)) == 2
    assert len(drop_parts([bowl, flag], inside=0.6)) == 2  # no joining unless asked


def test_cut_upright_straightens_and_maps_back():
    gray = np.full((200, 200), 255, np.uint8)
    rect = ((100.0, 100.0), (120.0, 30.0), 30.0)
    cv2.fillPoly(gray, [np.int32(cv2.boxPoints(rect))], 0)
    crop, back = cut_upright(gray, *rect, margin=0.0)
    assert crop.shape == (30, 120)
    assert crop[5:-5, 5:-5].mean() < 20           # the dark bar, now upright
    centre = cv2.transform(np.float32([[[60, 15]]]), back)[0, 0]
    assert centre == pytest.approx((100, 100), abs=1)
    assert quad_box(*rect, (200, 200))[2] == pytest.approx(120 * 0.866 + 30 * 0.5, abs=2)


def test_core_map_takes_one_image_one_channel():
    from digitcam.assets.registry import ModelError

    out = np.random.default_rng(0).random((1, 30, 40, 1)).astype(np.float32)
    assert core_map(out).shape == (30, 40)
    np.testing.assert_array_equal(core_map(out[None]), out[0, ..., 0])  # a unit axis more
    for bad in (np.zeros((2, 30, 40, 1)), np.zeros((1, 30, 40, 2)), np.zeros((30,))):
        with pytest.raises(ModelError, match="output has shape"):
            core_map(bad, "det.onnx")


def test_a_tight_field_with_a_number_is_one_region_the_whole_field(mnist):
    from digitcam.detect.learned import NumberDetector, is_field
    from digitcam.synth.lines import write

    (x, y), _ = mnist
    ink, _ = write("30741", x, y, np.random.default_rng(5), 30)
    ys, xs = np.nonzero(ink > 0.1)
    ink = ink[ys.min(): ys.max() + 1, xs.min(): xs.max() + 1]
    field = np.full((ink.shape[0] + 12, ink.shape[1] + 16), 230, np.uint8)
    field[6: 6 + ink.shape[0], 8: 8 + ink.shape[1]] -= (ink * 200).astype(np.uint8)
    config = LearnedConfig()
    assert is_field(field.shape, config)
    found = NumberDetector(config=config).detect(field)
    assert len(found) == 1 and found[0].box == (0, 0, field.shape[1], field.shape[0])
    parts = NumberDetector(config=LearnedConfig(whole_field=False)).detect(field)
    assert parts and all(r.box[2] < field.shape[1] for r in parts)  # the map's own cores
    assert NumberDetector(config=config).detect(np.full_like(field, 230)) == []  # blank
    page = np.full((300, 400), 230, np.uint8)  # not a field: regions as the map has them
    page[100: 100 + field.shape[0], 50: 50 + field.shape[1]] = field
    assert all(r.box != (0, 0, 400, 300) for r in NumberDetector(config=config).detect(page))


def test_an_about_square_region_is_read_level_a_long_one_along_its_angle():
    from digitcam.detect.learned import NumberDetector

    detector = NumberDetector(config=LearnedConfig(level_aspect=1.3))
    square = Rect(0.9, (100.0, 100.0), (60.0, 52.0), 40.0)    # a lone digit: angle is any
    number = Rect(0.9, (300.0, 200.0), (200.0, 60.0), 20.0)   # a turned number
    detector.rects = lambda gray: [square, number]
    lone, turned = detector.detect(np.full((480, 640), 230, np.uint8))
    assert lone.rect is None
    assert lone.box == quad_box(square.centre, square.size, square.angle, (480, 640))
    assert turned.rect == (number.centre, number.size, number.angle)


def test_a_dim_picture_is_brightened_to_the_paper_the_network_learnt():
    from digitcam.detect.learned import exposed

    page = np.full((120, 160), 210, np.uint8)
    page[40:80, 60:70] = 30                               # a stroke of ink
    assert exposed(page) is page                          # well lit: as it is
    dim = (page * 0.35).astype(np.uint8)                  # paper 73, ink 10
    bright = exposed(dim, dim_paper=150, paper_level=200)
    assert abs(int(np.median(bright)) - 200) <= 2 and bright[50, 65] < 40
    assert exposed(dim, dim_paper=60) is dim              # not dim by that measure
