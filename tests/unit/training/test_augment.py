"""Training augmentation and the runtime-crop pool (numpy/OpenCV only, no TensorFlow)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from digitcam.recognize.classifier import predict_proba
from digitcam.regions import iou
from digitcam.training import transforms as T
from digitcam.training.crops import runtime_crops
from digitcam.training.models import RECIPES, Recipe


@pytest.fixture(scope="module")
def digits(mnist):
    (x, y), _ = mnist
    return x[:400].astype(np.float32) / 255.0, y[:400]


@pytest.mark.parametrize("sigma", [0.5, 1.0, 4.0])
def test_blur_batch_matches_opencv(rng, sigma):
    imgs = rng.random((3, 28, 28)).astype(np.float32)
    expected = np.stack([cv2.GaussianBlur(im, (0, 0), sigma) for im in imgs])
    np.testing.assert_allclose(T.blur_batch(imgs, sigma), expected, atol=1e-5)


def test_warp_batch_matches_affine(digits, rng):
    x = digits[0][:20]
    params = [rng.uniform(-12, 12, 20), rng.uniform(0.85, 1.1, 20), rng.uniform(-0.25, 0.25, 20),
              rng.uniform(-2, 2, 20), rng.uniform(-2, 2, 20)]
    batched = T.warp_batch(x, T.affine_matrices(*params))
    one_by_one = np.stack([T.affine(im, *(float(p[i]) for p in params))
                           for i, im in enumerate(x)])
    np.testing.assert_allclose(batched, one_by_one, atol=1e-3)


@pytest.mark.parametrize("pixels", [1, -1])
def test_morph_batch_matches_stroke(digits, pixels):
    x = digits[0][:20]
    expected = np.stack([T.stroke(im, pixels) for im in x])
    np.testing.assert_array_equal(T.morph_batch(x, thicken=pixels > 0), expected)


def test_augment_batch_shapes_range_and_seed(digits):
    x = digits[0][:64, ..., None]
    a = T.augment_batch(x, np.random.default_rng(7))
    b = T.augment_batch(x, np.random.default_rng(7))
    assert a.shape == x.shape and a.dtype == np.float32
    assert a.min() >= 0.0 and a.max() <= 1.0
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, x, atol=0.05)  # it does change the digits
    assert T.augment_batch(x[:0], np.random.default_rng(0)).shape == (0, 28, 28, 1)
    assert T.random_augment(x[0, ..., 0], np.random.default_rng(0)).shape == (28, 28)


def test_augmented_digits_keep_their_identity(digits):
    """Strong distortions, yet a convnet still reads nearly all of them: labels stay true.
    (The paper's MLP, which is not shift or rotation invariant, reads far fewer.)"""
    x, y = digits
    augmented = T.augment_batch(x, np.random.default_rng(0))
    convnet = (predict_proba(augmented).argmax(1) == y).mean()
    mlp = (predict_proba(augmented, "mlp").argmax(1) == y).mean()
    assert convnet > 0.95, convnet
    assert mlp < convnet - 0.1  # they are not trivially easy


def test_elastic_fields_follow_alpha(rng):
    dx, dy = T.elastic_fields(4, np.array([0.0, 10.0, 34.0, 34.0]), 4.0, rng)
    assert dx.shape == dy.shape == (4, 28, 28)
    assert np.abs(dx[0]).max() == 0 and np.abs(dy[0]).max() == 0
    assert 0 < np.abs(dx[1]).mean() < np.abs(dx[2]).mean()


def test_iou():
    assert iou((0, 0, 10, 10), (0, 0, 10, 10)) == 1.0
    assert iou((0, 0, 10, 10), (20, 20, 5, 5)) == 0.0
    assert iou((0, 0, 10, 10), (5, 0, 10, 10)) == pytest.approx(50 / 150)


def test_runtime_crops_are_labelled_digits(mnist):
    (x, y), _ = mnist
    images, labels = runtime_crops(x[:3000], y[:3000], 120, seed=3)
    assert images.shape[1:] == (28, 28) and images.dtype == np.uint8
    assert 100 <= len(images) <= 120 and len(labels) == len(images)
    assert set(np.unique(labels)) <= set(range(10))
    read = (predict_proba(images, "mlp").argmax(1) == labels).mean()
    assert read > 0.85, read  # the labels belong to the crops
    again, _ = runtime_crops(x[:3000], y[:3000], 120, seed=3)
    np.testing.assert_array_equal(images, again)


def test_learning_rate_schedules():
    cosine = Recipe(epochs=10, stop_at=None, augment=True, lr=2e-3, schedule="cosine",
                    warmup_epochs=1)
    rates = [cosine.learning_rate(e, 10) for e in range(10)]
    assert rates[0] == pytest.approx(2e-4)
    assert rates[1] == pytest.approx(2e-3)
    assert all(a > b for a, b in zip(rates[1:], rates[2:]))
    assert rates[-1] == pytest.approx(0.02 * 2e-3)
    exp = RECIPES["cnn"]
    assert exp.learning_rate(3, 15) == pytest.approx(exp.lr * exp.lr_decay**3)


def test_resume_takes_the_runs_own_settings(tmp_path):
    """`--out OUT --resume` alone continues the run with the settings it started with
    (its data, network and schedule), not the command line's defaults."""
    import argparse
    import json

    from digitcam.training.runs import RunState

    out = tmp_path / "lines"
    out.with_suffix(".state.json").write_text(json.dumps({
        "epochs_done": 1, "history": [], "args": {
            "synthetic": 30000, "stride": 2, "habits": True, "out": "elsewhere",
            "workers": 8, "resume": False}}))
    args = argparse.Namespace(out=str(out), resume=True, export_only=False, dry_run=False,
                              synthetic=60000, stride=4, habits=False, workers=1)
    RunState.restore_args(args)
    assert (args.synthetic, args.stride, args.habits) == (30000, 2, True)
    assert (args.out, args.workers, args.resume) == (str(out), 1, True)  # this call's own
    fresh = argparse.Namespace(out=str(out), resume=False, export_only=False, stride=4)
    RunState.restore_args(fresh)
    assert fresh.stride == 4  # a new run is not changed
