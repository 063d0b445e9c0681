"""The paper's window, rebuilt: the feed and its overlay, the threshold trackbar, the
'processed' window of model inputs, the mouse and the keys (see command.py for the keys)."""

from __future__ import annotations

import os
import sys
import time
from collections import deque
from pathlib import Path

import cv2
import numpy as np

from .draw import processed_mosaic
from .recorder import save_crops, save_snapshot
from .runner import Result, Runner, Summary, draw, status_line
from .sources import Frame, Source, SourceError

WINDOW = "digitcam"
PROCESSED = "processed"
TRACKBAR = "threshold (0=auto)"
FOLDER_FPS = 1.0            # a folder's images are shown one a second in the window
MESSAGE_SECONDS = 2.0       # how long a message (snapshot saved, ...) stays on screen
KEY_ESC, KEY_SPACE = 27, 32
SYSTEM_FONTS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/truetype",
                "/usr/share/fonts")


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
