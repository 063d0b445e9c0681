"""Synthetic training data: number lines, detector samples and the condition suite."""

from __future__ import annotations

import re

import numpy as np

from digitcam.synth.conditions import FAMILIES, condition_image, suite
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


def test_a_flagged_one_gets_ink_up_and_left_of_its_stem():
    from digitcam.synth.habits import flag_one

    stem = np.zeros((40, 8), np.float32)
    stem[:, 2:6] = 1.0
    out = flag_one(stem, np.random.default_rng(0))
    assert out.shape[0] == 40 and out.shape[1] > stem.shape[1]  # widened leftwards
    left = out[:, : out.shape[1] - stem.shape[1]] > 0.5
    assert left[:10].any() and not left[24:34].any()  # hung from the top (a foot at most)


def test_a_one_that_is_all_ink_still_gets_its_flag():
    """A bold 1 squeezed to a few columns is ink from edge to edge (no paper in it): its
    stroke width is still finite (it raised OverflowError in a training run's worker)."""
    from digitcam.synth.habits import flag_one

    out = flag_one(np.ones((30, 3), np.float32), np.random.default_rng(1))
    assert out.shape[0] == 30 and out.shape[1] > 3 and np.isfinite(out).all()


def test_a_crossed_seven_gets_a_bar_through_its_stem():
    from digitcam.synth.habits import cross_seven

    seven = np.zeros((40, 30), np.float32)
    seven[2:6, 2:28] = 1.0     # the top bar
    seven[6:, 14:18] = 1.0     # the stem
    out = cross_seven(seven, np.random.default_rng(0))
    middle = (out[16:28] > 0.5).sum(1)
    assert middle.max() > 4 + 3 and (out >= seven).all()


def test_writers_habits_keep_the_text_and_its_boxes(mnist):
    from digitcam.synth.habits import Habits
    from digitcam.synth.lines import write

    (x, y), _ = mnist
    rng = np.random.default_rng(3)
    _, boxes = write("12345678", x, y, rng, 40, Habits(shrinking=1.0))
    heights = [b[3] for b in boxes]
    assert min(heights[-2:]) < 0.9 * max(heights[:2])  # the later digits smaller
    cut = 0
    for _ in range(20):
        line = make_line(x, y, rng, negative_rate=0.0, habits=Habits(cut_edge=1.0))
        assert len(line.boxes) == len(line.text) and line.text
        first, last = line.boxes[0], line.boxes[-1]
        cut += first[0] < 0 or last[0] + last[2] > line.image.shape[1]
    assert cut >= 12  # a crop into the first or last digit, as a tight scan does
    for _ in range(10):
        line = make_line(x, y, rng, negative_rate=0.0, habits=Habits(1.0, 1.0, 1.0, 1.0, 1.0))
        assert len(line.boxes) == len(line.text) and line.text


def test_lines_without_habits_draw_as_before(mnist):
    """The condition suite and the detector's pages draw without habits: the same seed
    gives the same line whether habits=None is said or not."""
    (x, y), _ = mnist
    a = make_line(x, y, np.random.default_rng(4))
    b = make_line(x, y, np.random.default_rng(4), habits=None)
    assert a.text == b.text and np.array_equal(a.image, b.image)


def test_the_suite_and_lines_draw_as_in_earlier_rounds(mnist):
    """The condition suite's numbers and the synthetic lines' texts, boxes and sizes are
    the ones every round's benchmark drew (so rounds compare on the same pictures): a new
    option of the synthetic writer (a glyph bank, say) must not change the order of its
    random draws when it is off. The digest is of what round 4's code (cd40fa7) drew."""
    import hashlib

    (x, y), (xt, yt) = mnist
    families = [f for f in FAMILIES if f != "12 MP"]
    drawn = [truth for _, _, truth in suite(xt, yt, 3, 0, families)]
    for seed in range(8):
        line = make_line(x, y, np.random.default_rng(seed))
        drawn.append(line.text + repr(line.boxes) + repr(line.image.shape))
    assert hashlib.sha256(repr(drawn).encode()).hexdigest()[:16] == "175b0ad99a5fd874"


def test_lone_digits_fill_their_crop_as_the_reader_cuts_them(mnist):
    """Habits.lone_digit: one digit (often a 1) cut with the reader's small margin, its
    ink filling most of the line's height, as a detected lone digit is read."""
    from digitcam.synth.habits import Habits

    (x, y), _ = mnist
    rng = np.random.default_rng(4)
    lines = [make_line(x, y, rng, negative_rate=0.0, habits=Habits(lone_digit=1.0))
             for _ in range(60)]
    assert all(len(line.text) == 1 and line.text.isdigit() for line in lines)
    assert sum(line.text == "1" for line in lines) >= 12
    filled = [line.boxes[0][3] / line.image.shape[0] for line in lines]
    assert np.median(filled) >= 0.65
