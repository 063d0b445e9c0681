"""Camera frames and photos as the reading stages take them: 2-D uint8 grey.

    gray = to_gray(frame)   # grey, BGR or BGRA; uint8, uint16, bool, ints 0-255 or float
    crop, back = cut_upright(gray, centre, size, angle)   # a turned box cut out upright
"""

from __future__ import annotations

import cv2
import numpy as np

MAX_FRAME_PIXELS = 10_000 * 10_000  # larger frames are refused (ValueError) before any work


def to_gray(frame: np.ndarray) -> np.ndarray:
    """Any camera frame or photo -> 2-D uint8 grey, or a ValueError saying what is wrong.

    Grey (H, W) or (H, W, 1), BGR or BGRA (transparent parts become paper, its colour
    chosen from the opaque pixels); pixel values as white_value says: uint8, uint16, bool,
    other integers holding 0-255, or float in [0, 1] or [0, 255].
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
    return _over_paper(frame)


def white_value(frame: np.ndarray) -> float:
    """The one rule for pixel values, shared by to_gray and the classifier: the value that
    stands for white, or a ValueError. uint8: 255; bool: 1; uint16: 65535; other integers
    must lie in 0-255; float must be finite and lie in [0, 1] (white is 1) or, when above
    1, in [0, 255]. Anything else (negative values, 0-255000, ...) is refused."""
    kind = frame.dtype.kind
    if kind not in "biuf":
        raise ValueError(f"unsupported image dtype {frame.dtype} "
                         "(use uint8, uint16, bool, integers 0-255 or float)")
    if frame.dtype == np.uint8:
        return 255.0
    if kind == "b":
        return 1.0
    if frame.dtype == np.uint16:
        return 65535.0
    lo, hi = (frame.min(), frame.max()) if frame.size else (0, 0)
    if kind in "iu":
        if lo < 0 or hi > 255:
            raise ValueError(f"integer image values must lie in 0-255 (or be uint16), "
                             f"got {lo} to {hi}")
        return 255.0
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise ValueError("image contains NaN or infinite values")
    if lo < 0 or hi > 255:
        raise ValueError(f"float image values must lie in [0, 1] or [0, 255], "
                         f"got {float(lo):.4g} to {float(hi):.4g}")
    return 1.0 if hi <= 1.0 else 255.0


def _as_uint8(frame: np.ndarray) -> np.ndarray:
    """Pixel values as contiguous uint8 0-255 (white_value states what is accepted)."""
    if frame.dtype.kind in "biuf" and not frame.dtype.isnative:
        frame = frame.astype(frame.dtype.newbyteorder("="))
    top = white_value(frame)
    if frame.dtype == np.uint8:
        return np.ascontiguousarray(frame)
    if frame.dtype.kind == "b":
        return np.ascontiguousarray(frame, np.uint8) * np.uint8(255)
    if frame.dtype == np.uint16:
        return np.ascontiguousarray(frame >> 8, np.uint8)
    if frame.dtype.kind in "iu":
        return np.ascontiguousarray(frame, np.uint8)
    x = frame.astype(np.float32)
    x *= 255.0 / top
    np.rint(x, out=x)
    return x.astype(np.uint8)


def _over_paper(bgra: np.ndarray) -> np.ndarray:
    """Grey of a BGRA image laid on paper: transparent pixels are paper, whatever colour
    they hide. The paper's colour comes from the opaque pixels: when they are the minority
    they are the ink (white ink on a transparent PNG gets black paper, dark ink white);
    when they are most of the image they are the page, and the paper matches its tone."""
    gray = cv2.cvtColor(bgra, cv2.COLOR_BGRA2GRAY)
    alpha = np.ascontiguousarray(bgra[..., 3])
    if cv2.countNonZero(cv2.bitwise_not(alpha)) == 0:
        return gray  # fully opaque
    opaque = alpha >= 128
    light = bool(opaque.any()) and float(gray[opaque].mean()) > 127
    ink_only = opaque.mean() < 0.5
    paper = 0 if light == ink_only else 255
    if paper == 255:
        return cv2.bitwise_not(cv2.multiply(cv2.bitwise_not(gray), alpha, scale=1 / 255))
    return cv2.multiply(gray, alpha, scale=1 / 255)


def cut_upright(gray: np.ndarray, centre, size, angle: float,
                margin: float = 0.15) -> tuple[np.ndarray, np.ndarray]:
    """The turned rectangle cut out upright with a margin of `margin` heights:
    (crop, 2x3 matrix from crop pixels back to frame pixels)."""
    w, h = size
    pad = margin * h
    cw, ch = int(round(w + 2 * pad)), int(round(h + 2 * pad))
    m = cv2.getRotationMatrix2D(centre, angle, 1.0)
    m[:, 2] += (cw / 2 - centre[0], ch / 2 - centre[1])
    crop = cv2.warpAffine(gray, m, (max(cw, 1), max(ch, 1)), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REPLICATE)
    return crop, cv2.invertAffineTransform(m)
