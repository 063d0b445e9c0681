"""Live recognition: the paper's real-time OpenCV loop, rebuilt to read real pages.

Usage:
    digitcam live [--source 0|VIDEO|FOLDER|IMAGE|sample] [--mode multi|roi]
                  [--threshold N|auto] [--min-confidence P] [--model NAME|PATH]
                  [--headless] [--record OUT.mp4] [--log OUT.jsonl] [--max-frames N]
                  [--smooth N] [--loop] [--collect DIR] [--snapshots DIR]

    from digitcam import run_opencv_loop
    summary = run_opencv_loop("sample", headless=True, log="readings.jsonl")
    print(summary)

Sources: a camera index (only its latest frame is read, so there is no lag; a lost camera
is retried a few times, then the run ends saying so), a video file, a folder of images,
one image, or `sample`, a short clip shipped in the package. A video ends with a summary.

Keys in the window (shown when a display is available; without one the run is headless):
    click        start / pause recognition (the feed keeps playing)
    space        freeze / resume the feed
    0-9          while frozen, with --collect DIR: save the crops in view as that digit,
                 under DIR/<digit>/ (a fine-tuning dataset; show one digit at a time)
    m            switch mode: multi (every digit) <-> roi (the paper's central box)
    s            save a snapshot (frame, annotated frame, model inputs) in --snapshots
    q, Esc       quit; closing the window does too
    trackbar     binarisation threshold; 0 means auto
The 'processed' window shows the 28x28 inputs the model receives, enlarged, side by side.

Headless (--headless, or no display): no window; each change of the reading is printed,
--log writes one JSON object per frame (each line flushed as written), --record the
annotated video (.mp4 or .avi; written to a hidden .OUT.partial.mp4 beside OUT and renamed
into place when the run ends, so a killed run never leaves a broken OUT):
    {"frame": i, "t": seconds, "text": "...", "digits": [{"digit", "confidence", "box"}],
     "raw": {"text": "...", "digits": [...]}, "latency_ms": ..., "mode": "multi"}
`text`/`digits` are the smoothed reading (probabilities averaged over --smooth frames of
each tracked box); `raw` is this frame's own; `t` is the position in a video, or seconds
since the start for a camera or folder; latency is the recogniser's, capture excluded.
The exit code is 1 when the run was stopped (camera lost) or a folder's file was skipped.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from ...detect.roi import roi_box
from ...layout import text_of
from ...reader import Recognizer
from ...regions import Detection
from ..cli import add_reading_options, at_least, command, make_recognizer
from .draw import annotate, processed_mosaic
from .sources import SOURCE_HELP, Frame, Source, SourceError, open_source, quiet_opencv
from .tracking import SMOOTH_FRAMES, Smoother

WINDOW = "digitcam"
PROCESSED = "processed"
TRACKBAR = "threshold (0=auto)"
FOLDER_FPS = 1.0            # a folder's images are shown one a second in the window
CAMERA_FPS = 30.0           # the frame rate written to --record for a camera
MESSAGE_SECONDS = 2.0       # how long a message (snapshot saved, ...) stays on screen
CROP_MARGIN = 0.25          # collected crops keep this much paper around the digit
STABLE_FRAMES = 3           # a reading shown this many frames in a row counts in the summary
KEY_ESC, KEY_SPACE = 27, 32
CODECS = {".mp4": "mp4v", ".avi": "MJPG"}  # --record's container -> OpenCV fourcc
PROBE_SIZE = (64, 48)       # --record opens a writer this size at the start, to fail early
SYSTEM_FONTS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/truetype",
                "/usr/share/fonts")


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

    def add(self, index: int, text: str, latency_ms: float) -> None:
        self.frames += 1
        self.latencies_ms.append(latency_ms)
        if self.readings and self.readings[-1][0] == text:
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
        the same number (interrupted by a blank) counted once per appearance."""
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


