"""The paper's window, rebuilt: the feed and its overlay fitted to the screen, the threshold
trackbar, the 'processed' window of model inputs, the mouse and the keys (KEYS; command.py
documents them too; h or ? shows them on screen)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import cv2
import numpy as np

from ...reader import MODES
from ...regions import Detection
from ..annotate import YELLOW
from .draw import key_help, processed_mosaic
from .recorder import save_crops, save_snapshot
from .runner import FpsMeter, Result, Runner, Summary, draw, mosaic_labels, scaled, status_line
from .screen import place, screen_size
from .sources import Frame, Source, SourceError

WINDOW = "digitcam"
PROCESSED = "processed"
TRACKBAR = "threshold (0=auto)"
TRACKBAR_PX = 31            # the trackbar's height under the feed (Qt), in a resized window
CLOSED_FRAMES = 3           # 'processed' missing this many frames in a row was closed
FOLDER_FPS = 1.0            # a folder's images are shown one a second in the window
MESSAGE_SECONDS = 2.0       # how long a message (snapshot saved, ...) stays on screen
KEY_ESC, KEY_SPACE = 27, 32
KEYS = [("click", "start / pause reading"), ("space", "freeze / resume the feed"),
        ("click", "frozen, --collect: pick the digit to save"),
        ("0-9", "frozen, --collect: save the digit in view as that"),
        ("m", "mode: learned / multi (components) / roi (central box)"), ("s", "save a snapshot"),
        ("trackbar", "binarisation threshold, 0: auto"), ("h, ?", "show / hide these keys"),
        ("q, Esc", "quit")]
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


class Window:
    """The paper's window: feed and overlay, threshold trackbar, mouse and keys."""

    def __init__(self, runner: Runner, source: Source, collect: Path | None,
                 snapshots: Path):
        self.runner, self.source = runner, source
        self.recognizer = runner.recognizer
        self.collect, self.snapshots = collect, snapshots
        self.running = not source.live  # recognition on (a click toggles it); a camera
        self.frozen = False             # waits for a click, as in the paper; files do not
        self.help = False               # the keys shown over the feed (h, ?)
        self.selected: Detection | None = None  # the digit a click picked, to --collect
        self.reread = False             # read the frame again (m on a frozen frame)
        self.message, self.message_until = "", 0.0
        self._result: Result | None = None
        _qt_fonts()
        # The feed scales to the screen (no Qt toolbar, as in the paper); 'processed' keeps
        # its size; both are placed when the first frame, or a frame of another size, comes.
        cv2.namedWindow(WINDOW, cv2.WINDOW_NORMAL | cv2.WINDOW_KEEPRATIO | cv2.WINDOW_GUI_NORMAL)
        cv2.namedWindow(PROCESSED, cv2.WINDOW_AUTOSIZE | cv2.WINDOW_GUI_NORMAL)
        self.processed_open, self._processed_gone = True, 0
        self._placed_for: tuple[int, int] | None = None
        self._scale = 1.0                # the feed as shown / the frame
        self._screen = screen_size()
        t = self.recognizer.threshold
        cv2.createTrackbar(TRACKBAR, WINDOW, 0 if t is None else max(1, int(t)), 255,
                           lambda _: None)
        cv2.setMouseCallback(WINDOW, self._on_mouse)

    def _on_mouse(self, event, x, y, flags, param) -> None:
        if event != cv2.EVENT_LBUTTONDOWN:
            return
        if self.frozen and self.collect is not None and self._result is not None:
            x, y = x / self._scale, y / self._scale  # the feed is shown resized
            hit = [d for d in self.recognizer.confident(self._result.raw)
                   if d.box[0] <= x < d.box[0] + d.box[2] and d.box[1] <= y < d.box[1] + d.box[3]]
            if hit:  # a click on a digit of the frozen frame picks it for the digit keys
                self.selected = hit[0]
                self.say(f"picked the {hit[0].digit}: press its true digit to save it")
                return
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

    def _hint(self) -> str:
        if self.running:
            return ""
        if self.source.live:
            return "click the picture to start reading (h: keys)"
        return "paused: click the picture to go on reading"

    def show(self, frame: Frame, result: Result | None, fps: float) -> np.ndarray:
        """Draw the feed (and 'processed', while open); the feed as shown, for --record."""
        message = self.message if time.monotonic() < self.message_until else self._hint()
        latency = result.latency_ms if result else 0.0
        status = status_line(self.recognizer, fps, latency, self._state()) + " | h: keys"
        result = result if self.running else None
        self._result = result
        size = self._place(frame.image.shape[1], frame.image.shape[0])
        self._scale = size[0] / frame.image.shape[1]
        image = frame.image if self._scale == 1.0 else \
            cv2.resize(frame.image, size, interpolation=cv2.INTER_AREA)
        shown = draw(result, image, self.recognizer, status, message, self._scale)
        if self.selected is not None:
            x, y, w, h = scaled(self.selected, self._scale).box
            cv2.rectangle(shown, (x - 6, y - 6), (x + w + 6, y + h + 6), YELLOW, 3)
        cv2.imshow(WINDOW, key_help(shown.copy(), KEYS) if self.help else shown)
        self._show_processed(result)
        return shown

    def _show_processed(self, result: Result | None) -> None:
        """The model's inputs, captioned as the overlay is. Closed by the user, it stays
        closed: nothing is shown while it is missing (imshow would open it again)."""
        if not self.processed_open:
            return
        if self._placed_for is not None and not _visible(PROCESSED):
            self._processed_gone += 1
            self.processed_open = self._processed_gone < CLOSED_FRAMES
            return
        self._processed_gone = 0
        raw = result.raw if result else []
        labels = mosaic_labels(result) if result else []
        cv2.imshow(PROCESSED, processed_mosaic([d.crop for d in raw], labels))

    def _place(self, width: int, height: int) -> tuple[int, int]:
        """The size the feed is shown at, fitted to the screen; the windows are placed,
        'processed' beside or below the feed, on the first frame and on a new size."""
        size, processed_at = place((width, height), self._screen)
        if self._placed_for != (width, height):
            cv2.resizeWindow(WINDOW, size[0], size[1] + TRACKBAR_PX)
            cv2.moveWindow(WINDOW, 0, 0)
            if self.processed_open:
                cv2.moveWindow(PROCESSED, *processed_at)
            self._placed_for = (width, height)
        return size

    def closed(self) -> bool:
        return not _visible(WINDOW)

    def key(self, key: int, frame: Frame, result: Result | None, shown: np.ndarray) -> bool:
        """Act on a key; False to quit."""
        if key in (ord("q"), KEY_ESC):
            return False
        if key == KEY_SPACE:
            self.frozen, self.selected = not self.frozen, None
        elif key in (ord("h"), ord("?")):
            self.help = not self.help
        elif key == ord("m"):
            modes = list(MODES)
            self.recognizer.mode = modes[(modes.index(self.recognizer.mode) + 1) % len(modes)]
            self.runner.smoother.reset()
            self.reread, self.selected = True, None  # a frozen frame is read again
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
            digits = [self.selected] if self.selected else self.recognizer.confident(raw)
            if len(digits) != 1:
                self.say("no digit in view to save" if not digits else
                         f"{len(digits)} digits in view: click the one to save, then its digit")
                return
            try:
                path, = save_crops(frame.image, digits, self.collect, label)
            except OSError as e:
                self.complain(str(e))
            else:
                print(f"digitcam: saved {path} as {label} (read as {digits[0].digit})",
                      flush=True)
                self.say(f"saved as {label} (read as {digits[0].digit}): {path.name}")
                self.selected = None

    def run(self, max_frames: int | None = None) -> Summary:
        """Until q/Esc, the window closed, the end of the source or max_frames. The
        summary's time counts only while recognition runs on a moving feed."""
        summary = Summary(self.source.name, stills=self.source.stills)
        pace = self.source.fps or (None if self.source.live else FOLDER_FPS)
        fps = FpsMeter()
        due = tick = time.perf_counter()
        frame, previous = self.source.read(), None
        result: Result | None = None
        try:
            while frame is not None:
                fresh = frame is not previous
                previous = frame
                changed = self._threshold_changed() or self.reread  # the trackbar, m
                self.reread = False
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
                    frame = self.source.read() or (frame if self.source.hold_last else None)
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


def _visible(name: str) -> bool:
    try:
        return cv2.getWindowProperty(name, cv2.WND_PROP_VISIBLE) >= 1
    except cv2.error:
        return False
