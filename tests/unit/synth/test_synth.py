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
