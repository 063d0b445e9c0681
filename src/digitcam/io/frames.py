"""Camera frames and photos as the reading stages take them: 2-D uint8 grey.

    gray = to_gray(frame)   # grey, BGR or BGRA; uint8, uint16, bool, ints 0-255 or float
    crop, back = cut_upright(gray, centre, size, angle)   # a turned box cut out upright
    crop, back = cut_level(gray, box, pad, paper)         # a level box, paper beyond the frame
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


def cut_upright(gray: np.ndarray, centre, size, angle: float, margin: float = 0.15,
                paper: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The turned rectangle cut out upright with a margin of `margin` heights:
    (crop, 2x3 matrix from crop pixels back to frame pixels). Beyond the frame's edge the
    crop is `paper` (a grey level), or the edge repeated when it is None."""
    w, h = size
    pad = margin * h
    cw, ch = int(round(w + 2 * pad)), int(round(h + 2 * pad))
    m = cv2.getRotationMatrix2D(centre, angle, 1.0)
    m[:, 2] += (cw / 2 - centre[0], ch / 2 - centre[1])
    border = (dict(borderMode=cv2.BORDER_REPLICATE) if paper is None else
              dict(borderMode=cv2.BORDER_CONSTANT, borderValue=int(paper)))
    crop = cv2.warpAffine(gray, m, (max(cw, 1), max(ch, 1)), flags=cv2.INTER_LINEAR, **border)
    return crop, cv2.invertAffineTransform(m)


def cut_level(gray: np.ndarray, box: tuple[float, float, float, float], pad: float,
              paper: int) -> tuple[np.ndarray, np.ndarray]:
    """The box (x, y, w, h, in frame pixels) with `pad` pixels around it, cut straight out:
    (crop, 2x3 matrix from crop pixels back to frame pixels). Where the margin runs past
    the frame's edge it is `paper` (a grey level)."""
    x, y, w, h = box
    fh, fw = gray.shape
    ux0, uy0 = int(x - pad), int(y - pad)
    ux1, uy1 = max(int(x + w + pad + 1), ux0 + 1), max(int(y + h + pad + 1), uy0 + 1)
    x0, y0 = min(max(0, ux0), fw - 1), min(max(0, uy0), fh - 1)
    x1, y1 = max(min(fw, ux1), x0 + 1), max(min(fh, uy1), y0 + 1)
    crop = gray[y0:y1, x0:x1]
    left, top = x0 - ux0, y0 - uy0
    right, bottom = max(0, ux1 - x1), max(0, uy1 - y1)
    if left or top or right or bottom:
        crop = cv2.copyMakeBorder(crop, top, bottom, left, right, cv2.BORDER_CONSTANT,
                                  value=int(paper))
    return crop, np.float32([[1, 0, x0 - left], [0, 1, y0 - top]])
