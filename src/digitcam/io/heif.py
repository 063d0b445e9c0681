"""HEIC photos, an iPhone's default format, read with pillow-heif (images.decode_image
sends them here): the size is checked from the container before any pixel is decoded.

    image = decode_heif(data, max_pixels)   # BGR or BGRA uint8, upright; or ImageError
"""

from __future__ import annotations

import cv2
import numpy as np

from .images import ImageError


def decode_heif(data: bytes, max_pixels: int) -> np.ndarray:
    """An iPhone's HEIC photo (pillow-heif), turned upright, as BGR or BGRA uint8."""
    try:
        import pillow_heif
    except ImportError:
        raise ImageError("HEIC photo: install pillow-heif to read it") from None
    try:
        heif = pillow_heif.open_heif(data, convert_hdr_to_8bit=True)
        w, h = heif.size
        if w * h > max_pixels:
            raise ImageError(f"image too large ({w}x{h} pixels, limit {max_pixels})")
        pixels = np.asarray(heif)
    except ImageError:
        raise
    except Exception as e:  # libheif raises its own kinds of error
        detail = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ImageError(f"not a readable image: truncated or corrupt HEIC data ({detail})"
                         ) from None
    if pixels.ndim == 2:
        return np.ascontiguousarray(pixels)
    code = cv2.COLOR_RGBA2BGRA if pixels.shape[2] == 4 else cv2.COLOR_RGB2BGR
    return cv2.cvtColor(pixels, code)
