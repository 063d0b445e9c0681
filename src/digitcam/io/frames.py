"""Camera frames and photos as the reading stages take them: 2-D uint8 grey.

    gray = to_gray(frame)   # grey, BGR or BGRA; uint8, uint16, bool, ints 0-255 or float
"""

from __future__ import annotations

import cv2
import numpy as np

MAX_FRAME_PIXELS = 10_000 * 10_000  # larger frames are refused (ValueError) before any work


def to_gray(frame: np.ndarray) -> np.ndarray:
    """Any camera frame or photo -> 2-D uint8 grey, or a ValueError saying what is wrong.

    Grey (H, W) or (H, W, 1), BGR or BGRA (transparent parts become white paper); uint8,
    uint16, bool, other integers holding 0-255, or float (0-1, or 0-255 when above 1).
    Empty frames, NaN or inf, other dtypes and frames above MAX_FRAME_PIXELS are refused
    before any work is done."""
    frame = np.asarray(frame)
    if frame.ndim == 3 and frame.shape[2] == 1:
        frame = frame[..., 0]
    if frame.ndim not in (2, 3) or (frame.ndim == 3 and frame.shape[2] not in (3, 4)):
        raise ValueError(f"expected a grey (H, W) or colour (H, W, 3|4) image, got {frame.shape}")
    h, w = frame.shape[:2]
    if h < 1 or w < 1:
        raise ValueError(f"image is empty (shape {frame.shape})")
    if h * w > MAX_FRAME_PIXELS:
        raise ValueError(f"image too large ({w}x{h} pixels, limit {MAX_FRAME_PIXELS}); "
                         "downscale it first")
    frame = _as_uint8(frame)
    if frame.ndim == 2:
        return frame
    if frame.shape[2] == 3:
        return cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    return _over_white(frame)


def _as_uint8(frame: np.ndarray) -> np.ndarray:
    """Pixel values as contiguous uint8 0-255 (see to_gray for what is accepted)."""
    kind = frame.dtype.kind
    if kind not in "biuf":
        raise ValueError(f"unsupported image dtype {frame.dtype} "
                         "(use uint8, uint16, bool, integers 0-255 or float)")
    if not frame.dtype.isnative:
        frame = frame.astype(frame.dtype.newbyteorder("="))
    if frame.dtype == np.uint8:
        return np.ascontiguousarray(frame)
    if kind == "b":
        return np.ascontiguousarray(frame, np.uint8) * np.uint8(255)
    if frame.dtype == np.uint16:
        return np.ascontiguousarray(frame >> 8, np.uint8)
    lo, hi = frame.min(), frame.max()
    if kind in "iu":
        if lo < 0 or hi > 255:
            raise ValueError(f"integer image values must lie in 0-255 (or be uint16), "
                             f"got {lo} to {hi}")
        return np.ascontiguousarray(frame, np.uint8)
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise ValueError("image contains NaN or infinite values")
    top = 1.0 if hi <= 1.0 else 255.0  # 0-1 images are scaled up; others are taken as 0-255
    x = np.empty(frame.shape, np.float32)
    np.clip(frame, 0.0, top, out=x)
    x *= 255.0 / top
    np.rint(x, out=x)
    return x.astype(np.uint8)


def _over_white(bgra: np.ndarray) -> np.ndarray:
    """Grey of a BGRA image laid on white paper: transparent pixels are paper, whatever
    colour they hide."""
    gray = cv2.cvtColor(bgra, cv2.COLOR_BGRA2GRAY)
    alpha = np.ascontiguousarray(bgra[..., 3])
    if cv2.countNonZero(cv2.bitwise_not(alpha)) == 0:
        return gray  # fully opaque
    return cv2.bitwise_not(cv2.multiply(cv2.bitwise_not(gray), alpha, scale=1 / 255))