class Recorder:
    """Writes annotated frames to OUT.mp4 (mp4v) or OUT.avi (MJPG), sized by the first
    frame. Frames go to a hidden .OUT.partial.mp4 beside OUT, renamed to OUT by close(), so
    an interrupted run leaves either no OUT or a whole one. Raises OSError (one line) at
    once when OUT cannot be written."""

    def __init__(self, path: str | os.PathLike, fps: float):
        self.path, self.fps = Path(path), fps
        codec = CODECS.get(self.path.suffix.lower())
        if codec is None:
            raise OSError(f"{self.path}: --record writes .mp4 or .avi videos "
                          f"(try {self.path.with_suffix('.mp4').name})")
        if not self.path.parent.is_dir():
            raise OSError(f"{self.path}: cannot write the video (no folder {self.path.parent})")
        if self.path.is_dir():
            raise OSError(f"{self.path}: cannot write the video (is a folder)")
        self.codec = codec
        self.partial = self.path.with_name(f".{self.path.stem}.partial{self.path.suffix}")
        self._size = PROBE_SIZE
        self._open().release()  # fail now, not at the first frame
        self.partial.unlink(missing_ok=True)
        self._writer: cv2.VideoWriter | None = None

    def _open(self) -> cv2.VideoWriter:
        with quiet_opencv():
            writer = cv2.VideoWriter(str(self.partial), cv2.VideoWriter_fourcc(*self.codec),
                                     self.fps, self._size)
        if not writer.isOpened():
            writer.release()
            self.partial.unlink(missing_ok=True)
            raise OSError(f"{self.path}: cannot write the video (OpenCV has no {self.codec} "
                          "encoder, or the folder is not writable)")
        return writer

    def write(self, image: np.ndarray) -> None:
        if self._writer is None:
            self._size = (image.shape[1], image.shape[0])
            self._writer = self._open()
        if (image.shape[1], image.shape[0]) != self._size:  # a folder's photos vary in size
            image = cv2.resize(image, self._size, interpolation=cv2.INTER_AREA)
        self._writer.write(image)

    def close(self) -> None:
        """Finish the video and move it into place (nothing is written without a frame)."""
        if self._writer is None:
            self.partial.unlink(missing_ok=True)
            return
        self._writer.release()
        self._writer = None
        os.replace(self.partial, self.path)


def open_log(path: str | os.PathLike):
    """--log's file, line-buffered; OSError with one line when it cannot be written."""
    try:
        return open(path, "w", buffering=1)  # noqa: SIM115 (Runner.close closes it)
    except OSError as e:
        raise OSError(f"{path}: cannot write the log ({e.strerror or e})") from None


class Runner:
    """The recogniser plus smoothing, logging and recording: the part of the loop that
    is the same with and without a window."""

    def __init__(self, recognizer: Recognizer, smooth: int = SMOOTH_FRAMES,
                 log: str | os.PathLike | None = None, record: Recorder | None = None,
                 echo: bool = False):
        self.recognizer = recognizer
        self.smoother = Smoother(smooth, recognizer.min_confidence)
        self.recorder, self.echo = record, echo
        self._log = open_log(log) if log else None
        self._said = ""

    def process(self, frame: Frame) -> Result:
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
        self._log.write(json.dumps(record) + "\n")
        self._log.flush()  # a killed run keeps every line up to its last frame

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
            if self._log is not None:
                self._log.close()


def status_line(recognizer: Recognizer, fps: float, latency_ms: float, state: str) -> str:
    t = recognizer.threshold
    threshold = "auto" if t is None else str(t)
    return (f"{recognizer.mode} | threshold {threshold} | {fps:.0f} FPS | "
            f"{latency_ms:.1f} ms | {state}")


def draw(result: Result | None, image: np.ndarray, recognizer: Recognizer, status: str,
         message: str = "") -> np.ndarray:
    roi = roi_box(image.shape) if recognizer.mode == "roi" else None
    shown = result.shown if result else []
    return annotate(image, shown, status, roi, message)


def _qt_fonts() -> None:
    """OpenCV's pip wheels point Qt at a font folder beside cv2 that they do not ship: point
    it at the system's instead, so trackbar labels show and Qt prints no warnings."""
    if Path(os.environ.get("QT_QPA_FONTDIR", "/nonexistent")).is_dir():
        return
    for folder in SYSTEM_FONTS:
        if Path(folder).is_dir():
            os.environ["QT_QPA_FONTDIR"] = folder
            return


def no_display_reason() -> str:
    """Why no window can open here, or "" when one can: always on macOS and Windows; on
    Linux when Wayland is set, or DISPLAY names an X server that answers (Qt would abort
    the process on one that does not)."""
    if not sys.platform.startswith("linux") or os.environ.get("WAYLAND_DISPLAY"):
        return ""
    display = os.environ.get("DISPLAY", "")
    if not display:
        return "DISPLAY is not set"
    return "" if _x_server_answers(display) else f"cannot connect to DISPLAY={display}"


def _x_server_answers(display: str) -> bool:
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("X11")
    if name is None:
        return True  # cannot tell: let the window try
    x11 = ctypes.cdll.LoadLibrary(name)
    x11.XOpenDisplay.restype = ctypes.c_void_p
    x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
    connection = x11.XOpenDisplay(display.encode())
    if not connection:
        return False
    x11.XCloseDisplay(connection)
    return True


