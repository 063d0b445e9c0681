"""The robustness study: corruptions that do what they say, and the measurement's bookkeeping."""

from __future__ import annotations

import numpy as np
import pytest

from digitcam.apps.evaluate import robustness as R
from digitcam.reader import Recognizer
from digitcam.training import transforms as T


def test_fourteen_corruptions_five_levels_each():
    names = {c.name for c in R.CORRUPTIONS}
    assert names == {"brightness_contrast", "uneven_illumination", "gaussian_noise",
                     "salt_pepper", "gaussian_blur", "motion_blur", "rotation", "scale",
                     "translation", "shear", "thinner", "thicker", "elastic", "occlusion"}
    for c in R.CORRUPTIONS:
        assert len(c.levels) == R.SEVERITIES and c.stage in R.STAGES
        assert (c.look is not None) == (c.stage == "look")


def test_digit_corruptions_change_the_input_more_at_higher_severity(mnist_test):
    x, _ = mnist_test
    clean = R.corrupt_digit(x[0], None, None, None)
    for c in R.CORRUPTIONS:
        changes = []
        for level in (c.levels[0], c.levels[-1]):
            out = R.corrupt_digit(x[0], c, level, np.random.default_rng(0))
            assert out.shape == (28, 28) and out.dtype == np.float32
            assert out.min() >= 0.0 and out.max() <= 1.0
            changes.append(float(np.abs(out - clean).mean()))
        assert 0 < changes[0] < changes[1], c.name


def test_frames_are_grey_pages_and_a_clean_frame_reads_its_digit(mnist_test):
    x, y = mnist_test
    recognizer = Recognizer("mlp")
    reads = 0
    for i in range(5):
        frame = R.corrupt_frame(x[i], None, None, (0, i), None)
        assert frame.shape == R.FRAME_SHAPE and frame.dtype == np.uint8
        assert np.median(frame) > 200  # light paper
        reads += R.reads_exactly(recognizer, frame, y[i])
    assert reads >= 4
    for c in R.CORRUPTIONS:
        frame = R.corrupt_frame(x[0], c, c.levels[-1], (0, 0), np.random.default_rng(1))
        assert frame.ndim == 2 and frame.dtype == np.uint8 and frame.size > 0, c.name
        clean = R.corrupt_frame(x[0], None, None, (0, 0), None)
        assert frame.shape != clean.shape or not np.array_equal(frame, clean), c.name


def test_translation_in_frames_cuts_into_the_digit_only_at_high_severity(mnist_test):
    x, _ = mnist_test
    frame, box = R.clean_frame(x[0], np.random.default_rng(0))
    mild = R._cut(frame, box, 2, np.random.default_rng(5))
    harsh = R._cut(frame, box, 10, np.random.default_rng(5))
    ink = (frame < 128).sum()
    assert (mild < 128).sum() == ink      # the edge comes closer, the digit is whole
    assert (harsh < 128).sum() < ink      # the edge cuts into it


def test_measure_is_reproducible_and_shared_between_models(mnist_test):
    x, y = mnist_test
    r = Recognizer("mlp")
    a = R.measure({"a": r, "b": r}, x[:200], y[:200], n_digits=20, n_frames=2, seed=4,
                  progress=False)
    b = R.measure({"a": r}, x[:200], y[:200], n_digits=20, n_frames=2, seed=4, progress=False)
    assert a["a"] == a["b"] == b["a"]
    for part, n in (("digits", 20), ("frames", 2)):
        res = a["a"][part]
        assert res["samples_per_level"] == n
        assert set(res["corruptions"]) == {c.name for c in R.CORRUPTIONS}
        levels = [v for acc in res["corruptions"].values() for v in acc]
        assert len(levels) == 70 and all(0.0 <= v <= 1.0 for v in levels)
        assert res["mean_corruption_accuracy"] == pytest.approx(np.mean(levels), abs=1e-6)
    # the harshest brightness/contrast setting defeats the bare network
    assert a["a"]["digits"]["corruptions"]["brightness_contrast"][-1] < 0.5


def test_stroke_fractional_width_lies_between_whole_pixels(mnist_test):
    img = mnist_test[0][0].astype(np.float32) / 255
    ink = [T.stroke(img, w).sum() for w in (-1, -0.5, 0, 0.5, 1, 1.5, 2)]
    assert ink == sorted(ink) and len(set(ink)) == len(ink)
    assert T.stroke(img, 1).dtype == np.float32


def test_affine_on_a_larger_canvas_turns_about_its_centre():
    img = np.zeros((41, 61), np.float32)
    img[20, 30] = 1.0
    out = T.affine(img, angle=37, scale=0.8, shear=0.3)
    assert out.shape == img.shape and np.unravel_index(out.argmax(), out.shape) == (20, 30)
