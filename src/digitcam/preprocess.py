"""Frame -> digit crops: find each handwritten digit and make it look like MNIST.

`multi` (default), the robust pipeline:
  grey -> polarity (dark ink on light paper, or light on dark) -> illumination
  normalisation (ink contrast against a local estimate of the paper) -> threshold
  (Otsu with a contrast floor, or the user's) -> connected components, broken strokes
  merged -> candidates filtered by size, aspect and ink density -> each crop fitted
  into 20x20 keeping its aspect ratio, stroke width normalised, and placed in 28x28
  by its centre of mass, as MNIST itself was made.
`roi`, the paper's pipeline kept for comparison: grey, Gaussian blur, binary threshold,
  central 150x150 box squashed to 20x20 and padded to 28x28.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

Box = tuple[int, int, int, int]  # x, y, w, h in frame pixels

MIN_CONTRAST = 40        # ink must be at least this much (0-255) darker than the local paper
MIN_DIGIT_HEIGHT = 10    # pixels
MIN_REL_HEIGHT = 0.4     # a candidate at least this fraction of the tallest digit-like one
ASPECT_RANGE = (0.05, 1.5)
DENSITY_RANGE = (0.06, 0.8)
ROI_SIZE = 150
ROI_THRESHOLD = 127


@dataclass
class Crop:
    image: np.ndarray  # (28, 28) uint8, white ink on black, MNIST-style
    box: Box


def to_gray(frame: np.ndarray) -> np.ndarray:
    """Any camera frame or photo (grey, BGR, BGRA; 8/16-bit or float) -> 2-D uint8 grey."""
    frame = np.asarray(frame)
    if frame.dtype == bool:
        frame = frame.astype(np.uint8) * 255
    if frame.ndim == 3 and frame.shape[2] == 1:
        frame = frame[..., 0]
    if frame.ndim not in (2, 3) or (frame.ndim == 3 and frame.shape[2] not in (3, 4)):
        raise ValueError(f"expected a grey (H, W) or colour (H, W, 3|4) image, got {frame.shape}")
    if frame.shape[0] < 1 or frame.shape[1] < 1:
        raise ValueError(f"image is empty (shape {frame.shape})")
    if frame.dtype == np.uint16:
        frame = (frame >> 8).astype(np.uint8)
    elif frame.dtype.kind == "f":
        if not np.isfinite(frame).all():
            raise ValueError("image contains NaN or infinite values")
        scale = 255.0 if frame.max(initial=0) <= 1.0 else 1.0
        frame = np.clip(frame * scale, 0, 255).astype(np.uint8)
    elif frame.dtype != np.uint8:
        raise ValueError(f"unsupported image dtype {frame.dtype} (use uint8, uint16 or float)")
    frame = np.ascontiguousarray(frame)
    if frame.ndim == 3:
        code = cv2.COLOR_BGR2GRAY if frame.shape[2] == 3 else cv2.COLOR_BGRA2GRAY
        frame = cv2.cvtColor(frame, code)
    return frame


def ink_is_dark(gray: np.ndarray) -> bool:
    """True for dark ink on light paper. The paper is what a large median filter keeps
    (it is the majority everywhere); ink is what departs from it strongly, one way or the
    other. Shadows and gradients shift the median with them, so they don't decide."""
    h, w = gray.shape
    f = 4 if min(h, w) >= 64 else 1
    small = cv2.resize(gray, (max(w // f, 1), max(h // f, 1)), interpolation=cv2.INTER_AREA)
    paper = cv2.medianBlur(small, max(3, (min(small.shape) // 4) | 1))
    departure = small.astype(np.int16) - paper.astype(np.int16)
    darker = np.maximum(-departure - MIN_CONTRAST // 2, 0).sum()
    lighter = np.maximum(departure - MIN_CONTRAST // 2, 0).sum()
    return bool(darker >= lighter)


def ink_map(gray: np.ndarray, dark_ink: bool | None = None) -> np.ndarray:
    """Ink contrast 0-255 against the local paper brightness: shadows and gradients removed."""
    if dark_ink is None:
        dark_ink = ink_is_dark(gray)
    g = gray if dark_ink else 255 - gray
    h, w = g.shape
    # Paper brightness: a grey closing (removes dark strokes) on a quarter-size image.
    f = 4 if min(h, w) >= 64 else 1
    small = cv2.resize(g, (max(w // f, 1), max(h // f, 1)), interpolation=cv2.INTER_AREA)
    k = max(3, (min(small.shape) // 6) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (k, k))
    paper = cv2.morphologyEx(small, cv2.MORPH_CLOSE, kernel)
    paper = cv2.blur(paper, (k, k))
    paper = cv2.resize(paper, (w, h), interpolation=cv2.INTER_LINEAR).astype(np.float32)
    paper = np.maximum(paper, g)  # the paper is never darker than what lies on it
    contrast = (paper - g) / np.maximum(paper, 16.0)
    return np.clip(contrast * 255.0, 0, 255).astype(np.uint8)


def binarize(ink: np.ndarray, threshold: int | None = None) -> np.ndarray:
    """Otsu's threshold on the ink map, never below MIN_CONTRAST; or the user's threshold."""
    if threshold is None:
        otsu, _ = cv2.threshold(ink, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
        threshold = max(int(otsu), MIN_CONTRAST)
    _, binary = cv2.threshold(ink, threshold, 255, cv2.THRESH_BINARY)
    return binary


def _merge_broken(boxes: list[list[int]]) -> list[list[int]]:
    """Merge boxes that overlap horizontally and nearly touch vertically (a broken stroke)."""
    merged = True
    while merged:
        merged = False
        for i in range(len(boxes)):
            for j in range(i + 1, len(boxes)):
                a, b = boxes[i], boxes[j]
                overlap_x = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
                gap_y = max(a[1], b[1]) - min(a[1] + a[3], b[1] + b[3])
                if (overlap_x > 0.5 * min(a[2], b[2])
                        and gap_y < 0.25 * max(a[3], b[3])):
                    x0, y0 = min(a[0], b[0]), min(a[1], b[1])
                    x1 = max(a[0] + a[2], b[0] + b[2])
                    y1 = max(a[1] + a[3], b[1] + b[3])
                    boxes[i] = [x0, y0, x1 - x0, y1 - y0, a[4] + b[4], *a[5:], *b[5:]]
                    del boxes[j]
                    merged = True
                    break
            if merged:
                break
    return boxes


def find_digits(binary: np.ndarray) -> tuple[np.ndarray, list[tuple[Box, list[int]]]]:
    """Connected components that look like digits: (labels, [(box, component ids)])."""
    h, w = binary.shape
    n, labels, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    min_area = 12
    comps = [[*stats[i, :4].tolist(), int(stats[i, 4]), i] for i in range(1, n)
             if stats[i, 4] >= min_area]
    if len(comps) > 300:  # a textured scene, not a page: keep the largest blobs only
        comps = sorted(comps, key=lambda c: -c[4])[:300]
    groups = _merge_broken(comps)
    candidates = []
    for g in groups:
        x, y, bw, bh, area = g[:5]
        if bh < MIN_DIGIT_HEIGHT or bh > 0.95 * h or bw > 0.95 * w:
            continue
        aspect, density = bw / bh, area / float(bw * bh)
        if not ASPECT_RANGE[0] <= aspect <= ASPECT_RANGE[1]:
            continue
        # A plain "1" is a solid bar: only wider shapes must have a digit's ink density.
        if aspect > 0.35 and not DENSITY_RANGE[0] <= density <= DENSITY_RANGE[1]:
            continue
        candidates.append(((x, y, bw, bh), g[5:]))
    if candidates:
        tallest = max(box[3] for box, _ in candidates)
        candidates = [c for c in candidates if c[0][3] >= MIN_REL_HEIGHT * tallest]
    return labels, candidates


def _stroke_width(img: np.ndarray) -> float:
    """Mean stroke width in pixels of a grey digit image: 2 * area / perimeter."""
    mask = (img > 127).astype(np.uint8)
    area = float(mask.sum())
    if area == 0:
        return 0.0
    contours, _ = cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    perimeter = sum(cv2.arcLength(c, True) for c in contours)
    return 2.0 * area / max(perimeter, 1.0)


def mnist_normalize(digit: np.ndarray) -> np.ndarray:
    """A tight grey crop (ink bright) -> 28x28: fit in 20x20 keeping aspect, then centre of mass
    at the centre, as LeCun et al. built MNIST. Stroke width is brought near MNIST's."""
    h, w = digit.shape
    scale = 20.0 / max(h, w)
    nw, nh = max(1, round(w * scale)), max(1, round(h * scale))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    small = cv2.resize(digit, (nw, nh), interpolation=interp)
    width = _stroke_width(small)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))
    if 0 < width < 1.8:
        small = cv2.dilate(small, kernel)
    elif width > 4.5:
        small = cv2.erode(small, kernel)
    m = cv2.moments(small)
    if m["m00"] > 0:
        cx, cy = m["m10"] / m["m00"], m["m01"] / m["m00"]
    else:
        cx, cy = (nw - 1) / 2, (nh - 1) / 2
    shift = np.float32([[1, 0, 13.5 - cx], [0, 1, 13.5 - cy]])
    return cv2.warpAffine(small, shift, (28, 28), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=0)


def _crop_ink(ink: np.ndarray, labels: np.ndarray, box: Box, ids: list[int]) -> np.ndarray:
    """The digit's ink inside its box, other components masked out, contrast stretched."""
    x, y, w, h = box
    pad = 2
    x0, y0 = max(x - pad, 0), max(y - pad, 0)
    x1, y1 = min(x + w + pad, ink.shape[1]), min(y + h + pad, ink.shape[0])
    mask = np.isin(labels[y0:y1, x0:x1], ids).astype(np.uint8)
    mask = cv2.dilate(mask, np.ones((3, 3), np.uint8))  # keep the soft edges of the strokes
    crop = ink[y0:y1, x0:x1].astype(np.float32) * mask
    crop = crop[y - y0 : y - y0 + h, x - x0 : x - x0 + w]
    peak = np.percentile(crop[crop > 0], 90) if (crop > 0).any() else 1.0
    return np.clip(crop * (255.0 / max(peak, 1.0)), 0, 255).astype(np.uint8)


def extract_digits(frame: np.ndarray, threshold: int | None = None) -> list[Crop]:
    """Every digit-like object in a frame, MNIST-normalised, in no particular order."""
    gray = to_gray(frame)
    ink = ink_map(gray)
    binary = binarize(ink, threshold)
    binary = cv2.morphologyEx(binary, cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8))
    labels, candidates = find_digits(binary)
    return [Crop(mnist_normalize(_crop_ink(ink, labels, box, ids)), box)
            for box, ids in candidates]


def roi_box(shape: tuple[int, ...], size: int = ROI_SIZE) -> Box:
    h, w = shape[:2]
    s = min(size, h, w)
    return ((w - s) // 2, (h - s) // 2, s, s)


def extract_roi(frame: np.ndarray, threshold: int | None = None) -> list[Crop]:
    """The paper's pipeline: blur, fixed binary threshold (inverted: dark ink becomes white),
    central 150x150 region squashed to 20x20 and padded to 28x28. Always one crop."""
    gray = to_gray(frame)
    blurred = cv2.GaussianBlur(gray, (5, 5), 0)
    t = ROI_THRESHOLD if threshold is None else threshold
    _, binary = cv2.threshold(blurred, t, 255, cv2.THRESH_BINARY_INV)
    x, y, w, h = box = roi_box(binary.shape)
    small = cv2.resize(binary[y : y + h, x : x + w], (20, 20), interpolation=cv2.INTER_AREA)
    return [Crop(cv2.copyMakeBorder(small, 4, 4, 4, 4, cv2.BORDER_CONSTANT, value=0), box)]
