"""Every format OpenCV decodes has its size read from the header before any pixel is
decoded (issue 13, point 15): a file over the pixel limit is refused unread, whatever its
format; a format whose size cannot be read is not decoded at all."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from digitcam.io.images import ImageError, decode_image

FORMATS = [".png", ".jpg", ".bmp", ".gif", ".webp", ".tiff", ".pbm", ".pgm", ".ppm", ".pam",
           ".pfm", ".ras", ".hdr", ".jp2"]


def encoded(ext: str, width: int = 67, height: int = 43) -> bytes:
    image = np.random.default_rng(0).integers(0, 255, (height, width, 3), np.uint8)
    if ext in (".pbm", ".pgm"):
        image = image[..., 0]
    if ext in (".pfm", ".hdr"):
        image = image.astype(np.float32) / 255
    try:
        ok, buf = cv2.imencode(ext, image)
    except cv2.error:
        ok = False
    if not ok:
        pytest.skip(f"this OpenCV cannot write {ext}")
    return buf.tobytes()


@pytest.mark.parametrize("ext", FORMATS)
def test_size_is_read_from_every_formats_header(ext):
    data = encoded(ext)
    image = decode_image(data, max_pixels=67 * 43)
    assert image.shape[:2] == (43, 67)
    with pytest.raises(ImageError, match=r"image too large \(67x43 pixels, limit 2880\)"):
        decode_image(data, max_pixels=67 * 43 - 1)


def test_formats_whose_size_cannot_be_checked_are_not_decoded():
    with pytest.raises(ImageError, match="AVIF is not read"):
        decode_image(encoded(".avif"))


@pytest.mark.parametrize("header", [
    b"P4\n6000 5000\n",                          # 30 MP of 1-bit pixels: 3.75 MB would do
    b"P5 # a comment\n# another\n6000\t5000 255\n",
    b"P7\nWIDTH 6000\nHEIGHT 5000\nDEPTH 1\nMAXVAL 255\nTUPLTYPE GRAYSCALE\nENDHDR\n",
    b"Pf\n6000 5000\n-1.0\n",
    b"\x59\xa6\x6a\x95" + (6000).to_bytes(4, "big") + (5000).to_bytes(4, "big") + bytes(20),
    b"#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 5000 +X 6000\n",
])
def test_bombs_in_every_format_are_refused_unread(header):
    with pytest.raises(ImageError, match=r"image too large \(6000x5000 pixels"):
        decode_image(header + bytes(100), max_pixels=25_000_000)


@pytest.mark.parametrize("data", [b"P5\n", b"P5\nabc def\n", b"P7\nENDHDR\n",
                                  b"#?RADIANCE\n\n", b"\x00\x00\x00\x0cjP  \r\n\x87\n"])
def test_headers_without_a_size_are_not_decoded(data):
    with pytest.raises(ImageError, match="no image size in its header"):
        decode_image(data + bytes(100))
