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
