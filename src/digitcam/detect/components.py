"""Frame -> digit crops: find each handwritten digit and make it look like MNIST.

`multi` (default), the robust pipeline:
  grey -> shrunk to about DETECT_SIDE pixels (digits are found at that scale, cut out at
  full scale) -> smoothed at both scales, only if that small grey is noisy (salt and
  pepper: a median filter; grain: a Gaussian blur as wide as it is strong) -> polarity
  (dark ink on light paper, or light on dark) -> illumination normalisation (ink contrast
  against a local estimate of the paper: shadows, gradients and tinted paper removed) ->
  threshold (Otsu with a contrast floor, or the user's, on that contrast) -> connected
  components, broken strokes and detached caps merged -> candidates filtered by size,
  aspect, ink density, holes, outline and fill (boxes, blots, stars, hatching are not
  digits) -> each crop cut from the full-size frame, fitted into 20x20 keeping its aspect
  ratio, stroke width normalised, and placed in 28x28 by its centre of mass, as MNIST
  itself was made.
  Timings (640x480, 0-10 digits) are in BENCHMARKS.md, "Live recognition". It runs
  fastest with OpenCV single-threaded (cv2.setNumThreads(1), as the live loop sets it):
  on images this small the thread pool costs more than it saves.
`roi`, the paper's pipeline kept for comparison: grey, Gaussian blur, binary threshold,
  central 150x150 box squashed to 20x20 and padded to 28x28.

    crops = extract_digits(frame)            # [Crop(image=28x28 uint8, box=(x, y, w, h))]
    crops = extract_roi(frame, threshold=127)
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

Box = tuple[int, int, int, int]  # x, y, w, h in frame pixels

DETECT_SIDE = 240        # digits are searched for with the frame's shorter side near this
MIN_CONTRAST = 40        # ink must be at least this much (0-255) darker than the local paper
MIN_AREA = 6             # pixels at detection scale: smaller components are specks
MIN_DIGIT_HEIGHT = 10    # pixels at detection scale
MIN_REL_HEIGHT = 0.4     # a candidate at least this fraction of the tallest digit-like one
MAX_COMPONENTS = 300     # a textured scene, not a page: only the largest blobs are kept
CAP_GAP = 0.25           # a detached cap (the bar of a 5) within this share of the height
ASPECT_RANGE = (0.05, 2.0)
BAR_ASPECT = 0.35        # narrower than this: a plain "1", a solid bar, exempt from shape tests
DENSITY_RANGE = (0.08, 0.72)
MAX_HOLES = 2            # an 8 has two loops; a star or hatching has many
MAX_BORDER_COVER = 3.3   # a drawn box covers all four sides of its bounding box (sum, 0-4)
BLOT_DENSITY = 0.4       # denser candidates are checked for being a filled blot ...
BLOT_DARKNESS = 0.25     # ... whose inside is within this share of the ink-paper gap of ink
BLOT_EXCESS = 1.0        # ... more than the area the ink map marked (digits: under 0.95)
ROI_SIZE = 150
ROI_THRESHOLD = 127
NOISE_MAD = 4            # median departure from the 3x3 median (grey levels): grainy
SPECK_CONTRAST = 40      # a pixel this far from its 3x3 median is a speck ...
NOISE_SPECKS = 0.02      # ... and this share of specks makes a frame speckled
NOISE_SIGMA = 0.06       # Gaussian blur sigma (detection-scale pixels) per grey level of grain
MAX_FRAME_PIXELS = 10_000 * 10_000  # larger frames are refused (ValueError) before any work


def iou(a: Box, b: Box) -> float:
    """Intersection over union of two (x, y, w, h) boxes (0 when they do not overlap)."""
    iw = max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    ih = max(0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = iw * ih
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


@dataclass
class Crop:
    image: np.ndarray  # (28, 28) uint8, white ink on black, MNIST-style
    box: Box


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


def _quarter(img: np.ndarray) -> np.ndarray:
    """`img` at a quarter of its size (unchanged under 64 pixels on a side)."""
    h, w = img.shape
    if min(h, w) < 64:
        return img
    return cv2.resize(img, (w // 4, h // 4), interpolation=cv2.INTER_AREA)


def ink_is_dark(gray: np.ndarray) -> bool:
    """True for dark ink on light paper. The paper is what a large median filter keeps
    (it is the majority everywhere); ink is what departs from it strongly, one way or the
    other. Shadows and gradients shift the median with them, so they don't decide."""
    small = _quarter(gray)
    paper = cv2.medianBlur(small, max(3, (min(small.shape) // 4) | 1))
    departure = small.astype(np.int16) - paper.astype(np.int16)
    darker = np.maximum(-departure - MIN_CONTRAST // 2, 0).sum()
    lighter = np.maximum(departure - MIN_CONTRAST // 2, 0).sum()
    return bool(darker >= lighter)


def paper_map(g: np.ndarray) -> np.ndarray:
    """Local paper brightness of `g` (ink dark): a grey closing, which removes the strokes,
    computed at a quarter of the size and smoothed. Same shape as `g`, uint8."""
    h, w = g.shape
    small = _quarter(g)
    k = max(3, (min(small.shape) // 6) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (k, k))
    paper = cv2.blur(cv2.morphologyEx(small, cv2.MORPH_CLOSE, kernel), (k, k))
    return cv2.resize(paper, (w, h), interpolation=cv2.INTER_LINEAR)


def contrast(paper: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Ink contrast 0-255: how much darker than the paper around it each pixel is, relative
    to the paper's brightness (so a shadow does not make ink fainter)."""
    paper = cv2.max(paper, g)  # the paper is never darker than what lies on it
    return cv2.divide(cv2.subtract(paper, g), cv2.max(paper, 16), scale=255)


def auto_threshold(ink: np.ndarray) -> int:
    """Otsu's threshold on the ink map, never below MIN_CONTRAST (blank paper stays blank)."""
    otsu, _ = cv2.threshold(ink, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return max(int(otsu), MIN_CONTRAST)


def binarize(ink: np.ndarray, threshold: int | None = None) -> np.ndarray:
    """The ink map thresholded: automatically (auto_threshold) or at the user's threshold."""
    if threshold is None:
        threshold = auto_threshold(ink)
    _, binary = cv2.threshold(ink, threshold, 255, cv2.THRESH_BINARY)
    return binary


def _merge_pairs(b: np.ndarray) -> np.ndarray:
    """(n, n) bool: which boxes (rows x, y, w, h, area) belong to the same digit.

    A stroke broken across (overlapping columns, a small vertical gap); a small piece of
    stroke just beside a larger part (a gap under 15% of its height); or a small cap just
    above or below one, over some of its columns (the detached bar of a 5)."""
    x, y, w, h, area = (b[:, i, None].astype(np.float32) for i in range(5))
    xt, yt, wt, ht, at = x.T, y.T, w.T, h.T, area.T
    overlap_x = np.minimum(x + w, xt + wt) - np.maximum(x, xt)
    overlap_y = np.minimum(y + h, yt + ht) - np.maximum(y, yt)
    broken = (overlap_x > 0.5 * np.minimum(w, wt)) & (-overlap_y < 0.25 * np.maximum(h, ht))
    big_h = np.maximum(h, ht)
    small_h = np.minimum(h, ht)
    piece = ((small_h < 0.6 * big_h) & (small_h >= 0.25 * big_h)
             & (np.minimum(area, at) < 0.3 * np.maximum(area, at))
             & (-overlap_x < 0.15 * big_h) & (overlap_y > 0.5 * small_h))
    cap = ((small_h < 0.4 * big_h) & (overlap_x > 0)
           & (-overlap_y < CAP_GAP * big_h) & (overlap_y < 0.5 * small_h))
    pairs = broken | piece | cap
    np.fill_diagonal(pairs, False)
    return pairs


def _groups(pairs: np.ndarray) -> list[list[int]]:
    """Connected groups of a symmetric adjacency matrix (union-find over its edges)."""
    parent = list(range(len(pairs)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in zip(*np.nonzero(np.triu(pairs))):
        parent[root(int(i))] = root(int(j))
    groups: dict[int, list[int]] = {}
    for i in range(len(pairs)):
        groups.setdefault(root(i), []).append(i)
    return list(groups.values())


def _merge_broken(boxes: list[list[int]]) -> list[list[int]]:
    """Merge the boxes [x, y, w, h, area, *component ids] of one digit's broken strokes.

    Pairs are tested all at once (vectorised O(n^2)), merged groups tested again until
    nothing changes; a few rounds at most."""
    while len(boxes) > 1:
        groups = _groups(_merge_pairs(np.array([b[:5] for b in boxes], np.int64)))
        if len(groups) == len(boxes):
            break
        merged = []
        for group in groups:
            parts = [boxes[i] for i in group]
            x0 = min(p[0] for p in parts)
            y0 = min(p[1] for p in parts)
            x1 = max(p[0] + p[2] for p in parts)
            y1 = max(p[1] + p[3] for p in parts)
            ids = [c for p in parts for c in p[5:]]
            merged.append([x0, y0, x1 - x0, y1 - y0, sum(p[4] for p in parts), *ids])
        boxes = merged
    return boxes


def _holes(mask: np.ndarray) -> int:
    """Enclosed holes in a component mask, ignoring pinholes under 1.5% of its box."""
    contours, hierarchy = cv2.findContours(mask, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    if hierarchy is None:
        return 0
    min_area = max(2.0, 0.015 * mask.size)
    return sum(1 for c, hier in zip(contours, hierarchy[0])
               if hier[3] >= 0 and cv2.contourArea(c) >= min_area)


def _border_cover(mask: np.ndarray) -> float:
    """How much of the bounding box's four sides the ink runs along (0-4): about 4 for a
    drawn rectangle, well under 3 for a digit."""
    h, w = mask.shape
    by, bx = max(1, round(0.1 * h)), max(1, round(0.1 * w))
    return float(mask[:by].any(0).mean() + mask[-by:].any(0).mean()
                 + mask[:, :bx].any(1).mean() + mask[:, -bx:].any(1).mean())


def digit_like(mask: np.ndarray, area: int) -> bool:
    """Shape tests of one candidate (its mask within its box, 0/1 uint8) for a digit."""
    h, w = mask.shape
    aspect, density = w / h, area / float(w * h)
    if not ASPECT_RANGE[0] <= aspect <= ASPECT_RANGE[1]:
        return False
    if aspect < BAR_ASPECT:  # a plain "1" is a solid bar
        return True
    return (DENSITY_RANGE[0] <= density <= DENSITY_RANGE[1] and _holes(mask) <= MAX_HOLES
            and _border_cover(mask) <= MAX_BORDER_COVER)


def _components(binary: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
    """8-connected components with stats, by Grana's algorithm: the same labels as
    OpenCV's default, about 3x faster here when OpenCV runs single-threaded."""
    n, labels, stats, _ = cv2.connectedComponentsWithStatsWithAlgorithm(
        binary, 8, cv2.CV_32S, cv2.CCL_GRANA)
    return n, labels, stats


def _select(labels: np.ndarray, ids: list[int], count: int, value: int) -> np.ndarray:
    """uint8 mask: `value` where the label is one of `ids`, else 0."""
    lut = np.zeros(count, np.uint8)
    lut[ids] = value
    return lut[labels]


def _blot(mask: np.ndarray, g: np.ndarray) -> bool:
    """A filled blot, whose inside the ink map misses (the paper estimate cannot see past a
    blob that large, so only its rim stands out): far more of its box is as dark as the
    ink than the ink map marked. A digit's darkest pixels lie within its strokes.
    mask: the candidate's 0/1 mask in its box; g: the grey box, ink dark."""
    ink = cv2.mean(g, mask)[0]
    paper = float(cv2.minMaxLoc(cv2.blur(g, (3, 3)))[1])
    dark = cv2.countNonZero(cv2.inRange(g, 0, ink + BLOT_DARKNESS * (paper - ink)))
    return dark > BLOT_EXCESS * cv2.countNonZero(mask)


def find_digits(binary: np.ndarray, gray: np.ndarray | None = None,
                ) -> tuple[np.ndarray, list[tuple[Box, list[int]]]]:
    """Connected components that look like digits: (labels, [(box, component ids)]).
    With `gray` (same size, ink dark) filled blots are recognised and dropped too."""
    h, w = binary.shape
    n, labels, stats = _components(binary)
    keep = np.nonzero(stats[1:, 4] >= MIN_AREA)[0] + 1
    if len(keep) > MAX_COMPONENTS:
        keep = keep[np.argsort(-stats[keep, 4])[:MAX_COMPONENTS]]
    comps = [[*stats[i, :5].tolist(), int(i)] for i in keep]
    candidates = []
    for g in _merge_broken(comps):
        x, y, bw, bh, area = g[:5]
        if bh < MIN_DIGIT_HEIGHT or bh > 0.95 * h or bw > 0.95 * w:
            continue
        if bw / bh > ASPECT_RANGE[1]:
            continue
        mask = _select(labels[y : y + bh, x : x + bw], g[5:], n, 1)
        if not digit_like(mask, area):
            continue
        if gray is not None and area > BLOT_DENSITY * bw * bh \
                and _blot(mask, gray[y : y + bh, x : x + bw]):
            continue
        candidates.append(((x, y, bw, bh), g[5:]))
    if candidates:
        tallest = max(box[3] for box, _ in candidates)
        candidates = [c for c in candidates if c[0][3] >= MIN_REL_HEIGHT * tallest]
    return labels, candidates


def _stroke_width(img: np.ndarray) -> float:
    """Mean stroke width in pixels of a grey digit image: 2 * area / perimeter."""
    mask = (img > 127).astype(np.uint8)
    area = float(cv2.countNonZero(mask))
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


@dataclass
class _Page:
    """One frame prepared for cutting out digits at full scale."""

    g: np.ndarray       # full-scale grey, ink dark
    paper: np.ndarray   # paper brightness at detection scale
    labels: np.ndarray  # component labels at detection scale
    count: int          # labels.max() + 1
    scale: int          # full-scale pixels per detection-scale pixel


def _peak(ink: np.ndarray) -> float:
    """The 90th percentile of the inked pixels: full-strength ink, robust to a few spikes."""
    lit = ink[ink > 0]
    if lit.size == 0:
        return 1.0
    k = int(0.9 * (lit.size - 1))
    return float(np.partition(lit, k)[k])


def _cut(page: _Page, box: Box, ids: list[int], threshold: int) -> tuple[np.ndarray, Box]:
    """The digit's ink at full scale, other components masked out, contrast stretched and
    cropped tight: (grey crop with bright ink, box in frame pixels)."""
    x, y, w, h = box
    f, (fh, fw) = page.scale, page.g.shape
    x0, y0 = max(x - 1, 0), max(y - 1, 0)
    x1, y1 = min(x + w + 1, page.labels.shape[1]), min(y + h + 1, page.labels.shape[0])
    size = (min(x1 * f, fw) - x0 * f, min(y1 * f, fh) - y0 * f)
    mask = _select(page.labels[y0:y1, x0:x1], ids, page.count, 255)
    g = page.g[y0 * f : y0 * f + size[1], x0 * f : x0 * f + size[0]]
    paper = page.paper[y0:y1, x0:x1]
    if f > 1:
        mask = cv2.resize(mask, size, interpolation=cv2.INTER_LINEAR)
        paper = cv2.resize(paper, size, interpolation=cv2.INTER_LINEAR)
    mask = cv2.dilate(mask, np.ones((3, 3), np.uint8))  # keep the soft edges of the strokes
    ink = cv2.min(contrast(paper, g), mask)
    bx, by, bw, bh = cv2.boundingRect(cv2.threshold(ink, threshold, 255, cv2.THRESH_BINARY)[1])
    if bw == 0 or bh == 0:
        bx, by, bw, bh = 0, 0, ink.shape[1], ink.shape[0]
    ink = ink[by : by + bh, bx : bx + bw]
    crop = cv2.convertScaleAbs(ink, alpha=255.0 / max(_peak(ink), 1.0))
    return crop, (x0 * f + bx, y0 * f + by, bw, bh)


def _share_above(d: np.ndarray, level: int) -> float:
    """Share of the pixels of `d` above `level`."""
    return cv2.countNonZero(cv2.threshold(d, level, 255, cv2.THRESH_BINARY)[1]) / d.size


def _median(d: np.ndarray) -> int:
    """Median of a uint8 image, from its histogram."""
    counts = np.cumsum(cv2.calcHist([d], [0], None, [256], [0, 256]).ravel())
    return int(np.searchsorted(counts, d.size / 2))


def noise_level(small: np.ndarray) -> tuple[int, bool]:
    """(grain, specks) of the detection-scale grey, judged by how far pixels stray from their
    3x3 median: grain is the median departure in grey levels (0 below NOISE_MAD: clean);
    specks, whether over NOISE_SPECKS of the pixels lie far off (salt and pepper). A clean
    page has half its pixels within a grey level or two, and few far off (thin lines' edges)."""
    d = cv2.absdiff(small, cv2.medianBlur(small, 3))
    grainy = _share_above(d, NOISE_MAD - 1) >= 0.5  # the cheap test first: a count
    return (_median(d) if grainy else 0), _share_above(d, SPECK_CONTRAST) >= NOISE_SPECKS


def _smooth(img: np.ndarray, grain: int, specks: bool, f: int) -> np.ndarray:
    """A median filter against specks, then a Gaussian blur as wide as the grain is strong;
    f: pixels per detection-scale pixel."""
    if specks:
        img = cv2.medianBlur(img, 3 if f == 1 else 5)
    if grain:
        img = cv2.GaussianBlur(img, (0, 0), NOISE_SIGMA * grain * f)
    return img


def denoise(gray: np.ndarray, small: np.ndarray, f: int) -> tuple[np.ndarray, np.ndarray]:
    """(full-scale grey, detection-scale grey) smoothed when the detection-scale one is
    noisy (noise_level), else the same arrays: clean frames pass at the cost of one 3x3
    median. Unsmoothed, heavy noise raises the paper estimate and breaks strokes into specks,
    and the page thresholds into one blob or into dust."""
    grain, specks = noise_level(small)
    if not (grain or specks):
        return gray, small
    small_out = _smooth(small, grain, specks, 1)
    return (_smooth(gray, grain, specks, f) if f > 1 else small_out), small_out


def detection_scale(shape: tuple[int, ...]) -> int:
    """Whole-number shrink factor that brings the frame's shorter side near DETECT_SIDE."""
    return max(1, min(shape[:2]) // DETECT_SIDE)


def extract_digits(frame: np.ndarray, threshold: int | None = None) -> list[Crop]:
    """Every digit-like object in a frame, MNIST-normalised, in no particular order.

    `threshold` (0-255) replaces the automatic threshold on the ink contrast map."""
    gray = to_gray(frame)
    f = detection_scale(gray.shape)
    h, w = gray.shape
    small = gray if f == 1 else cv2.resize(gray, (w // f, h // f), interpolation=cv2.INTER_AREA)
    gray, small = denoise(gray, small, f)
    sh, sw = small.shape
    probe = small if min(sh, sw) < 128 else cv2.resize(small, (sw // 2, sh // 2),
                                                       interpolation=cv2.INTER_AREA)
    dark = ink_is_dark(probe)  # polarity is a page-wide matter: a quarter-size look will do
    if not dark:
        gray, small = cv2.bitwise_not(gray), cv2.bitwise_not(small)
    paper = paper_map(small)
    ink = contrast(paper, small)
    if threshold is None:
        threshold = auto_threshold(ink)
    binary = binarize(ink, threshold)
    binary = cv2.morphologyEx(binary, cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8))
    labels, candidates = find_digits(binary, small)
    page = _Page(gray, paper, labels, int(labels.max()) + 1, f)
    crops = []
    for box, ids in candidates:
        image, full_box = _cut(page, box, ids, threshold)
        crops.append(Crop(mnist_normalize(image), full_box))
    return crops


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
