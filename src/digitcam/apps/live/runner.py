"""The part of a live run that is the same with and without a window: each frame read,
smoothed, logged, echoed and counted; and the headless loop."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import time
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from ...detect.roi import roi_box
from ...layout import text_of
from ...reader import Recognizer
from ...regions import Detection
from ..annotate import annotate
from .recorder import Recorder, open_log
from .sources import Frame, Source, SourceError
from .tracking import SMOOTH_FRAMES, Smoother

STABLE_FRAMES = 3           # a reading shown this many frames in a row counts in the summary


@dataclass
class Summary:
    """What a run did: frames, speed, and the readings that held for a few frames."""

    source: str
    frames: int = 0
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list, repr=False)
    readings: list[tuple[str, int, int]] = field(default_factory=list)  # text, first, frames
    stopped: str = ""  # why the run ended early (camera lost); "" when it ended normally
    skipped: int = 0   # a folder's files that could not be read
    stills: bool = False  # a folder's photos: each one's reading counts, once

    def add(self, index: int, text: str, latency_ms: float) -> None:
        self.frames += 1
        self.latencies_ms.append(latency_ms)
        if self.stills:  # one reading per photo; the same photo read again replaces it
            if self.readings and self.readings[-1][1] == index:
                self.readings[-1] = (text, index, 1)
            else:
                self.readings.append((text, index, 1))
        elif self.readings and self.readings[-1][0] == text:
            t, first, n = self.readings[-1]
            self.readings[-1] = (t, first, n + 1)
        else:
            self.readings.append((text, index, 1))

    @property
    def mean_fps(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else 0.0

    @property
    def median_latency_ms(self) -> float:
        return float(np.median(self.latencies_ms)) if self.latencies_ms else 0.0

    def stable_readings(self, min_frames: int = STABLE_FRAMES) -> list[str]:
        """The numbers read for at least `min_frames` frames in a row, in order, repeats of
        the same number (interrupted by a blank) counted once per appearance; for a
        folder's photos, each photo's reading."""
        if self.stills:
            return [text for text, _, _ in self.readings if text]
        out: list[str] = []
        for text, _, n in self.readings:
            if text and n >= min_frames and (not out or out[-1] != text):
                out.append(text)
        return out

    def __str__(self) -> str:
        read = ", ".join(self.stable_readings()) or "nothing"
        skipped = (f", {self.skipped} unreadable file{'s' * (self.skipped != 1)} skipped"
                   if self.skipped else "")
        line = (f"{self.source}: {self.frames} frames in {self.seconds:.1f} s "
                f"({self.mean_fps:.1f} FPS mean, recogniser {self.median_latency_ms:.1f} ms "
                f"median per frame){skipped}; read: {read}")
        return f"{line}\n{self.stopped}" if self.stopped else line


@dataclass
class Result:
    """One frame through the recogniser."""

    frame: Frame
    raw: list[Detection]      # every crop classified, doubtful ones included
    shown: list[Detection]    # smoothed over the last frames, confident ones only
    latency_ms: float
    text: str = field(init=False)  # text_of(shown): the reading

    def __post_init__(self) -> None:
        self.text = text_of(self.shown)


class Runner:
    """The recogniser plus smoothing, logging and recording: the part of the loop that
    is the same with and without a window."""

    def __init__(self, recognizer: Recognizer, smooth: int = SMOOTH_FRAMES,
                 log: str | os.PathLike | None = None, record: Recorder | None = None,
                 echo: bool = False):
        self.recognizer = recognizer
        self.smoother = Smoother(smooth, recognizer.min_confidence)
        self.recorder, self.echo = record, echo
        self._log, self._log_path = (open_log(log) if log else None), log
        self._said = ""
        self._file = ""  # the photo being read (a folder's): another one starts afresh

    def process(self, frame: Frame) -> Result:
        if frame.name != self._file:  # unrelated photos share no history
            self.smoother.reset()
            self._file = frame.name
        start = time.perf_counter()
        raw = self.recognizer.read(frame.image, keep_rejected=True)
        shown = self.smoother.update(raw)
        latency = (time.perf_counter() - start) * 1000.0
        result = Result(frame, raw, shown, latency)
        self._write_log(result)
        self._say(result)
        return result

    def _write_log(self, r: Result) -> None:
        if self._log is None:
            return
        record = {"frame": r.frame.index, "t": round(r.frame.t, 3),
                  **Recognizer.as_dict(r.shown),
                  "raw": Recognizer.as_dict(self.recognizer.confident(r.raw)),
                  "latency_ms": round(r.latency_ms, 3), "mode": self.recognizer.mode}
        if r.frame.name:
            record["file"] = r.frame.name
        try:
            self._log.write(json.dumps(record) + "\n")
            self._log.flush()  # a killed run keeps every line up to its last frame
        except OSError as e:  # a full disk: say which file
            raise OSError(f"{self._log_path}: cannot write the log ({e.strerror or e})") from None

    def _say(self, r: Result) -> None:
        if self.echo and r.text and r.text != self._said:
            print(f"frame {r.frame.index} ({r.frame.t:.2f} s): {r.text}", flush=True)
        if r.text:
            self._said = r.text

    def close(self) -> None:
        try:
            if self.recorder is not None:
                self.recorder.close()
        finally:
            if self._log is not None:  # flushed after every line: a failed close (full disk)
                with contextlib.suppress(OSError):  # was said by the write that failed
                    self._log.close()


def status_line(recognizer: Recognizer, fps: float, latency_ms: float, state: str) -> str:
    t = recognizer.threshold
    threshold = "auto" if t is None else str(t)
    return (f"{recognizer.mode} | threshold {threshold} | {fps:.0f} FPS | "
            f"{latency_ms:.1f} ms | {state}")


def draw(result: Result | None, image: np.ndarray, recognizer: Recognizer, status: str,
         message: str = "", scale: float = 1.0) -> np.ndarray:
    """The overlay on `image`, which is the frame resized by `scale` (the window shows a
    large photo smaller, and draws on it at the size seen, so the labels stay readable)."""
    roi = None
    if recognizer.mode == "roi":
        h, w = image.shape[:2]
        roi = tuple(round(v * scale) for v in roi_box((round(h / scale), round(w / scale))))
    shown = [scaled(d, scale) for d in result.shown] if result else []
    return annotate(image, shown, status, roi, message)


def scaled(d: Detection, scale: float) -> Detection:
    """The detection with its box in a frame resized by `scale`."""
    if scale == 1.0:
        return d
    return dataclasses.replace(d, box=tuple(round(v * scale) for v in d.box))


def mosaic_labels(result: Result) -> list[str]:
    """A caption per model input of the 'processed' window: the digit and confidence the
    overlay shows for that box (smoothed), or the frame's own when the overlay hides it."""
    shown = {d.box: d for d in result.shown}
    return [f"{d.digit} {d.confidence:.0%}" for d in (shown.get(r.box, r) for r in result.raw)]


class FpsMeter:
    """Frames per second over the last `window` new frames."""

    def __init__(self, window: int = 30):
        self.times: deque[float] = deque(maxlen=window)

    def tick(self, new_frame: bool = True) -> float:
        if new_frame:
            self.times.append(time.perf_counter())
        if len(self.times) < 2:
            return 0.0
        return (len(self.times) - 1) / max(self.times[-1] - self.times[0], 1e-6)


def run_headless(source: Source, runner: Runner, max_frames: int | None = None) -> Summary:
    """Every frame through the recogniser, as fast as it goes, until the source ends."""
    summary = Summary(source.name, stills=source.stills)
    fps = FpsMeter()
    start = time.perf_counter()
    try:
        while max_frames is None or summary.frames < max_frames:
            frame = source.read()
            if frame is None:
                break
            result = runner.process(frame)
            summary.add(frame.index, result.text, result.latency_ms)
            if runner.recorder is not None:
                status = status_line(runner.recognizer, fps.tick(), result.latency_ms,
                                     "headless")
                runner.recorder.write(draw(result, frame.image, runner.recognizer, status))
    except SourceError as e:
        summary.stopped = f"stopped: {e}"
    summary.seconds = time.perf_counter() - start
    return summary
