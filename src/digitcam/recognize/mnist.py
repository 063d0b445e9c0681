"""The MNIST recogniser: each region's ink made to look like MNIST, classified by an ONNX
model in one batch, one digit per region.

normalize="fit" (the `multi` pipeline): fitted into 20x20 keeping its aspect ratio, stroke
width brought near MNIST's, placed in 28x28 by its centre of mass, as MNIST itself was made.
normalize="squash" (the paper's `roi` pipeline): squashed to 20x20 and padded to 28x28.

    recognizer = MnistRecognizer("deep")
    detections = recognizer.recognize(gray, regions)   # one Detection per region
    crops = extract_digits(frame)            # [Crop(image=28x28 uint8, box=(x, y, w, h))]
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import cv2
import numpy as np

from ..detect.components import ComponentDetector
from ..detect.config import DEFAULT_CONFIG, ComponentConfig
from ..detect.roi import RoiDetector
from ..io.frames import to_gray
from ..regions import Box, Detection, Region
from .classifier import Classifier, get_classifier

NORMALIZATIONS = ("fit", "squash")


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


def squash(ink: np.ndarray) -> np.ndarray:
    """The paper's normalisation: the ink (bright) squashed to 20x20 and padded to 28x28."""
    small = cv2.resize(ink, (20, 20), interpolation=cv2.INTER_AREA)
    return cv2.copyMakeBorder(small, 4, 4, 4, 4, cv2.BORDER_CONSTANT, value=0)


@dataclass
class Crop:
    image: np.ndarray  # (28, 28) uint8, white ink on black, MNIST-style
    box: Box


def region_ink(gray: np.ndarray, region: Region) -> np.ndarray:
    """The region's ink, bright: the detector's cut, else the grey box inverted."""
    if region.ink is not None:
        return region.ink
    x, y, w, h = region.box
    return cv2.bitwise_not(gray[y : y + h, x : x + w])


class MnistRecognizer:
    """One digit per region, by a 28x28 MNIST classifier (an ONNX model, see classifier.py).

    model: shipped name ("deep", "cnn", "mlp") or path to an .onnx file (None: the default);
    normalize: "fit" (MNIST's own way) or "squash" (the paper's)."""

    name = "mnist"
    model_kind = "classifier"  # what model= names (assets.registry.KINDS)

    def __init__(self, model: str | os.PathLike | None = None, normalize: str = "fit"):
        if normalize not in NORMALIZATIONS:
            raise ValueError(f"normalize must be one of {NORMALIZATIONS}, got {normalize!r}")
        self.classifier: Classifier = get_classifier(model)
        self.normalize = normalize

    def inputs(self, gray: np.ndarray, regions: list[Region]) -> list[np.ndarray]:
        """The 28x28 uint8 model input of each region."""
        norm = mnist_normalize if self.normalize == "fit" else squash
        return [norm(region_ink(gray, r)) for r in regions]

    def recognize(self, gray: np.ndarray, regions: list[Region]) -> list[Detection]:
        """One Detection per region, in the regions' order (none below any confidence left out)."""
        if not regions:
            return []
        crops = self.inputs(gray, regions)
        probs = self.classifier.predict_proba(np.stack(crops))
        return [Detection(int(p.argmax()), float(p.max()), r.box, p, c)
                for r, c, p in zip(regions, crops, probs)]


def extract_digits(frame: np.ndarray, threshold: int | None = None,
                   config: ComponentConfig = DEFAULT_CONFIG) -> list[Crop]:
    """Every digit-like object in a frame, MNIST-normalised, in no particular order: the
    `multi` pipeline's model inputs. `threshold` (0-255) replaces the automatic threshold
    on the ink contrast map."""
    regions = ComponentDetector(config, threshold).detect(to_gray(frame))
    return [Crop(mnist_normalize(r.ink), r.box) for r in regions]


def extract_roi(frame: np.ndarray, threshold: int | None = None) -> list[Crop]:
    """The paper's pipeline: blur, fixed binary threshold (inverted: dark ink becomes white),
    central 150x150 region squashed to 20x20 and padded to 28x28. Always one crop."""
    return [Crop(squash(r.ink), r.box) for r in RoiDetector(threshold).detect(to_gray(frame))]