def run_headless(source: Source, runner: Runner, max_frames: int | None = None) -> Summary:
    """Every frame through the recogniser, as fast as it goes, until the source ends."""
    summary = Summary(source.name)
    start = time.perf_counter()
    try:
        while max_frames is None or summary.frames < max_frames:
            frame = source.read()
            if frame is None:
                break
            result = runner.process(frame)
            summary.add(frame.index, result.text, result.latency_ms)
            if runner.recorder is not None:
                runner.recorder.write(draw(result, frame.image, runner.recognizer,
                                           status_line(runner.recognizer, 0, 0, "headless")))
    except SourceError as e:
        summary.stopped = f"stopped: {e}"
    summary.seconds = time.perf_counter() - start
    return summary


def write_image(path: Path, image: np.ndarray, what: str) -> None:
    """cv2.imwrite, and its folder made, or OSError 'could not save WHAT to PATH'."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with quiet_opencv():
            if cv2.imwrite(str(path), image):
                return
        reason = ""
    except (OSError, cv2.error) as e:
        reason = f" ({getattr(e, 'strerror', None) or str(e).strip().splitlines()[-1]})"
    raise OSError(f"could not save {what} to {path}{reason}")


def save_crops(image: np.ndarray, detections: list[Detection], folder: Path,
               label: str) -> list[Path]:
    """Each detection's region of the frame, with some paper around it, as DIR/label/*.png:
    what the pipeline reads again when fine-tuning. OSError (one line) when one fails."""
    out_dir = folder / label
    stamp = f"{time.strftime('%Y%m%d-%H%M%S')}-{int(time.time() * 1000) % 1000:03d}"
    h, w = image.shape[:2]
    paths = []
    for k, d in enumerate(detections):
        x, y, bw, bh = d.box
        m = int(CROP_MARGIN * max(bw, bh))
        crop = image[max(y - m, 0) : min(y + bh + m, h), max(x - m, 0) : min(x + bw + m, w)]
        path = out_dir / f"{stamp}-{k}.png"
        write_image(path, crop, "the crop")
        paths.append(path)
    return paths


def save_snapshot(folder: Path, image: np.ndarray, annotated: np.ndarray,
                  mosaic: np.ndarray) -> Path:
    """The frame, the annotated frame and the model inputs as PNGs; OSError when one fails."""
    stem = folder / time.strftime("snapshot-%Y%m%d-%H%M%S")
    for part, picture in (("frame", image), ("annotated", annotated), ("processed", mosaic)):
        write_image(Path(f"{stem}-{part}.png"), picture, "the snapshot")
    return stem


class Window:
    """The paper's window: feed and overlay, threshold trackbar, mouse and keys."""

    def __init__(self, runner: Runner, source: Source, collect: Path | None,
                 snapshots: Path):
        self.runner, self.source = runner, source
        self.recognizer = runner.recognizer
        self.collect, self.snapshots = collect, snapshots
        self.running = False       # recognition on (a click toggles it)
        self.frozen = False        # the feed held on one frame (space)
        self.message, self.message_until = "", 0.0
        _qt_fonts()
        flags = cv2.WINDOW_AUTOSIZE | cv2.WINDOW_GUI_NORMAL  # no Qt toolbar, as in the paper
        cv2.namedWindow(WINDOW, flags)
        cv2.namedWindow(PROCESSED, flags)
        self._placed = False
        t = self.recognizer.threshold
        cv2.createTrackbar(TRACKBAR, WINDOW, 0 if t is None else max(1, int(t)), 255,
                           lambda _: None)
        cv2.setMouseCallback(WINDOW, self._on_mouse)

    def _on_mouse(self, event, x, y, flags, param) -> None:
        if event == cv2.EVENT_LBUTTONDOWN:
            self.running = not self.running
            self.runner.smoother.reset()

    def say(self, message: str) -> None:
        self.message, self.message_until = message, time.monotonic() + MESSAGE_SECONDS

    def complain(self, message: str) -> None:
        """A failure the loop survives: one line on stderr, and on screen."""
        print(f"digitcam: {message}", file=sys.stderr, flush=True)
        self.say(message)

    def _threshold_changed(self) -> bool:
        pos = cv2.getTrackbarPos(TRACKBAR, WINDOW)
        threshold = None if pos <= 0 else pos
        if threshold == self.recognizer.threshold:
            return False
        self.recognizer.threshold = threshold
        self.runner.smoother.reset()
        return True

    def _state(self) -> str:
        if not self.running:
            return "paused (click to start)"
        return "frozen (space)" if self.frozen else "reading"

    def show(self, frame: Frame, result: Result | None, fps: float) -> np.ndarray:
        message = self.message if time.monotonic() < self.message_until else ""
        if not self.running and not message:
            message = "click to start"
        latency = result.latency_ms if result else 0.0
        status = status_line(self.recognizer, fps, latency, self._state())
        shown = draw(result if self.running else None, frame.image, self.recognizer,
                     status, message)
        raw = result.raw if (result and self.running) else []
        labels = [f"{d.digit} {d.confidence:.0%}" for d in raw]
        cv2.imshow(WINDOW, shown)
        cv2.imshow(PROCESSED, processed_mosaic([d.crop for d in raw], labels))
        if not self._placed:  # side by side, the inputs to the right of the feed
            cv2.moveWindow(WINDOW, 0, 0)
            cv2.moveWindow(PROCESSED, shown.shape[1] + 10, 0)
            self._placed = True
        return shown

    def closed(self) -> bool:
        try:
            return cv2.getWindowProperty(WINDOW, cv2.WND_PROP_VISIBLE) < 1
        except cv2.error:
            return True

    def key(self, key: int, frame: Frame, result: Result | None, shown: np.ndarray) -> bool:
        """Act on a key; False to quit."""
        if key in (ord("q"), KEY_ESC):
            return False
        if key == KEY_SPACE:
            self.frozen = not self.frozen
        elif key == ord("m"):
            self.recognizer.mode = "roi" if self.recognizer.mode == "multi" else "multi"
            self.runner.smoother.reset()
            self.say(f"mode: {self.recognizer.mode}")
        elif key == ord("s"):
            raw = result.raw if result else []
            try:
                stem = save_snapshot(self.snapshots, frame.image, shown,
                                     processed_mosaic([d.crop for d in raw]))
            except OSError as e:
                self.complain(str(e))
            else:
                self.say(f"saved {stem}-*.png")
        elif ord("0") <= key <= ord("9"):
            self._collect(chr(key), frame, result)
        return True

    def _collect(self, label: str, frame: Frame, result: Result | None) -> None:
        if not self.frozen:
            self.say("freeze the feed (space) first, then press the digit")
        elif self.collect is None:
            self.say("start with --collect DIR to save labelled crops")
        else:
            raw = result.raw if result and result.frame is frame else \
                self.recognizer.read(frame.image, keep_rejected=True)
            if not raw:
                self.say("no digit in view to save")
                return
            try:
                paths = save_crops(frame.image, raw, self.collect, label)
            except OSError as e:
                self.complain(str(e))
            else:
                self.say(f"saved {len(paths)} crop(s) as {label} in {self.collect / label}")

    def run(self, max_frames: int | None = None) -> Summary:
        """Until q/Esc, the window closed, the end of the source or max_frames. The
        summary's time counts only while recognition runs on a moving feed."""
        summary = Summary(self.source.name)
        pace = self.source.fps or (None if self.source.live else FOLDER_FPS)
        fps = FpsMeter()
        due = tick = time.perf_counter()
        frame, previous = self.source.read(), None
        result: Result | None = None
        try:
            while frame is not None:
                fresh = frame is not previous
                previous = frame
                changed = self._threshold_changed()  # read the trackbar every time
                if self.running and (fresh or changed):
                    result = self.runner.process(frame)
                    summary.add(frame.index, result.text, result.latency_ms)
                shown = self.show(frame, result, fps.tick(fresh))
                if self.runner.recorder is not None and fresh:
                    self.runner.recorder.write(shown)
                due = max(due + 1.0 / pace, time.perf_counter() - 1.0) if pace else due
                wait = max(1, int((due - time.perf_counter()) * 1000)) if pace else 1
                if not self.key(cv2.waitKey(wait) & 0xFF, frame, result, shown) \
                        or self.closed():
                    break
                now = time.perf_counter()
                if self.running and not self.frozen:
                    summary.seconds += now - tick
                tick = now
                if max_frames is not None and summary.frames >= max_frames:
                    break
                if not self.frozen:
                    frame = self.source.read()
        except SourceError as e:
            summary.stopped = f"stopped: {e}"
        finally:
            cv2.destroyAllWindows()
            cv2.waitKey(1)
        return summary


