"""The line recogniser's pre- and post-processing: what the network sees, how CTC output
becomes characters with columns, and polarity."""

from __future__ import annotations

import numpy as np
import pytest

from digitcam.recognize.lines import (
    ALPHABET,
    BIG_SHRINK,
    LINE_HEIGHT,
    STRIDE,
    batch_lines,
    dark_ink,
    decode,
    ink_columns,
    line_input,
)


def probs_for(path: str, blank_p: float = 0.9) -> np.ndarray:
    """(T, classes) probabilities spelling `path`: '_' is blank, other characters themselves."""
    out = np.full((len(path), len(ALPHABET) + 1), (1 - blank_p) / len(ALPHABET), np.float32)
    for t, c in enumerate(path):
        k = 0 if c == "_" else ALPHABET.index(c) + 1
        out[t] = (1 - blank_p) / len(ALPHABET)
        out[t, k] = blank_p
    return out


def test_decode_merges_repeats_and_drops_blanks():
    chars = decode(probs_for("_11__2_2..3__"))
    assert "".join(c.text for c in chars) == "122.3"


def test_decode_columns_cover_the_line_in_order():
    chars = decode(probs_for("__4___7___"))
    assert [c.text for c in chars] == ["4", "7"]
    assert chars[0].x0 == 0 and chars[-1].x1 == 10 * STRIDE
    assert chars[0].x1 <= chars[1].x0 + STRIDE
    assert chars[0].confidence == pytest.approx(0.9)
    assert chars[0].probs.shape == (10,) and chars[0].probs.argmax() == 4


def test_decode_of_all_blank_is_empty():
    assert decode(probs_for("______")) == []


def test_line_input_scales_to_height_and_maps_paper_to_zero():
    gray = np.full((64, 200), 230, np.uint8)
    gray[20:44, 50:60] = 40  # a dark stroke
    x = line_input(gray)
    assert x.shape[0] == LINE_HEIGHT and x.shape[1] % STRIDE == 0
    assert x.shape[1] == pytest.approx(100, abs=STRIDE)
    assert x.max() == pytest.approx(1.0) and np.median(x) == 0.0


def test_line_input_keeps_blank_paper_blank():
    rng = np.random.default_rng(0)
    gray = np.clip(200 + rng.normal(0, 3, (40, 120)), 0, 255).astype(np.uint8)
    assert line_input(gray).max() < 0.5  # noise is not stretched into ink


def test_dark_ink_inverts_light_ink_on_dark():
    board = np.full((40, 100), 40, np.uint8)
    board[10:30, 40:45] = 230
    assert dark_ink(board)[20, 42] < 50 and dark_ink(board)[0, 0] > 200
    paper = 255 - board
    assert np.array_equal(dark_ink(paper), paper)


def test_batch_pads_with_paper():
    a, b = np.ones((LINE_HEIGHT, 8), np.float32), np.ones((LINE_HEIGHT, 16), np.float32)
    batch = batch_lines([a, b])
    assert batch.shape == (2, LINE_HEIGHT, 16, 1)
    assert batch[0, :, 8:].max() == 0 and batch[1].min() == 1


def test_ink_columns_finds_the_stroke():
    x = np.zeros((LINE_HEIGHT, 40), np.float32)
    x[5:20, 12:15] = 1
    assert ink_columns(x, 0, 40) == (12, 14)
    assert ink_columns(x, 20, 30) == (20, 29)  # nothing there: the window itself


def test_a_thin_line_on_a_big_shaded_crop_stays_ink():
    """A phone close-up: a 2 px ballpoint stroke on a 400 px crop, a shadow darkening one
    side of the paper more than the stroke's own contrast. At LINE_HEIGHT the stroke is
    still the brightest thing, and the shadowed paper stays near zero."""
    h, w = 400, 300
    shade = np.linspace(215, 150, w, dtype=np.float32)[None].repeat(h, 0)  # shadow at right
    gray = shade.copy()
    gray[40:360, 148:150] -= 45                                              # the stroke
    gray = gray.astype(np.uint8)
    assert h > BIG_SHRINK * LINE_HEIGHT
    x = line_input(gray)
    col = int(round(149 * x.shape[1] / w))
    stroke = x[5:-5, col - 1: col + 2].max(1)
    assert stroke.min() > 0.5
    assert np.percentile(x[:, -4:], 90) < 0.15    # the dark paper is not ink
    assert np.percentile(x[:, :4], 90) < 0.15


def test_path_score_prefers_the_surer_reading():
    from digitcam.recognize.lines import path_score

    sure, unsure = probs_for("_1_2_", 0.95), probs_for("_1_2_", 0.6)
    assert path_score(sure) > path_score(unsure)
    assert path_score(sure) <= 0.0


def test_readings_vote_on_their_digits_ties_to_the_surest():
    from digitcam.recognize.lines import agreed

    # two readings of "1.990" (separators aside) outvote a surer "1900"
    assert agreed(["1990", "1.990", "1900"], [-3.0, -2.0, -0.5]) == 1
    # a tie between digit strings goes to the surest reading
    assert agreed(["17", "77"], [-2.0, -1.0]) == 1
    assert agreed(["7"], [-9.0]) == 0
    # nothing read, by most, wins: a mark the detector took for a number stays unread
    assert agreed(["", "", "7"], [-1.0, -1.5, -0.1]) in (0, 1)


