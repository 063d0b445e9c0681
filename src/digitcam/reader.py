"""The one runtime path: frame -> detect -> recognise -> lay out -> detections.

Every front end (CLI, live window, web page, evaluation) reads through `Recognizer.read`.
A reader is a detector (digitcam.detect) and a recogniser (digitcam.recognize), named
together by a mode in PIPELINES, or passed in as objects:

    Recognizer(mode="roi")                                    # the paper's pipeline
    Recognizer(detector=ComponentDetector(ComponentConfig(min_contrast=30)))
    Recognizer(detector=MyDetector(), recognizer=MyRecognizer())
    Recognizer().read_text("photo.jpg")      # a path, an image file's bytes, or an array
"""

from __future__ import annotations

import numbers
import os

import numpy as np

from .detect import Detector, get_detector
from .io.frames import to_gray
from .io.images import load_image
from .layout import arrange, as_reading, text_of
from .recognize import DigitRecognizer, get_recognizer
from .regions import Detection

# Chosen from the trade-off curve in BENCHMARKS.md ("Live recognition"): below 0.5 no
# number more is read right; above it right readings fall faster than false ones.
DEFAULT_MIN_CONFIDENCE = 0.5

# mode -> (detector name, its options), (recogniser name, its options). Detectors are also
# given threshold=, recognisers model=. A new pipeline is one line here.
PIPELINES: dict[str, tuple[tuple[str, dict], tuple[str, dict]]] = {
    "learned": (("learned", {}), ("lines", {})),  # networks: numbers found, lines read (CTC)
    "multi": (("components", {}), ("mnist", {"normalize": "fit"})),  # every digit, robust
    "roi": (("roi", {}), ("mnist", {"normalize": "squash"})),        # the paper's central box
}
MODES = tuple(PIPELINES)
# recogniser name -> its options for reading each region a single time (Recognizer(once=True));
# recognisers not listed read each region once anyway
ONCE: dict[str, dict] = {"lines": {"stretches": (1.0,)}}
ImageInput = str | os.PathLike | bytes | np.ndarray  # what Recognizer.read takes
DEFAULT_MODE = "learned"


def mode_for(model: str | os.PathLike | None, mode: str | None) -> str:
    """The mode to read in: `mode` when given; else multi for a digit classifier's model
    (`--model mlp` reads as it always did) and DEFAULT_MODE otherwise."""
    if mode is not None:
        return check_mode(mode)
    if model is not None:
        from .assets.registry import CLASSIFIER, kind_of, locate

        path = locate(model)
        if path.is_file() and kind_of(path) == CLASSIFIER:
            return "multi"
    return DEFAULT_MODE


def model_kind(mode: str) -> str:
    """The kind of model (assets.registry.KINDS) that `model=` names in `mode`: a digit
    classifier for multi and roi, a line model for learned."""
    from .recognize import RECOGNIZERS

    return RECOGNIZERS[PIPELINES[check_mode(mode)][1][0]].model_kind


def check_mode(mode: object) -> str:
    if mode not in PIPELINES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    return mode  # type: ignore[return-value]


def threshold_value(value: object, what: str = "threshold") -> int | None:
    """The one meaning of a binarisation threshold: None or 'auto' is automatic; a whole
    number 0-255 (or its text) is that threshold. Anything else is a ValueError naming `what`."""
    if value is None or (isinstance(value, str) and value.lower() == "auto"):
        return None
    if isinstance(value, str):
        try:
            value = int(value)
        except ValueError:
            raise ValueError(f"{what} must be 0-255 or 'auto', got {value!r}") from None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) \
            or not 0 <= value <= 255:
        raise ValueError(f"{what} must be 0-255 or 'auto', got {value!r}")
    return int(value)