def open_window(runner: Runner, source: Source, collect: Path | None,
                snapshots: Path) -> Window:
    try:
        return Window(runner, source, collect, snapshots)
    except cv2.error as e:
        raise OSError(f"cannot open a window ({str(e).strip().splitlines()[-1]}); "
                      "use --headless") from None


class FpsMeter:
    """Frames per second over the last `window` new frames."""

    def __init__(self, window: int = 30):
        self.times: deque[float] = deque(maxlen=window)

    def tick(self, new_frame: bool) -> float:
        if new_frame:
            self.times.append(time.perf_counter())
        if len(self.times) < 2:
            return 0.0
        return (len(self.times) - 1) / max(self.times[-1] - self.times[0], 1e-6)


def run_opencv_loop(source: str | int = 0, model: str | os.PathLike | None = None,
                    mode: str = "multi", threshold: int | None = None,
                    min_confidence: float | None = None, headless: bool | None = None,
                    record: str | os.PathLike | None = None,
                    log: str | os.PathLike | None = None, max_frames: int | None = None,
                    smooth: int = SMOOTH_FRAMES, loop: bool = False,
                    collect: str | os.PathLike | None = None,
                    snapshots: str | os.PathLike = "snapshots", echo: bool = False,
                    recognizer: Recognizer | None = None) -> Summary:
    """Read digits from `source` (camera index, video, folder, image or "sample") in the
    paper's window, or headless when asked or when no display is available. Returns a
    Summary; raises SourceError (one-line reason) when the source cannot start."""
    if max_frames is not None and max_frames < 1:
        raise ValueError(f"--max-frames must be at least 1, got {max_frames}")
    if recognizer is None:
        kwargs = {} if min_confidence is None else {"min_confidence": min_confidence}
        recognizer = Recognizer(model, mode, threshold, **kwargs)
    if headless is None:
        reason = no_display_reason()
        headless = bool(reason)
        if headless:
            print(f"digitcam: no display ({reason}): running headless; "
                  "--log and --record keep the readings", file=sys.stderr, flush=True)
    src = open_source(source, loop=loop)
    threads = cv2.getNumThreads()
    cv2.setNumThreads(1)  # frames this small: OpenCV's thread pool costs more than it gains
    try:
        recorder = Recorder(record, src.fps or CAMERA_FPS) if record else None
        runner = Runner(recognizer, smooth, log, recorder, echo=echo and headless)
        try:
            if headless:
                summary = run_headless(src, runner, max_frames)
            else:
                collect_dir = Path(collect) if collect else None
                summary = open_window(runner, src, collect_dir, Path(snapshots)).run(max_frames)
        finally:
            runner.close()  # also on Ctrl-C: the recording is finished and moved into place
        summary.skipped = src.skipped
        return summary
    finally:
        src.close()
        cv2.setNumThreads(threads)


