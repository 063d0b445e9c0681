"""Fuzzing the runtime entry points: `Recognizer.read`, `predict_digit`, `predict_proba`.

Any array a caller can hand over (any shape, dtype and range; NaN, inf; 16-bit, RGBA,
one channel; non-contiguous, negative strides) must give a valid result or a ValueError
with a clear one-line message: never another exception, a hang or a memory blow-up.
Examples are bounded (MAX_EXAMPLES each, DEADLINE_MS per example) so CI stays fast.
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from digitcam import predict_digit, predict_proba
from digitcam.io.frames import MAX_FRAME_PIXELS
from digitcam.reader import Recognizer
from digitcam.regions import Detection
from digitcam.synth import scenes
from tests.badfiles import MODEL

MAX_EXAMPLES = 60
DEADLINE_MS = 3000  # a hang guard, far above the few ms an example takes
FUZZ = settings(max_examples=MAX_EXAMPLES, deadline=DEADLINE_MS, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

DTYPES = [np.uint8, np.uint16, np.int8, np.int16, np.int32, np.int64, np.uint32, np.uint64,
          np.float16, np.float32, np.float64, np.bool_, np.complex64, np.complex128]
LAYOUTS = {  # the same pixels, laid out in memory in other ways
    "contiguous": lambda a: a,
    "negative strides": lambda a: np.flip(np.flip(a, (0, 1)).copy(), (0, 1)),
    "every other column": lambda a: np.repeat(a, 2, axis=1)[:, ::2],
    "fortran order": np.asfortranarray,
}


def shapes() -> st.SearchStrategy[tuple[int, ...]]:
    return st.one_of(
        hnp.array_shapes(min_dims=0, max_dims=5, min_side=0, max_side=12),
        st.tuples(st.integers(0, 240), st.integers(0, 240)),
        st.tuples(st.integers(1, 160), st.integers(1, 160), st.sampled_from([1, 2, 3, 4, 5])),
        st.tuples(st.integers(0, 3), st.just(28), st.just(28)),
        st.tuples(st.integers(0, 3), st.just(28), st.just(28), st.sampled_from([1, 3])),
        st.just((28, 28)),
    )


@st.composite
def any_array(draw) -> np.ndarray:
    dtype = np.dtype(draw(st.sampled_from(DTYPES)))
    if draw(st.booleans()) and dtype.itemsize > 1:
        dtype = dtype.newbyteorder(">")
    array = draw(hnp.arrays(dtype, draw(shapes())))
    if array.ndim >= 2 and array.size:
        array = draw(st.sampled_from(list(LAYOUTS.values())))(array)
    return array


@pytest.fixture(scope="module")
def recognizers():
    return [Recognizer(model=MODEL, mode=mode) for mode in ("multi", "roi")]


def assert_clear(error: ValueError) -> None:
    message = str(error)
    assert len(message) >= 10 and "\n" not in message, repr(message)


def assert_valid(detections: list[Detection], shape: tuple[int, ...]) -> None:
    h, w = shape[:2]
    assert isinstance(detections, list)
    for d in detections:
        assert isinstance(d.digit, int) and 0 <= d.digit <= 9
        assert 0.0 <= d.confidence <= 1.0
        x, y, bw, bh = d.box
        assert bw >= 1 and bh >= 1 and x >= 0 and y >= 0 and x + bw <= w and y + bh <= h
        assert d.probs.shape == (10,) and np.isfinite(d.probs).all()
        assert d.crop.shape == (28, 28) and d.crop.dtype == np.uint8


def result_or_clear_error(fn, *args, **kwargs):
    """fn's result, or None when it raised a ValueError with a clear one-line message.
    Any other exception fails the test."""
    try:
        return fn(*args, **kwargs)
    except ValueError as e:
        assert_clear(e)
        return None


@FUZZ
@given(frame=any_array())
def test_read_any_array(recognizers, frame):
    for recognizer in recognizers:
        detections = result_or_clear_error(recognizer.read, frame, keep_rejected=True)
        if detections is not None:
            assert_valid(detections, np.shape(frame))


@FUZZ
@given(images=any_array())
def test_predict_proba_any_array(images):
    probs = result_or_clear_error(predict_proba, images, model=MODEL)
    if probs is not None:
        assert probs.ndim == 2 and probs.shape[1] == 10 and probs.dtype == np.float32
        assert np.isfinite(probs).all() and (probs >= 0).all()
        np.testing.assert_allclose(probs.sum(1), 1.0, atol=1e-4)


@FUZZ
@given(image=any_array())
def test_predict_digit_any_array(image):
    digit = result_or_clear_error(predict_digit, image, model=MODEL)
    assert digit is None or (isinstance(digit, int) and 0 <= digit <= 9)


# The same page in every representation a caller may use must read exactly the same.
REPRESENTATIONS = {
    "grey (H, W, 1)": lambda g: g[..., None],
    "BGR": lambda g: np.dstack([g, g, g]),
    "BGRA, opaque": lambda g: np.dstack([g, g, g, np.full_like(g, 255)]),
    "uint16": lambda g: g.astype(np.uint16) * 257,
    "big-endian uint16": lambda g: (g.astype(np.uint16) * 257).astype(">u2"),
    "float 0-1": lambda g: g / 255.0,
    "float32 0-255": lambda g: g.astype(np.float32),
    "int64": lambda g: g.astype(np.int64),
    **{f"uint8, {name}": layout for name, layout in LAYOUTS.items()},
}


@settings(max_examples=12, deadline=DEADLINE_MS, derandomize=True)
@given(seed=st.integers(0, 2**16), digits=st.integers(0, 4),
       name=st.sampled_from(sorted(REPRESENTATIONS)))
def test_every_representation_reads_the_same(mnist_test, recognizers, seed, digits, name):
    x, y = mnist_test
    rng = np.random.default_rng(seed)
    page = scenes.number_scene(x, y, digits, rng, shape=(240, 320)).frame
    grey = np.ascontiguousarray(page[..., 1])
    for recognizer in recognizers:
        expected = recognizer.read(grey, keep_rejected=True)
        got = recognizer.read(REPRESENTATIONS[name](grey), keep_rejected=True)
        assert [(d.digit, d.box) for d in got] == [(d.digit, d.box) for d in expected], name


def test_transparent_background_reads_as_paper(mnist_test, recognizers):
    """A drawing with ink on a transparent background (a canvas, a PNG with alpha): the
    transparent part is white paper, whatever colour its hidden pixels have."""
    x, y = mnist_test
    page = scenes.render([x[0]], np.random.default_rng(0), shape=(200, 200)).frame[..., 1]
    ink = (page < 128).astype(np.uint8) * 255
    bgra = np.zeros((*page.shape, 4), np.uint8)  # black everywhere, opaque only on the ink
    bgra[..., 3] = ink
    expected = recognizers[0].read(page)
    assert [d.digit for d in expected] == [int(y[0])]
    assert [d.digit for d in recognizers[0].read(bgra)] == [int(y[0])]


@pytest.mark.parametrize("frame", [
    np.zeros((0, 0), np.uint8), np.zeros((0, 5, 3), np.uint8), np.zeros((7, 0), np.float32),
], ids=["0x0", "0x5x3", "7x0"])
def test_empty_frames_are_refused(recognizers, frame):
    for recognizer in recognizers:
        with pytest.raises(ValueError, match="empty"):
            recognizer.read(frame)


@pytest.mark.parametrize("bad, message", [
    (np.full((50, 50), np.nan), "NaN"),
    (np.full((50, 50, 3), -np.inf, np.float32), "infinite"),
    (np.zeros((50, 50), np.complex64), "dtype"),
    (np.zeros((50, 50), object), "dtype"),
    (np.full((50, 50), 300, np.int32), "0-255"),
    (np.zeros((50, 50, 2), np.uint8), "colour"),
    (np.zeros((2, 2, 2, 2), np.uint8), "colour"),
    (np.uint8(7), "colour"),
    ("frame.png", "no such file"),  # a path: read as a file
])
def test_bad_frames_name_the_problem(recognizers, bad, message):
    for recognizer in recognizers:
        with pytest.raises(ValueError, match=message):
            recognizer.read(bad)


@pytest.mark.parametrize("shape", [(1, 1), (1, 10000), (10000, 1), (1, 1, 4), (2, 3, 3)])
def test_tiny_and_thin_frames(recognizers, shape):
    rng = np.random.default_rng(0)
    frame = rng.integers(0, 256, shape, dtype=np.uint8)
    for recognizer in recognizers:
        assert_valid(recognizer.read(frame, keep_rejected=True), shape)


@pytest.mark.parametrize("content", ["zeros", "noise", "blobs"])
def test_8000x8000_frames(recognizers, content):
    shape = (8000, 8000)
    if content == "zeros":
        frame = np.zeros(shape, np.uint8)
    elif content == "noise":
        frame = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
    else:  # thousands of digit-sized blobs: the worst case for the per-candidate work
        frame = np.full(shape, 255, np.uint8)
        frame.reshape(100, 80, 100, 80)[:, 20:60, :, 30:50] = 0
    for recognizer in recognizers:
        assert_valid(recognizer.read(frame, keep_rejected=True), shape)


def test_a_huge_photo_reads_like_the_small_one(mnist_test, recognizers):
    """A page photographed at 8000x6000 reads as the same page at 640x480 does, its boxes
    in its own pixels."""
    import cv2

    x, y = mnist_test
    scene = scenes.number_scene(x, y, 4, np.random.default_rng(3))
    scale = 8000 / scene.frame.shape[1]
    big = cv2.resize(scene.frame, (8000, 6000), interpolation=cv2.INTER_CUBIC)
    small_read = recognizers[0].read(scene.frame, keep_rejected=True)
    big_read = recognizers[0].read(big, keep_rejected=True)
    assert len(small_read) >= 3 and len(big_read) == len(small_read)
    truth = [int(c) for c in scene.text]
    assert sum(d.digit == t for d, t in zip(big_read, truth)) >= 3
    for d_big, d_small in zip(big_read, small_read):
        np.testing.assert_allclose(d_big.box, np.array(d_small.box) * scale, atol=3 * scale)


def test_frames_above_the_maximum_are_refused_without_work(recognizers):
    side = int(np.sqrt(MAX_FRAME_PIXELS)) + 1
    frame = np.broadcast_to(np.uint8(255), (side, side, 3))  # no memory behind it
    tracemalloc.start()
    try:
        for recognizer in recognizers:
            with pytest.raises(ValueError, match="too large"):
                recognizer.read(frame)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000


def test_classifier_rejects_a_huge_array_before_converting_it():
    image = np.zeros((8000, 8000), np.uint8)
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="28x28"):
            predict_proba(image, model=MODEL)
        with pytest.raises(ValueError, match="28x28"):
            predict_digit(image, model=MODEL)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000  # no float32 copy of the 64 MB image


def test_classifier_inputs_in_every_representation_agree(mnist_test):
    x = mnist_test[0][:6]
    expected = predict_proba(x, model=MODEL)
    for variant in (x / 255.0, (x / 255.0).astype(">f4"), x[..., None],
                    np.flip(np.flip(x, (1, 2)).copy(), (1, 2)), np.asfortranarray(x)):
        np.testing.assert_allclose(predict_proba(variant, model=MODEL), expected, atol=1e-5)
    assert predict_digit(x[0], model=MODEL) == int(expected[0].argmax())
