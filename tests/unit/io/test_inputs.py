"""What the Python API takes (issue 12, points 8-12): `Recognizer.read` of a path, bytes
or an array; the line of each digit in the JSON; HEIC photos and 48 MP phone photos; white
ink on a transparent PNG; one rule for pixel values, in the reader and the classifier."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest

from digitcam import Recognizer, predict_digit, predict_proba
from digitcam.io.frames import to_gray
from digitcam.io.images import ImageError, decode_image, read_image
from tests.badfiles import MODEL, TEXT, encode, page, png_declaring


@pytest.fixture(scope="module")
def reader() -> Recognizer:
    return Recognizer(MODEL)


def test_read_takes_a_path_bytes_or_an_array(reader, tmp_path):
    path = tmp_path / "photo.png"
    path.write_bytes(encode(page(), ".png"))
    assert reader.read_text(str(path)) == TEXT
    assert reader.read_text(path) == TEXT
    assert reader.read_text(path.read_bytes()) == TEXT
    assert reader.read_text(page()) == TEXT
    with pytest.raises(ImageError, match="no such file"):
        reader.read(str(tmp_path / "missing.jpg"))


def test_each_digit_has_its_line(reader):
    two_lines = np.vstack([page("47"), page("25")])
    reading = Recognizer.as_dict(reader.read(two_lines))
    assert reading["text"] == "47 25"
    assert reading["lines"] == ["47", "25"]
    assert [d["line"] for d in reading["digits"]] == [0, 0, 1, 1]


def heic(image: np.ndarray) -> bytes:
    pillow_heif = pytest.importorskip("pillow_heif")
    rgb = cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
    h, w = rgb.shape[:2]
    out = io.BytesIO()
    pillow_heif.from_bytes(mode="RGB", size=(w, h), data=rgb.tobytes()).save(out, quality=95)
    return out.getvalue()


def test_heic_photos_are_read(reader, tmp_path):
    path = tmp_path / "IMG_0001.HEIC"
    path.write_bytes(heic(page()))
    image = read_image(path)
    assert image.shape[:2] == page().shape and image.dtype == np.uint8
    assert reader.read_text(path) == TEXT
    with pytest.raises(ImageError, match="corrupt HEIC"):
        decode_image(path.read_bytes()[:200])


def test_a_48_megapixel_phone_photo_passes_the_size_guard():
    with pytest.raises(ImageError) as e:  # the header is 8064x6048, the pixels are junk
        decode_image(png_declaring(8064, 6048))
    assert "too large" not in str(e.value)
    with pytest.raises(ImageError, match="too large"):  # a bomb is still refused
        decode_image(png_declaring(20000, 20000))


@pytest.mark.parametrize("ink_value", [255, 0], ids=["white ink", "dark ink"])
def test_ink_on_a_transparent_png_reads_whatever_its_colour(reader, ink_value):
    ink = 255 - page()  # 255 where the strokes are
    bgra = np.zeros((*ink.shape, 4), np.uint8)
    bgra[..., :3] = ink_value
    bgra[..., 3] = ink
    assert reader.read_text(decode_image(encode(bgra, ".png"))) == TEXT


def test_an_opaque_page_with_a_transparent_border_stays_a_page(reader):
    grey = np.pad(page(), 40, constant_values=0)
    bgra = np.dstack([grey, grey, grey, np.pad(np.full(page().shape, 255, np.uint8), 40)])
    assert reader.read_text(bgra) == TEXT


@pytest.mark.parametrize("values", [(-0.5, 0.5), (0.0, 255000.0)], ids=["-0.5..0.5", "0..255000"])
def test_float_values_outside_both_ranges_are_refused(reader, values):
    lo, hi = values
    frame = (page() / 255.0) * (hi - lo) + lo
    with pytest.raises(ValueError, match=r"\[0, 1\] or \[0, 255\]"):
        reader.read(frame)
    with pytest.raises(ValueError, match=r"\[0, 1\] or \[0, 255\]"):
        predict_proba(cv2.resize(frame, (28, 28)), model=MODEL)


def test_one_rule_for_the_reader_and_the_classifier(mnist_test):
    digit, label = mnist_test[0][0], int(mnist_test[1][0])
    as_float = digit.astype(np.float32)  # 0-255 floats: the reader takes them, so does this
    np.testing.assert_allclose(predict_proba(as_float, MODEL), predict_proba(digit, MODEL),
                               atol=1e-6)
    np.testing.assert_array_equal(to_gray(as_float), digit)
    for shape in [(28, 28), (28, 28, 1), (1, 28, 28), (1, 28, 28, 1)]:
        assert predict_digit(digit.reshape(shape), model=MODEL) == label, shape
    with pytest.raises(ValueError, match="0-255"):
        predict_proba(np.full((28, 28), 300, np.int32), model=MODEL)
