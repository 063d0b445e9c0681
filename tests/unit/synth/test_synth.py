"""Synthetic training data: number lines, detector samples and the condition suite."""

from __future__ import annotations

import re

import numpy as np

from digitcam.synth.conditions import FAMILIES, condition_image
from digitcam.synth.lines import make_line, random_text
from digitcam.synth.pages import make_sample


def test_random_text_is_a_number_with_separators_between_digits():
    rng = np.random.default_rng(0)
    for _ in range(300):
        t = random_text(rng)
        assert re.fullmatch(r"\d+([.,/-]\d+)*-?", t), t


def test_lines_show_their_text(mnist):
    (x, y), _ = mnist
    rng = np.random.default_rng(1)
    for _ in range(20):
        line = make_line(x, y, rng)
        assert line.image.dtype == np.uint8 and line.image.ndim == 2
        assert len(line.boxes) == len(line.text)
        for _bx, by, bw, bh in line.boxes:
            assert bw > 0 and bh > 0 and by >= 0


def test_detector_samples_mark_only_numbers(mnist):
    (x, y), _ = mnist
    rng = np.random.default_rng(2)
    for _ in range(10):
        img, target = make_sample(x, y, rng, 128)
        assert img.shape == target.shape == (128, 128)
        assert set(np.unique(target)) <= {0.0, 1.0}


def test_every_condition_family_renders(mnist):
    _, (x, y) = mnist
    for i, family in enumerate(FAMILIES):
        if family == "12 MP":
            continue  # 4000x3000: covered by the benchmark
        image, truth = condition_image(family, x, y, np.random.default_rng(i))
        assert image.ndim == 3 and image.dtype == np.uint8
        assert truth.isdigit() == FAMILIES[family].number


def test_augmented_fields_keep_their_digits_in_view():
    """A field copy is changed (not the same picture) but keeps its ink: the written
    digits stay inside, as dark strokes on the paper, whatever the draw."""
    import cv2

    from digitcam.synth.augment import augment_field

    field = np.full((50, 160), 200, np.uint8)
    cv2.putText(field, "4027", (12, 38), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 30, 3)
    rng = np.random.default_rng(3)
    for _ in range(40):
        out = augment_field(field, rng)
        assert out.dtype == np.uint8 and out.ndim == 2
        assert 0.6 * 50 < out.shape[0] < 1.6 * 50 and 0.6 * 160 < out.shape[1] < 1.6 * 160
        dark = (out < 110).sum() / (field < 110).sum()
        assert 0.4 < dark < 2.5, dark    # the strokes are all there, none added
        cols = np.nonzero((out < 110).any(0))[0]
        assert cols[0] > 0 and cols[-1] < out.shape[1] - 1  # not cut at the sides
    assert not np.array_equal(augment_field(field, np.random.default_rng(0)),
                              augment_field(field, np.random.default_rng(1)))
