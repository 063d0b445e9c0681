"""Reading for the web app: per-client settings, the JSON of a reading, a bounded worker pool.

    name, models = model_choices("mlp")
    settings = Settings(model=name).updated({"min_confidence": 0.8}, models)
    reply = read_bytes(settings.recognizer(models), png_bytes, details=True)
    probs = await pool.run(classifier.predict_proba, pixels)   # off the event loop

Everything reads through `Recognizer.read`; a reply is `Recognizer.as_dict` (the schema of
`digitcam predict --json`), with each digit's probabilities and 28x28 input added on request.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
import math
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, replace
from typing import Any, TypeVar

import cv2
import numpy as np

from ...assets.registry import (
    CLASSIFIER,
    ModelError,
    available_models,
    kind_of,
    locate,
    resolve_model,
)
from ...io.images import decode_image
from ...reader import (
    DEFAULT_MIN_CONFIDENCE,
    DEFAULT_MODE,
    Recognizer,
    check_mode,
    confidence_value,
    model_kind,
    threshold_value,
)
from ...recognize.classifier import get_classifier
from ...regions import Detection, Region

PROB_DECIMALS = 4
MAX_PIXELS = 25_000_000  # uploads and frames: a 6000x4000 photo; larger ones are refused
STARTUP_BATCHES = (1, 2, 64)  # the server's model must read batches of these sizes at start
T = TypeVar("T")


class Busy(RuntimeError):
    """Too many readings are waiting for a worker: try again in `retry_after` seconds."""

    def __init__(self, message: str, retry_after: int = 1):
        super().__init__(message)
        self.retry_after = retry_after


def one_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def check_batches(recognizer: Recognizer) -> None:
    """Run batches of STARTUP_BATCHES blank regions through the recogniser's model: a model
    that reads one digit but fails on several fails here, at start-up, as a ModelError
    naming the file."""
    blank = np.full((64, 256), 255, np.uint8)
    for n in STARTUP_BATCHES:
        try:
            with _native_stderr_silenced():  # onnxruntime prints its failure in colour too
                recognizer.recognizer.recognize(blank, [Region((0, 0, 256, 64))] * n)
        except ModelError as e:
            raise ModelError(f"{e} (a batch of {n} digits)") from None


def model_choices(default: str | None, kind: str = CLASSIFIER) -> tuple[str, dict[str, str]]:
    """(the server's model's name, {name: model} of those a client may pick): the shipped
    models of `kind` (the server's mode's: reader.model_kind) and the server's own.
    Clients name models; they never pass paths."""
    shipped = available_models(kind)
    choices: dict[str, str] = {name: name for name in shipped}
    path = resolve_model(default, kind)
    name = path.stem
    if name in shipped and shipped[name].resolve() != path.resolve():
        name = str(default)  # a file named like a shipped model: offer it under its path
    choices[name] = str(path)
    return name, choices


@dataclass(frozen=True)
class Settings:
    """How one client wants its frames read."""

    model: str                    # a name from model_choices()
    mode: str = DEFAULT_MODE
    threshold: int | None = None  # None: automatic
    min_confidence: float = DEFAULT_MIN_CONFIDENCE
    details: bool = False         # add probs and the 28x28 crop to each digit

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def updated(self, changes: dict[str, Any], models: dict[str, str]) -> Settings:
        """A copy with `changes` applied; ValueError names the first bad field."""
        unknown = sorted(set(changes) - set(self.as_dict()))
        if unknown:
            raise ValueError(f"unknown setting(s): {', '.join(unknown)}")
        new = replace(self, **changes)
        if new.model not in models:
            raise ValueError(f"model must be one of {sorted(models)}, got {new.model!r}")
        check_mode(new.mode)
        threshold = threshold_value(new.threshold)  # null or "auto": automatic
        confidence = confidence_value(new.min_confidence)
        if not isinstance(new.details, bool):
            raise ValueError(f"details must be true or false, got {new.details!r}")
        return replace(new, threshold=threshold, min_confidence=confidence)

    def recognizer(self, models: dict[str, str]) -> Recognizer:
        """The reader these settings describe; a model of another kind than the mode reads
        with (a line model, then mode multi) gives way to the mode's own default."""
        model: str | None = models[self.model]
        if kind_of(locate(model)) != model_kind(self.mode):
            model = None
        return Recognizer(model=model, mode=self.mode, threshold=self.threshold,
                          min_confidence=self.min_confidence)


