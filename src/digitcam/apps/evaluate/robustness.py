"""Accuracy against the severity of 14 corruptions, five levels each, measured two ways.

digits: the corruption applied to the 28x28 model inputs (digitcam.training.transforms),
    classified in batches: what the network itself tolerates.
frames: the MNIST test digit written on paper (digitcam.synth.scenes), the corruption applied
    where it acts in a camera photo, read through the full runtime path `Recognizer.read`; a
    frame counts as correct when exactly that one digit is read. Where it acts:
      writing (the digit before it is written): shear, stroke width, elastic, occlusion
      photo (the grey photo of the page): brightness/contrast, noise, salt-and-pepper, blur,
          motion blur
      look (scenes.Look): uneven illumination (a lamp gradient plus a soft shadow), rotation
      size: the digit's height in the frame; view: the frame edge cuts into the digit

    results = measure({"cnn": recognizer}, x_test, y_test, n_digits=1000, n_frames=100)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from ...io.frames import to_gray
from ...synth.scenes import Look, render, tight
from ...training import transforms as T
from . import progress_bar

SEVERITIES = 5
FRAME_SHAPE = (128, 160)      # small camera frames keep a few thousand reads fast
DIGIT_HEIGHT = 40             # pixels of a clean digit in a frame
UNIT = DIGIT_HEIGHT / 20      # frame pixels per pixel of MNIST's 20-pixel digit box
MNIST_MARGIN = 4              # pixels between MNIST's digit box and the image edge
BASE_LOOK = Look(noise=2.0)   # clean paper and pen, a little sensor noise
PAD = 7                       # room around a digit for writing changes that widen it
STAGES = ("writing", "photo", "look", "size", "view")
PARTS = (("digits", "28x28 inputs"), ("frames", "camera frames"))  # the two ways, by key

Apply = Callable[[np.ndarray, object, np.random.Generator, float], np.ndarray]


@dataclass(frozen=True)
class Corruption:
    name: str
    title: str
    levels: tuple
    apply: Apply                  # (float image 0-1, level, rng, frame pixels per MNIST pixel)
    stage: str                    # where it acts in a camera frame (see the module docstring)
    level_format: str = "{}"
    look: Callable[[object, np.random.Generator], dict] | None = None
    pad: bool = True              # writing stage: pad the digit first

    def level_text(self, level) -> str:
        return self.level_format.format(*(level if isinstance(level, tuple) else (level,)))


def _sign(rng: np.random.Generator) -> float:
    return float(rng.choice((-1.0, 1.0)))


def _odd(n: float) -> int:
    return int(round(n)) | 1


def _translate(img: np.ndarray, shift: float, rng: np.random.Generator) -> np.ndarray:
    angle = rng.uniform(0, 2 * np.pi)
    return T.affine(img, tx=shift * np.cos(angle), ty=shift * np.sin(angle))


CORRUPTIONS: tuple[Corruption, ...] = (
    Corruption("brightness_contrast", "brightness and contrast",
               ((0.6, 0.1), (0.45, 0.15), (0.3, 0.2), (0.2, 0.25), (0.12, 0.3)),
               lambda im, lv, rng, u: T.brightness_contrast(im, *lv), "photo",
               "x{} +{}"),
    Corruption("uneven_illumination", "uneven illumination", (0.3, 0.5, 0.7, 0.85, 0.95),
               lambda im, lv, rng, u: T.uneven_light(im, lv, rng.uniform(0, 360)), "look",
               "{:.0%} darker", look=lambda lv, rng: {"light_gradient": lv, "shadow": 0.6 * lv}),
    Corruption("gaussian_noise", "Gaussian noise", (0.05, 0.1, 0.2, 0.3, 0.45),
               lambda im, lv, rng, u: T.gaussian_noise(im, lv, rng), "photo", "sd {}"),
    Corruption("salt_pepper", "salt-and-pepper noise", (0.01, 0.03, 0.06, 0.1, 0.2),
               lambda im, lv, rng, u: T.salt_pepper(im, lv, rng), "photo", "{:.0%} pixels"),
    Corruption("gaussian_blur", "Gaussian blur", (0.5, 1.0, 1.5, 2.0, 2.5),
               lambda im, lv, rng, u: T.gaussian_blur(im, lv * u), "photo", "sigma {} px"),
    Corruption("motion_blur", "motion blur", (3, 5, 7, 9, 11),
               lambda im, lv, rng, u: T.motion_blur(im, _odd(lv * u), rng.uniform(0, 180)),
               "photo", "{} px"),
    Corruption("rotation", "rotation", (10, 20, 30, 45, 60),
               lambda im, lv, rng, u: T.affine(im, angle=lv * _sign(rng)), "look",
               "{} deg", look=lambda lv, rng: {"rotation": lv * _sign(rng)}),
    Corruption("scale", "scale (smaller)", (0.85, 0.7, 0.55, 0.45, 0.35),
               lambda im, lv, rng, u: T.affine(im, scale=lv), "size", "x{}"),
    Corruption("translation", "translation", (2, 4, 6, 8, 10),
               lambda im, lv, rng, u: _translate(im, lv, rng), "view", "{} px"),
    Corruption("shear", "shear", (0.15, 0.3, 0.45, 0.6, 0.8),
               lambda im, lv, rng, u: T.affine(im, shear=lv * _sign(rng)), "writing", "{}"),
    Corruption("thinner", "thinner strokes", (0.25, 0.5, 0.75, 1.0, 1.25),
               lambda im, lv, rng, u: T.stroke(im, -lv), "writing", "-{} px"),
    Corruption("thicker", "thicker strokes", (0.5, 1.0, 1.5, 2.0, 2.5),
               lambda im, lv, rng, u: T.stroke(im, lv), "writing", "+{} px"),
    Corruption("elastic", "elastic distortion", (8, 16, 24, 32, 40),
               lambda im, lv, rng, u: T.elastic(im, lv, 4.0, rng), "writing", "alpha {}"),
    Corruption("occlusion", "occlusion", (0.05, 0.1, 0.15, 0.2, 0.3),
               lambda im, lv, rng, u: T.occlude(im, lv, rng), "writing", "{:.0%} of box",
               pad=False),
)


def corrupt_digit(digit: np.ndarray, c: Corruption | None, level, rng) -> np.ndarray:
    """A 28x28 uint8 MNIST digit -> float32 0-1 model input with the corruption applied."""
    img = digit.astype(np.float32) / 255.0
    if c is None:
        return img
    return np.clip(c.apply(img, level, rng, 1.0), 0.0, 1.0).astype(np.float32)


def _write(digit: np.ndarray, c: Corruption, level, rng) -> np.ndarray:
    """The writing stage: change the digit itself (padded, so nothing is cut off)."""
    img = digit.astype(np.float32) / 255.0
    if c.pad:
        img = np.pad(img, PAD)
    out = np.clip(c.apply(img, level, rng, 1.0), 0.0, 1.0)
    return (out * 255).astype(np.uint8)


def _cut(frame: np.ndarray, box, shift, rng) -> np.ndarray:
    """The view stage: move the frame edge towards the digit, as MNIST's 4-pixel margin is
    used up by a translation of `shift` MNIST pixels in a random direction (then cut in)."""
    x, y, w, h = box
    angle = rng.uniform(0, 2 * np.pi)
    dx, dy = shift * np.cos(angle), shift * np.sin(angle)
    fh, fw = frame.shape[:2]
    x0, x1, y0, y1 = 0, fw, 0, fh
    margin_x = (MNIST_MARGIN - abs(dx)) * UNIT
    margin_y = (MNIST_MARGIN - abs(dy)) * UNIT
    if dx > 0:
        x1 = int(np.clip(round(x + w + margin_x), 1, fw))
    elif dx < 0:
        x0 = int(np.clip(round(x - margin_x), 0, fw - 1))
    if dy > 0:
        y1 = int(np.clip(round(y + h + margin_y), 1, fh))
    elif dy < 0:
        y0 = int(np.clip(round(y - margin_y), 0, fh - 1))
    return frame[y0:y1, x0:x1]


def clean_frame(digit: np.ndarray, rng, look: Look = BASE_LOOK, height: int = DIGIT_HEIGHT):
    """The digit written on paper and photographed: (grey uint8 frame, digit box)."""
    scene = render([digit], rng, look, FRAME_SHAPE, height=max(int(height), 2))
    return to_gray(scene.frame), scene.boxes[0]


def corrupt_frame(digit: np.ndarray, c: Corruption | None, level, render_seed,
                  rng: np.random.Generator, clean=None) -> np.ndarray:
    """A grey camera frame of `digit` with the corruption applied where it acts.

    render_seed fixes the page layout, so every level of every corruption shows the same
    digit in the same place; `clean` is that clean frame, if already made."""
    if c is None or c.stage in ("photo", "view"):
        frame, box = clean or clean_frame(digit, np.random.default_rng(render_seed))
        if c is None:
            return frame
        if c.stage == "view":
            return _cut(frame, box, level, rng)
        out = c.apply(frame.astype(np.float32) / 255.0, level, rng, UNIT)
        return (np.clip(out, 0.0, 1.0) * 255).astype(np.uint8)
    render_rng = np.random.default_rng(render_seed)
    if c.stage == "writing":  # keep the ink's scale: a digit cut short is not drawn bigger
        written = _write(digit, c, level, rng)
        height = DIGIT_HEIGHT * tight(written).shape[0] / tight(digit).shape[0]
        return clean_frame(written, render_rng, height=round(height))[0]
    if c.stage == "look":
        return clean_frame(digit, render_rng, replace(BASE_LOOK, **c.look(level, rng)))[0]
    return clean_frame(digit, render_rng, height=round(DIGIT_HEIGHT * level))[0]  # size


def reads_exactly(recognizer, frame: np.ndarray, label: int) -> bool:
    return [d.digit for d in recognizer.read(frame)] == [int(label)]


def _levels():
    """(corruption index, corruption, severity 1-5, level); the clean set first as None."""
    yield -1, None, 0, None
    for ci, c in enumerate(CORRUPTIONS):
        for si, level in enumerate(c.levels, start=1):
            yield ci, c, si, level


def _digit_accuracies(recognizers: dict, x, y, seed, bar) -> dict[str, dict]:
    out = {name: {} for name in recognizers}
    for ci, c, si, level in _levels():
        rng = np.random.default_rng((seed, ci + 1, si))
        batch = np.stack([corrupt_digit(d, c, level, rng) for d in x])
        for name, r in recognizers.items():
            acc = float((r.classifier.predict_proba(batch).argmax(axis=1) == y).mean())
            out[name].setdefault(c.name if c else "clean", []).append(acc)
        if bar is not None:
            bar.update(len(x))
    return out


def _frame_accuracies(recognizers: dict, x, y, seed, bar) -> dict[str, dict]:
    out = {name: {} for name in recognizers}
    clean = [clean_frame(d, np.random.default_rng((seed, i))) for i, d in enumerate(x)]
    for ci, c, si, level in _levels():
        hits = np.zeros(len(recognizers))
        for i, (d, label) in enumerate(zip(x, y)):
            rng = np.random.default_rng((seed, i, ci + 1, si))
            frame = corrupt_frame(d, c, level, (seed, i), rng, clean[i])
            hits += [reads_exactly(r, frame, label) for r in recognizers.values()]
        for name, h in zip(recognizers, hits):
            out[name].setdefault(c.name if c else "clean", []).append(h / len(x))
        if bar is not None:
            bar.update(len(x))
    return out


def _summary(acc: dict[str, list[float]], samples: int) -> dict:
    levels = [v for name, v in acc.items() if name != "clean"]
    return {"samples_per_level": samples, "clean": round(acc["clean"][0], 6),
            "corruptions": {k: [round(a, 6) for a in v] for k, v in acc.items() if k != "clean"},
            "mean_corruption_accuracy": round(float(np.mean(levels)), 6)}


def measure(recognizers: dict, x: np.ndarray, y: np.ndarray, n_digits: int = 1000,
            n_frames: int = 100, seed: int = 0, progress: bool | None = None) -> dict:
    """Per model name (the keys of `recognizers`): {"digits": ..., "frames": ...}, each with
    the clean accuracy, the accuracy at each severity 1-5 per corruption and the mean over all
    corruptions and levels.
    The same random sample of the test set (and the same distortions) serve every model."""
    order = np.random.default_rng(seed).permutation(len(x))
    pick_d, pick_f = order[: min(n_digits, len(x))], order[: min(n_frames, len(x))]
    steps = 1 + len(CORRUPTIONS) * SEVERITIES
    out = {name: {} for name in recognizers}
    ways = ((pick_d, _digit_accuracies), (pick_f, _frame_accuracies))
    for (part, what), (pick, fn) in zip(PARTS, ways):
        if not len(pick):
            continue
        with progress_bar(None, progress, total=steps * len(pick), unit="img",
                          desc=f"robustness, {what}") as bar:
            for name, acc in fn(recognizers, x[pick], y[pick], seed, bar).items():
                out[name][part] = _summary(acc, len(pick))
    return out


def example_grid(digit: np.ndarray, seed: int = 0) -> list[tuple[str, list, list]]:
    """For the figure: per corruption (title, 6 digit inputs, 6 frames), severity 0 to 5."""
    rows = []
    for ci, c in enumerate(CORRUPTIONS):
        levels = [(0, None)] + list(enumerate(c.levels, start=1))
        digits = [corrupt_digit(digit, c if lv is not None else None, lv,
                                np.random.default_rng((seed, ci, si))) for si, lv in levels]
        frames = [corrupt_frame(digit, c if lv is not None else None, lv, (seed, 0),
                                np.random.default_rng((seed, ci, si))) for si, lv in levels]
        rows.append((c.title, digits, frames))
    return rows
