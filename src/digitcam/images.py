"""Read image files for the recogniser, with one-line errors that name the reason."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_PIXELS = 40_000_000  # about 7000x5700; larger declared sizes are refused before decoding


class ImageError(ValueError):
    """An image file cannot be read; str() is the reason, for one line of output."""


def _declared_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a PNG, GIF or BMP header, without decoding the pixels."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return int.from_bytes(data[6:8], "little"), int.from_bytes(data[8:10], "little")
    if data[:2] == b"BM" and len(data) >= 26:
        return (abs(int.from_bytes(data[18:22], "little", signed=True)),
                abs(int.from_bytes(data[22:26], "little", signed=True)))
    if data[:2] == b"\xff\xd8":
        return _jpeg_size(data)
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
            return int.from_bytes(data[i + 7 : i + 9], "big"), int.from_bytes(data[i + 5 : i + 7],
                                                                               "big")
        i += 2 + int.from_bytes(data[i + 2 : i + 4], "big")
    return None


def decode_image(data: bytes, max_pixels: int = MAX_PIXELS) -> np.ndarray:
    """Decode image bytes to a BGR, BGRA or grey array (8 or 16 bit), or raise ImageError."""
    if len(data) == 0:
        raise ImageError("empty file")
    size = _declared_size(data)
    if size is not None:
        w, h = size
        if w == 0 or h == 0:
            raise ImageError(f"image has no pixels ({w}x{h})")
        if w * h > max_pixels:
            raise ImageError(f"image too large ({w}x{h} pixels, limit {max_pixels})")
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if image is None or image.size == 0:
        raise ImageError("not a readable image (unknown format, or truncated or corrupt data)")
    return image


def read_image(path: str | os.PathLike) -> np.ndarray:
    """Read an image file (PNG, JPEG, BMP, TIFF, WebP, GIF's first frame ...)."""
    p = Path(path)
    if p.is_dir():
        raise ImageError("is a directory, not an image file")
    try:
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ImageError(f"file too large ({size} bytes, limit {MAX_FILE_BYTES})")
        data = p.read_bytes()
    except FileNotFoundError:
        raise ImageError("no such file") from None
    except PermissionError:
        raise ImageError("permission denied") from None
    except OSError as e:
        raise ImageError(f"cannot read file ({e.strerror or e})") from None
    return decode_image(data)
