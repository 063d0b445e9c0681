"""Find handwritten numbers with a small fully-convolutional network (training.detector).

Pre-processing: grey, dark ink on light (inverted if not), a dim picture brightened, scaled
so that its longer side is near `side` (a 12 MP photo is shrunk, a 40 px scan enlarged; a
tight field, wider than high and short, is enlarged to FIELD_HEIGHT rows so its digits
are at the size the network learnt), padded to a multiple of 16. The network marks each
number's core at a quarter of that resolution.
Post-processing: the core map thresholded, each connected core grown back by the
shrink it was trained with (synth.pages.SHRINK) into a turned rectangle, in frame pixels.

    detector = NumberDetector()
    regions = detector.detect(gray)   # [Region(box, score, angle, quad)]
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import cv2
import numpy as np

from ..regions import Region
from .illumination import ink_is_dark

STRIDE = 4            # input pixels per output cell
MULTIPLE = 16         # the network's input sides must be multiples of this
SHRINK = 0.15         # each side of a number's box shrunk by this share of its height


@dataclass(frozen=True)
class LearnedConfig:
    """How the detector's map becomes regions; defaults chosen on real-dev (BENCHMARKS.md).

    side: longer side (pixels) the image is scaled to before the network sees it.
    coarse_side: the same for a second, coarse look that finds numbers too big for the
        network's view at `side` (0: no second look).
    big: a number at least this high (pixels at `side`) is taken from the coarse look.
    field_height: an image this short or shorter, and at least `field_aspect` times as
        wide as high, is a tight field scan and is enlarged to this height (one look).
    max_upscale: a small picture is enlarged at most this many times.
    threshold: core-map probability above which a cell belongs to a number.
    min_score: mean probability of a core below which it is dropped.
    min_cells: cores smaller than this many map cells are dropped.
    join_gap: pieces of one line of writing closer than this many heights are joined.
    inside: a region with this share of its area inside a larger one is part of it.
    overlap: a region with this share of its area (but less than `inside`) inside a larger
        one is another piece of the same writing (a digit's stroke the map cut off), and
        the two are joined.
    whole_field: a tight field scan (see field_height) in which a number is found is read
        whole, as one region: the map's cores can stop short of a field's first or last
        digit, and a field is one number.
    level_aspect: a region whose longer side is at most this many times its shorter one
        has no direction to read along (a lone digit's core is about square, and the angle
        of a square's rectangle is any): it is read level, in its upright box.
    dim_paper, paper_level: an underexposed picture, its paper (the 90th percentile of
        grey) darker than dim_paper, is brightened to put its paper at paper_level first:
        the network learnt pages whose paper is 150-250 (`exposed`).
    """

    side: int = 640
    coarse_side: int = 224
    big: int = 80
    field_height: int = 128
    field_aspect: float = 1.5
    max_upscale: float = 10.0
    threshold: float = 0.35
    min_score: float = 0.5
    min_cells: int = 3
    join_gap: float = 0.6
    inside: float = 0.6
    overlap: float = 0.15
    whole_field: bool = True
    level_aspect: float = 1.3
    dim_paper: int = 150
    paper_level: int = 200


@dataclass
class Rect:
    """A turned rectangle around a number, in frame pixels; angle in (-45, 45] degrees."""

    score: float
    centre: tuple[float, float]
    size: tuple[float, float]   # along the writing, across it
    angle: float

    def points(self) -> np.ndarray:
        return cv2.boxPoints((self.centre, self.size, self.angle))


def is_field(shape: tuple[int, int], config: LearnedConfig) -> bool:
    """Whether an image this shape is a tight scan of one field: short and wide."""
    h, w = shape
    return h <= config.field_height and w >= config.field_aspect * h


def working_scale(shape: tuple[int, int], config: LearnedConfig) -> float:
    """How much the image is scaled before detection (the scale is chosen from the image)."""
    h, w = shape
    if is_field(shape, config):
        return config.field_height / h
    return min(config.side / max(h, w), config.max_upscale)


def exposed(gray: np.ndarray, dim_paper: int = 150, paper_level: int = 200) -> np.ndarray:
    """`gray` brightened so that its paper (the 90th percentile) is at `paper_level` when it
    is darker than `dim_paper` (a dim room, an underexposed phone photo); else as it is."""
    hist = cv2.calcHist([gray], [0], None, [256], [0, 256]).ravel()
    paper = int(np.searchsorted(np.cumsum(hist), 0.9 * hist.sum()))
    if paper >= dim_paper:
        return gray
    return cv2.convertScaleAbs(gray, alpha=paper_level / max(paper, 1))


def network_input(gray: np.ndarray, scale: float) -> np.ndarray:
    """(1, H', W', 1) float32 in [0, 1]: `gray` (ink dark) scaled, padded with its edge to
    MULTIPLE. Shrinking more than twofold, the ink is first widened by half the shrink, so
    that a ballpoint's thin line stays a line rather than fading into the paper."""
    h, w = gray.shape
    if scale < 0.5:
        k = int(round(0.5 / scale))
        gray = cv2.erode(gray, np.ones((k, k), np.uint8))
    nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    g = cv2.resize(gray, (nw, nh), interpolation=interp) if (nh, nw) != (h, w) else gray
    g = cv2.copyMakeBorder(g, 0, -nh % MULTIPLE, 0, -nw % MULTIPLE, cv2.BORDER_REPLICATE)
    return (g.astype(np.float32) / 255)[None, ..., None]


def regions_from_map(heat: np.ndarray, scale: float, config: LearnedConfig) -> list[Rect]:
    """Cores in a (h, w) probability map -> turned rectangles in frame pixels."""
    binary = (heat > config.threshold).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(binary, 8, cv2.CV_32S)
    f = STRIDE / scale
    out = []
    for i in range(1, n):
        if stats[i, cv2.CC_STAT_AREA] < config.min_cells:
            continue
        ys, xs = np.nonzero(labels == i)
        score = float(heat[ys, xs].mean())
        if score < config.min_score:
            continue
        pts = np.stack([xs, ys], 1).astype(np.float32) + 0.5
        (cx, cy), (rw, rh), angle = cv2.minAreaRect(pts)
        rw, rh, angle = upright(rw, rh, angle)
        rw, rh = (rw + 1) * f, (rh + 1) * f      # cells -> frame pixels
        height = rh / (1 - 2 * SHRINK)
        width = rw + 2 * SHRINK * height
        out.append(Rect(score, (cx * f, cy * f), (width, height), angle))
    return out


def _frame(r: Rect) -> tuple[np.ndarray, np.ndarray]:
    """Unit vectors along and across the writing of `r`."""
    a = np.deg2rad(r.angle)
    return np.array([np.cos(a), np.sin(a)]), np.array([-np.sin(a), np.cos(a)])


def _same_line(a: Rect, b: Rect, gap: float) -> bool:
    """Whether b continues a's line of writing: similar height and slant, level with it,
    and at most `gap` heights away along it."""
    ha, hb = a.size[1], b.size[1]
    if max(ha, hb) > 1.7 * min(ha, hb) or abs(a.angle - b.angle) > 12:
        return False
    along, across = _frame(a)
    d = np.subtract(b.centre, a.centre)
    if abs(d @ across) > 0.35 * max(ha, hb):
        return False
    space = abs(d @ along) - (a.size[0] + b.size[0]) / 2
    return space < gap * max(ha, hb)


def _joined(a: Rect, b: Rect) -> Rect:
    (cx, cy), (w, h), angle = cv2.minAreaRect(np.vstack([a.points(), b.points()]))
    w, h, angle = upright(w, h, angle)
    return Rect(max(a.score, b.score), (cx, cy), (w, h), angle)


def join_lines(rects: list[Rect], gap: float) -> list[Rect]:
    """Join the pieces of each line of writing (a number the map broke up) into one."""
    rects = sorted(rects, key=lambda r: r.centre[0])
    changed = True
    while changed:
        changed = False
        for i in range(len(rects)):
            for j in range(i + 1, len(rects)):
                if _same_line(rects[i], rects[j], gap):
                    rects[i] = _joined(rects[i], rects[j])
                    del rects[j]
                    changed = True
                    break
            if changed:
                break
    return rects


def _inside_share(small: Rect, big: Rect) -> float:
    """Share of `small`'s area that lies inside `big`."""
    inter, _ = cv2.intersectConvexConvex(small.points(), big.points())
    return float(inter) / max(small.size[0] * small.size[1], 1e-6)


def drop_parts(rects: list[Rect], inside: float, overlap: float = 1.0) -> list[Rect]:
    """Regions mostly (`inside`) inside a larger one are parts of it (a stroke of a big
    digit); those partly (`overlap`) inside it are pieces of it, joined to it."""
    kept: list[Rect] = []
    for r in sorted(rects, key=lambda r: -r.size[0] * r.size[1]):
        shares = [_inside_share(r, k) for k in kept]
        best = int(np.argmax(shares)) if shares else -1
        if best < 0 or shares[best] < min(overlap, inside):
            kept.append(r)
        elif shares[best] < inside:
            kept[best] = _joined(kept[best], r)
    return kept


def upright(w: float, h: float, angle: float) -> tuple[float, float, float]:
    """A rotated rectangle's (w, h, angle) with the angle in (-45, 45]: the text direction
    of a page turned less than 45 degrees, whatever range OpenCV's version reports."""
    while angle <= -45:
        w, h, angle = h, w, angle + 90
    while angle > 45:
        w, h, angle = h, w, angle - 90
    return w, h, angle


def quad_box(centre, size, angle, frame_shape) -> tuple[int, int, int, int]:
    """The upright box (x, y, w, h) around a turned rectangle, clipped to the frame."""
    pts = cv2.boxPoints((centre, size, angle))
    h, w = frame_shape
    x0, y0 = np.clip(pts.min(0), 0, (w - 1, h - 1))
    x1, y1 = np.clip(pts.max(0), 0, (w, h))
    return int(x0), int(y0), max(1, int(x1 - x0)), max(1, int(y1 - y0))


def core_map(output: np.ndarray, path: str | os.PathLike = "the detector") -> np.ndarray:
    """The network's output for one image, (1, h, w, 1), as its (h, w) map. Unit axes an
    exporter put in front are dropped (a run once gave (1, 1, h, w, 1)); any other shape is
    a ModelError naming the file, not an OpenCV assertion further on."""
    from ..assets.registry import ModelError

    if output.ndim < 3 or output.size != output.shape[-3] * output.shape[-2] * output.shape[-1] \
            or output.shape[-1] != 1:
        raise ModelError(f"{path}: the detector's output has shape {output.shape}, "
                         "not (1, h, w, 1)")
    return output.reshape(output.shape[-3:-1])


class NumberDetector:
    """Handwritten numbers in a grey frame, by the shipped (or a given) detector network."""

    name = "learned"

    def __init__(self, model: str | os.PathLike | None = None,
                 config: LearnedConfig | None = None, threads: int = 1, threshold=None):
        # threshold: accepted for the reader's sake (it sets every detector's); a network
        # has no binarisation threshold, so it is unused here
        from ..assets.registry import Model

        self.model = Model(model, "detector-fcn", threads)
        self.config = config or LearnedConfig()

    def heat(self, gray: np.ndarray, scale: float) -> np.ndarray:
        """The core map of `gray` at `scale` (cropped to the image)."""
        heat = core_map(self.model.run(network_input(gray, scale)), self.model.path)
        h, w = round(gray.shape[0] * scale), round(gray.shape[1] * scale)
        return heat[: -(-h // STRIDE), : -(-w // STRIDE)]

    def rects(self, gray: np.ndarray) -> list[Rect]:
        """Numbers found at the image's working scale and, for big ones, a coarse one.
        Light ink on a dark board is turned dark on light first, and a dim picture
        brightened (`exposed`), as the network learnt."""
        c = self.config
        if not ink_is_dark(gray):
            gray = cv2.bitwise_not(gray)
        gray = exposed(gray, c.dim_paper, c.paper_level)
        scale = working_scale(gray.shape, c)
        rects = regions_from_map(self.heat(gray, scale), scale, c)
        coarse = c.coarse_side / max(gray.shape)
        if c.coarse_side and coarse < 0.7 * scale:
            rects += [r for r in regions_from_map(self.heat(gray, coarse), coarse, c)
                      if r.size[1] * scale >= c.big]
        return drop_parts(join_lines(rects, c.join_gap), c.inside, c.overlap)

    def detect(self, gray: np.ndarray) -> list[Region]:
        """Regions of the numbers in `gray`, each with its turned rectangle unless it is
        about square (`level_aspect`); a tight field scan in which a number is found is one
        region, the whole field (`whole_field`)."""
        rects = self.rects(gray)
        c = self.config
        if rects and c.whole_field and is_field(gray.shape, c):
            h, w = gray.shape
            return [Region((0, 0, w, h), max(r.score for r in rects))]
        return [Region(quad_box(r.centre, r.size, r.angle, gray.shape), r.score,
                       rect=None if max(r.size) <= c.level_aspect * min(r.size)
                       else (r.centre, r.size, r.angle)) for r in rects]
