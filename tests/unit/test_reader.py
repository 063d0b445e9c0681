"""The reader's seams: a detector and a recogniser chosen by name or passed in, one meaning
of the threshold, and the component detector's tuning values in one frozen config."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from digitcam.assets.registry import ModelError
from digitcam.detect import (
    DETECTORS,
    ComponentConfig,
    ComponentDetector,
    NumberDetector,
    RoiDetector,
    get_detector,
)
from digitcam.io.frames import to_gray
from digitcam.reader import PIPELINES, Recognizer, threshold_value
from digitcam.recognize import RECOGNIZERS, LineRecognizer, MnistRecognizer, get_recognizer
from digitcam.regions import Detection, Region
from digitcam.synth.scenes import number_scene
from tests.badfiles import MODEL


class TwoBoxes:
    name = "two-boxes"
    threshold = None

    def detect(self, gray):
        return [Region((50, 10, 10, 10)), Region((10, 12, 10, 10), score=0.5)]


class Sevens:
    """A string-style recogniser: each region read as two digits, the second doubtful."""

    name = "sevens"

    def recognize(self, gray, regions):
        out = []
        for r in regions:
            x, y, w, h = r.box
            probs = np.full(10, 0.0, np.float32)
            out.append(Detection(7, 0.9, (x, y, w // 2, h), probs, np.zeros((28, 28), np.uint8)))
            out.append(Detection(1, 0.2, (x + w // 2, y, w // 2, h), probs,
                                 np.zeros((28, 28), np.uint8)))
        return out


def test_detector_and_recognizer_are_constructor_arguments():
    r = Recognizer(detector=TwoBoxes(), recognizer=Sevens())
    frame = np.full((60, 80), 255, np.uint8)
    assert r.read_text(frame) == "77"
    assert [d.box[0] for d in r.read(frame, keep_rejected=True)] == [10, 15, 50, 55]
    assert r.model_name == "sevens"
    r.mode = "roi"  # objects passed in stay when the mode changes
    assert isinstance(r.detector, TwoBoxes) and isinstance(r.recognizer, Sevens)


def test_modes_are_pipelines_of_named_parts():
    assert set(PIPELINES) == {"learned", "multi", "roi"}
    r = Recognizer()
    assert isinstance(r.detector, NumberDetector) and isinstance(r.recognizer, LineRecognizer)
    r = Recognizer(MODEL, mode="multi", threshold=90)
    assert isinstance(r.detector, ComponentDetector) and r.detector.threshold == 90
    assert isinstance(r.recognizer, MnistRecognizer) and r.recognizer.normalize == "fit"
    r.mode = "roi"
    assert isinstance(r.detector, RoiDetector) and r.detector.threshold == 90
    assert r.recognizer.normalize == "squash"
    r.threshold = "auto"
    assert r.threshold is None and r.detector.threshold is None


def test_once_reads_each_region_a_single_time_in_every_mode():
    from digitcam.recognize.lines import STRETCHES

    assert Recognizer().recognizer.stretches == STRETCHES and len(STRETCHES) > 1
    r = Recognizer(once=True)
    assert r.recognizer.stretches == (1.0,)
    r.mode = "multi"                   # a recogniser that reads each digit once anyway
    assert isinstance(r.recognizer, MnistRecognizer)
    r.mode = "learned"                 # live's m key back: still once
    assert r.recognizer.stretches == (1.0,)


def test_a_model_of_the_wrong_kind_is_refused_by_name_then_left_on_a_switch():
    with pytest.raises(ModelError, match="deep.* classifier model, not a line-ctc model"):
        Recognizer("deep", mode="learned")
    with pytest.raises(ModelError, match="lines.* line-ctc model, not a classifier model"):
        Recognizer("lines", mode="multi")
    r = Recognizer("cnn", mode="multi")
    r.mode = "learned"                 # live's m key: the learned mode's own model
    assert r.model_name == "lines"
    r.mode = "multi"
    assert r.model_name == "cnn"


def test_registries_name_every_part():
    assert isinstance(get_detector("components"), DETECTORS["components"])
    assert isinstance(get_recognizer("mnist", model=MODEL), RECOGNIZERS["mnist"])
    with pytest.raises(ValueError, match="unknown detector"):
        get_detector("nope")
    with pytest.raises(ValueError, match="unknown recognizer"):
        get_recognizer("nope")


@pytest.mark.parametrize(("value", "expected"), [
    (None, None), ("auto", None), ("AUTO", None), (0, 0), ("0", 0), (255, 255), ("90", 90),
    (np.int64(40), 40),
])
def test_threshold_has_one_meaning(value, expected):
    assert threshold_value(value) == expected


@pytest.mark.parametrize("value", [256, -1, "x", "1.5", 1.5, True, float("inf")])
def test_bad_thresholds_are_refused_everywhere(value):
    with pytest.raises(ValueError, match="threshold must be 0-255 or 'auto'"):
        threshold_value(value)
    with pytest.raises(ValueError, match="threshold must be 0-255 or 'auto'"):
        Recognizer(MODEL, threshold=value)


def test_component_config_is_frozen_and_passed_in(mnist_test):
    x, y = mnist_test
    cfg = ComponentConfig()
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.min_contrast = 10  # type: ignore[misc]
    assert len(dataclasses.fields(cfg)) >= 40
    scene = number_scene(x, y, 4, np.random.default_rng(5))
    gray = to_gray(scene.frame)
    default = ComponentDetector().detect(gray)
    assert [r.box for r in ComponentDetector(cfg).detect(gray)] == [r.box for r in default]
    assert len(default) == 4 and all(r.ink is not None for r in default)
    # a config that asks for taller digits than any on the page finds none
    assert ComponentDetector(ComponentConfig(min_digit_height=10_000)).detect(gray) == []