@pytest.mark.parametrize("stretches", [(1.0,), (0.85,), (1.15,), (1.0, 0.85, 1.15)])
def test_boxes_map_back_to_the_frame_at_any_stretch(stretches, mnist):
    """Whatever width a region is read at, each digit's box lands on the ink of a written
    digit in the frame, left to right, within the number's rows."""
    import cv2

    from digitcam.recognize.lines import LineRecognizer
    from digitcam.regions import Region
    from digitcam.synth.lines import write

    (x, y), _ = mnist
    ink, boxes = write("3074", x, y, np.random.default_rng(4), 40)
    x0, y0, w, h = cv2.boundingRect((ink > 0.1).astype(np.uint8))
    frame = np.full((ink.shape[0] + 40, ink.shape[1] + 60), 235, np.uint8)
    frame[20: 20 + ink.shape[0], 30: 30 + ink.shape[1]] -= (ink * 200).astype(np.uint8)
    found = LineRecognizer(stretches=stretches).recognize(
        frame, [Region((30 + x0, 20 + y0, w, h))])
    assert len(found) >= 3
    centres = [d.box[0] + d.box[2] / 2 for d in found]
    assert centres == sorted(centres)
    for d, cx in zip(found, centres):     # on the ink of a written digit, not beside it
        assert any(30 + bx - 3 <= cx <= 30 + bx + bw + 3 for bx, _, bw, _ in boxes), d.box
        assert 20 + y0 - 3 <= d.box[1] and d.box[1] + d.box[3] <= 20 + y0 + h + 3


def test_a_card_names_the_models_read_with_it(tmp_path):
    """A line model's card may name models to read with it ("read_with"): they come with
    it whether it is named by path or in a list; the shipped `lines` reads alone."""
    import json
    import shutil

    from digitcam.assets.registry import ASSETS
    from digitcam.recognize.lines import LineRecognizer

    card = json.loads((ASSETS / "lines.json").read_text())
    assert "read_with" not in card and [m.name for m in LineRecognizer().models] == ["lines"]
    for name, companions in (("a", [str(tmp_path / "b.onnx")]), ("b", [])):
        shutil.copy(ASSETS / "lines.onnx", tmp_path / f"{name}.onnx")
        (tmp_path / f"{name}.json").write_text(json.dumps({**card, "name": name,
                                                             "read_with": companions}))
    for given in (tmp_path / "a.onnx", [tmp_path / "a.onnx"]):
        pair = LineRecognizer(given)
        assert [m.name for m in pair.models] == ["a", "b"] and pair.strides == [2, 2]
    one = LineRecognizer(tmp_path / "b.onnx", stretches=(1.0,))
    assert [m.name for m in one.models] == ["b"] and one.stretches == (1.0,)


@pytest.mark.parametrize("turned", [False, True])
def test_a_region_at_the_frame_edge_gets_paper_beyond_it(turned):
    """A stroke the frame cuts (a tall 1 filling a close-up) ends at the frame's edge in
    the crop, with the region's paper beyond it, not repeated out to the crop's edge as
    a box's edge would run; the matrix still maps crop pixels back to frame pixels."""
    import cv2

    from digitcam.recognize.lines import LineRecognizer, paper_level
    from digitcam.regions import Region

    frame = np.full((100, 80), 220, np.uint8)
    frame[:, 36:44] = 30                               # a bar from the top edge to the bottom
    rect = ((40.0, 50.0), (100.0, 30.0), 90.0) if turned else None
    region = Region((26, 0, 28, 100), 0.9, rect=rect)
    assert paper_level(frame, region.box) == 220
    crop, back = LineRecognizer()._cut(frame, region)
    if turned:                                         # read along the bar: it runs across
        crop = cv2.rotate(crop, cv2.ROTATE_90_CLOCKWISE)
    rows = np.nonzero((crop < 128).any(1))[0]
    beyond = 4 if turned else 15        # the margin: 0.15 of the region's height across
    assert rows[0] >= beyond - 1 and rows[-1] <= crop.shape[0] - beyond  # paper both ends
    assert (crop[: rows[0]] > 200).all() and (crop[rows[-1] + 1:] > 200).all()
    if not turned:
        assert crop.shape == (100 + 2 * 15 + 1, 28 + 2 * 15 + 1)
        ys, xs = np.nonzero(crop < 128)
        pts = cv2.transform(np.float32([[[xs.min(), ys.min()], [xs.max(), ys.max()]]]), back)[0]
        assert np.allclose(pts, [[36, 0], [43, 99]])


def test_a_region_inside_the_frame_is_cut_as_before():
    from digitcam.io.frames import cut_level

    frame = np.random.default_rng(0).integers(0, 255, (60, 90), dtype=np.uint8)
    crop, back = cut_level(frame, (20, 10, 30, 20), 3.0, paper=255)
    assert np.array_equal(crop, frame[7:34, 17:54])
    assert np.allclose(back, [[1, 0, 17], [0, 1, 7]])