@command("live", "read digits live from a camera, video, folder or the sample clip")
def _live_args(p: argparse.ArgumentParser) -> None:
    p.epilog = __doc__[__doc__.index("Keys in the window"):]
    p.add_argument("--source", default="0",
                   help=f"{SOURCE_HELP} (default 0, the first camera)")
    add_reading_options(p)
    p.add_argument("--headless", action="store_true",
                   help="no window: print each new reading (the default without a display)")
    p.add_argument("--record", metavar="OUT.mp4", help="write the annotated video")
    p.add_argument("--log", metavar="OUT.jsonl", help="one JSON object per frame")
    p.add_argument("--max-frames", type=at_least(1), metavar="N",
                   help="stop after N frames")
    p.add_argument("--smooth", type=at_least(1), default=SMOOTH_FRAMES, metavar="N",
                   help=f"average each digit over N frames (default {SMOOTH_FRAMES}; 1: off)")
    p.add_argument("--loop", action="store_true", help="replay a video or folder forever")
    p.add_argument("--collect", metavar="DIR",
                   help="digit keys save the frozen frame's crops under DIR/<digit>/")
    p.add_argument("--snapshots", metavar="DIR", default="snapshots",
                   help="where the s key saves snapshots (default ./snapshots)")
    p.set_defaults(handler=_live)


def _live(args: argparse.Namespace) -> int:
    recognizer = make_recognizer(args)
    try:
        summary = run_opencv_loop(
            args.source, headless=True if args.headless else None, record=args.record,
            log=args.log, max_frames=args.max_frames, smooth=args.smooth, loop=args.loop,
            collect=args.collect, snapshots=args.snapshots, echo=True, recognizer=recognizer)
    except SourceError as e:
        print(f"digitcam: error: {e}", file=sys.stderr)
        return 1
    print(summary, flush=True)
    return 1 if summary.stopped or summary.skipped else 0