@contextlib.contextmanager
def _native_stderr_silenced():
    """File descriptor 2 to /dev/null for a moment (start-up only: it is process-wide)."""
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def png_data_url(image: np.ndarray) -> str:
    ok, buf = cv2.imencode(".png", image)
    if not ok:
        raise ValueError("cannot encode the crop as PNG")
    return "data:image/png;base64," + base64.b64encode(buf.tobytes()).decode("ascii")


def reading_dict(recognizer: Recognizer, detections: list[Detection],
                 details: bool = False) -> dict[str, Any]:
    """`Recognizer.as_dict`, plus per digit `probs` (10) and `crop` (PNG data URL) on request."""
    reading = recognizer.as_dict(detections)
    if details:
        for entry, det in zip(reading["digits"], detections):
            entry["probs"] = [round(float(p), PROB_DECIMALS) for p in det.probs]
            entry["crop"] = png_data_url(det.crop)
    return reading


def read_bytes(recognizer: Recognizer, data: bytes, details: bool = False) -> dict[str, Any]:
    """Decode an encoded image and read it (runs in a worker thread). ImageError on bad data."""
    start = time.perf_counter()
    image = decode_image(data, max_pixels=MAX_PIXELS)
    try:
        reading = reading_dict(recognizer, recognizer.read(image), details)
    except ModelError:
        raise
    except Exception as e:  # onnxruntime and OpenCV have their own types: say it in one line
        raise ModelError(f"model {recognizer.model_name} failed on this image: {one_line(e)}"
                         ) from None
    reading.update(width=int(image.shape[1]), height=int(image.shape[0]),
                   model=recognizer.model_name,
                   ms=round((time.perf_counter() - start) * 1000, 1))
    return reading


def classify_pixels(model: str, pixels: np.ndarray) -> np.ndarray:
    """Probabilities (10,) of one 28x28 uint8 image, white ink on black."""
    return get_classifier(model).predict_proba(pixels)[0]


class WorkerPool:
    """A few threads for the CPU-bound reading, so the event loop stays responsive.

    At most `max_jobs` jobs, holding at most `max_bytes` of input (`size=` of each), wait or
    run at once, all clients together, and no more than `max_wait_s` of work (the recent
    average job time) waits per thread; more raise Busy at once, with the seconds after
    which to retry, instead of queueing. A job counts until its thread is done with it,
    even when the client that asked has gone.
    """

    def __init__(self, threads: int, max_jobs: int, max_bytes: int, max_wait_s: float = 5.0):
        self.threads = threads
        self.max_jobs = max_jobs
        self.max_bytes = max_bytes
        self.max_wait_s = max_wait_s
        self.pending = 0
        self.pending_bytes = 0
        self.job_s = 0.0  # moving average of a job's time
        self._lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None

    def expected_wait_s(self) -> float:
        return self.pending / self.threads * self.job_s

    async def run(self, fn: Callable[..., T], *args: Any, size: int = 0) -> T:
        with self._lock:
            wait = self.expected_wait_s()
            if self.pending >= self.max_jobs or self.pending_bytes + size > self.max_bytes \
                    or wait > self.max_wait_s:
                raise Busy(f"server busy: {self.pending} readings waiting, try again",
                           retry_after=max(1, math.ceil(wait)))
            self.pending += 1
            self.pending_bytes += size
        if self._executor is None:
            self._executor = ThreadPoolExecutor(self.threads, thread_name_prefix="digitcam-read")
        future = self._executor.submit(self._timed, fn, *args)
        future.add_done_callback(functools.partial(self._done, size))
        return await asyncio.wrap_future(future)  # cancelled: a job not yet started is dropped

    def _timed(self, fn: Callable[..., T], *args: Any) -> T:
        start = time.perf_counter()
        try:
            return fn(*args)
        finally:
            elapsed = time.perf_counter() - start
            with self._lock:
                self.job_s = elapsed if self.job_s == 0 else 0.8 * self.job_s + 0.2 * elapsed

    def _done(self, size: int, _future: Future) -> None:
        with self._lock:
            self.pending -= 1
            self.pending_bytes -= size

    def shutdown(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