def confidence_value(value: object, what: str = "min_confidence") -> float:
    """A minimum confidence: a number in [0, 1], else a ValueError naming `what`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) \
            or not 0.0 <= value <= 1.0:
        raise ValueError(f"{what} must be a number in [0, 1], got {value!r}")
    return float(value)


class Recognizer:
    """Reads handwritten digits in a camera frame or photo of any size.

    model: the recogniser's model, a shipped name or a path to an .onnx file (None: the
    mode's own); mode: a name in PIPELINES, "learned" (networks find numbers and read each
    as a line; the default), "multi" (connected components, a digit classifier per digit;
    the default when `model` is a classifier such as "cnn" or "mlp") or "roi" (the paper's
    central box); threshold:
    None or "auto" for automatic, or 0-255; min_confidence: readings below it are dropped
    (kept with keep_rejected=True); detector, recognizer: objects that replace the mode's
    (digitcam.detect.Detector, digitcam.recognize.DigitRecognizer), used as given: model
    and threshold configure the mode's own parts (setting .threshold later reaches any
    detector with a `threshold` attribute, as live's trackbar does); once: read each
    region a single time, as written, rather than at several widths that vote (learned
    mode: about a third faster a frame, a little less accurate; what live's --once does).
    """

    def __init__(self, model: str | os.PathLike | None = None, mode: str | None = None,
                 threshold: int | str | None = None,
                 min_confidence: float = DEFAULT_MIN_CONFIDENCE,
                 detector: Detector | None = None, recognizer: DigitRecognizer | None = None,
                 once: bool = False):
        if mode is not None:
            check_mode(mode)
        self._threshold = threshold_value(threshold)
        self.min_confidence = confidence_value(min_confidence)
        self.model = model
        self._own_detector, self._own_recognizer = detector, recognizer
        self.once = once
        self._switching = False
        self.mode = mode_for(model, mode)
        self._switching = True  # later switches (live's m key) fall back to the mode's model

    @property
    def mode(self) -> str:
        return self._mode

    @mode.setter
    def mode(self, mode: str) -> None:
        """Switching mode (live's m key) rebuilds the pipeline; objects passed in stay."""
        (det_name, det_kw), (rec_name, rec_kw) = PIPELINES[check_mode(mode)]
        if self.once:
            rec_kw = {**rec_kw, **ONCE.get(rec_name, {})}
        self.recognizer = self._own_recognizer if self._own_recognizer is not None else \
            get_recognizer(rec_name, model=self._model_for(rec_name), **rec_kw)
        self.detector = self._own_detector if self._own_detector is not None else \
            get_detector(det_name, threshold=self._threshold, **det_kw)
        self._mode = mode

    def _model_for(self, recognizer: str):
        """`model` for the recogniser; on a later switch of mode, the mode's own default
        when `model` is of another kind (a classifier named for multi, then learned)."""
        from .assets.registry import ModelError, resolve_model
        from .recognize import RECOGNIZERS

        if self.model is None or not self._switching:
            return self.model
        try:
            resolve_model(self.model, RECOGNIZERS[recognizer].model_kind)
        except ModelError:
            return None
        return self.model

    @property
    def threshold(self) -> int | None:
        return self._threshold

    @threshold.setter
    def threshold(self, value: int | str | None) -> None:
        self._threshold = threshold_value(value)
        if hasattr(self.detector, "threshold"):
            self.detector.threshold = self._threshold

    @property
    def classifier(self):
        """The recogniser's ONNX classifier (path, card, predict_proba), if it has one."""
        return getattr(self.recognizer, "classifier", None)

    @property
    def model_name(self) -> str:
        """The name of the recogniser's model (its classifier's, or its own network's)."""
        model = self.classifier or getattr(self.recognizer, "model", None)
        return getattr(model, "name", None) or self.recognizer.name

    def read(self, image: ImageInput, keep_rejected: bool = False) -> list[Detection]:
        """Detections in reading order (left to right, lines top to bottom) in `image`: a
        file path, an image file's bytes, or an array (grey, BGR or BGRA; see to_gray).
        A file that cannot be read is an ImageError, a bad array a ValueError (one line)."""
        gray = to_gray(load_image(image))
        detections = self.recognizer.recognize(gray, self.detector.detect(gray))
        if not keep_rejected:
            detections = self.confident(detections)
        return arrange(detections)

    def confident(self, detections: list[Detection]) -> list[Detection]:
        """The detections at or above min_confidence, in their order."""
        return [d for d in detections if d.confidence >= self.min_confidence]

    def read_text(self, image: ImageInput) -> str:
        """The number read in `image` (a path, bytes or an array, as `read` takes), lines
        separated by a space: "2026 86"; "" when no digit is read."""
        return text_of(self.read(image))

    @staticmethod
    def as_dict(detections: list[Detection]) -> dict:
        """The JSON schema of `digitcam predict --json` (without the path)."""
        return as_reading(detections)


Reader = Recognizer
