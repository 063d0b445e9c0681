"""Where the live loop's frames come from: a camera, a video file, a folder of images, or
the sample clip shipped in the package.

    source = open_source("0")          # camera 0: only the latest frame, reconnects if lost
    source = open_source("clip.mp4")   # a video file (or "sample", or a folder of images)
    while (frame := source.read()) is not None:
        ...
    source.close()

A source that cannot start raises SourceError with a one-line reason; a camera that stops
delivering frames is retried with a bounded back-off, then `read` raises SourceError.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ...assets.registry import SAMPLE
from ...io.images import IMAGE_SUFFIXES, ImageError, quiet_opencv, read_image

RECONNECT_DELAYS = (0.5, 1.0, 2.0)  # seconds before each reconnect attempt, then give up
STALL_SECONDS = 5.0                 # a camera silent this long counts as lost
DEFAULT_VIDEO_FPS = 25.0
SOURCE_HELP = "a camera index (0, 1, ...), a video file, a folder of images, or 'sample'"
MAX_CAMERA_INDEX = 9999             # OpenCV takes a C int; no machine has more cameras


class SourceError(OSError):
    """A source cannot start or was lost; str() is the reason, for one line of output."""


@dataclass
class Frame:
    image: np.ndarray  # BGR (or grey) uint8
    index: int         # 0, 1, ... in the order delivered
    t: float           # seconds: the position in a video; since the start for a camera/folder
    name: str = ""     # the file a folder's frame came from


class Source:
    """Base: `read()` gives the next Frame, or None at the end."""

    name = "source"
    fps: float | None = None   # natural pace (a video's frame rate); None: as fast as it comes
    live = False               # a camera: frames are dropped, never queued
    skipped = 0                # files that could not be read (a folder's), each said once
    stills = False             # a folder's photos, unrelated to one another
    hold_last = False          # one photo: the window keeps it on screen until q
    inputs: list[Path] = []    # the files it reads (no output may overwrite one)

    def read(self) -> Frame | None:
        raise NotImplementedError

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _quiet_capture(target, *args) -> cv2.VideoCapture:
    """cv2.VideoCapture without OpenCV's own warnings on stderr."""
    with quiet_opencv():
        return cv2.VideoCapture(target, *args)


def _good(image) -> bool:
    return image is not None and getattr(image, "size", 0) > 0


class CameraSource(Source):
    """A camera read by a background thread that keeps only the latest frame, so the loop
    never works on a stale one. Lost frames: reconnect after each of `delays`, then stop."""

    live = True

    def __init__(self, index: int, opener: Callable[[int], object] | None = None,
                 delays: tuple[float, ...] = RECONNECT_DELAYS, stall: float = STALL_SECONDS):
        self.index, self.name = index, f"camera {index}"
        self._open = opener or (lambda i: _quiet_capture(i))
        self.delays, self.stall = delays, stall
        self._cap = self._connect()
        if self._cap is None:
            raise SourceError(f"no camera at index {index}; use --source with {SOURCE_HELP}")
        self._cond = threading.Condition()
        self._latest: np.ndarray | None = None
        self._count = 0      # frames grabbed so far
        self._taken = 0      # the count of the last frame handed out
        self._error: str | None = None
        self._stop = False
        self._start = time.monotonic()
        self._thread = threading.Thread(target=self._grab, name="digitcam-camera", daemon=True)
        self._thread.start()

    def _connect(self):
        try:
            cap = self._open(self.index)
        except cv2.error:  # a driver or index OpenCV refuses: no camera there
            return None
        if cap is None or not cap.isOpened():
            if cap is not None:
                cap.release()
            return None
        cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)  # drivers that honour it queue no old frames
        return cap

    def _grab(self) -> None:
        failures = 0
        while not self._stop:
            ok, image = self._cap.read() if self._cap is not None else (False, None)
            if ok and _good(image):
                failures = 0
                with self._cond:
                    self._latest, self._count = image, self._count + 1
                    self._cond.notify_all()
                continue
            if failures >= len(self.delays):
                self._fail(f"{self.name} stopped delivering frames; gave up after "
                           f"{failures} reconnect attempts")
                return
            self._reconnect(self.delays[failures])
            failures += 1

    def _reconnect(self, delay: float) -> None:
        print(f"digitcam: {self.name}: no frame, reconnecting in {delay:g} s",
              file=sys.stderr, flush=True)
        if self._cap is not None:
            self._cap.release()
        time.sleep(delay)
        self._cap = None if self._stop else self._connect()

    def _fail(self, reason: str) -> None:
        with self._cond:
            self._error = reason
            self._cond.notify_all()

    def read(self) -> Frame:
        deadline = time.monotonic() + self.stall + sum(self.delays)
        with self._cond:
            while self._count == self._taken and self._error is None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise SourceError(f"{self.name} delivered no frame for "
                                      f"{self.stall + sum(self.delays):g} s")
                self._cond.wait(left)
            if self._count == self._taken:
                raise SourceError(self._error)
            self._taken = self._count
            return Frame(self._latest, self._taken - 1, time.monotonic() - self._start)

    def close(self) -> None:
        self._stop = True
        self._thread.join(timeout=2.0)
        if self._cap is not None:
            self._cap.release()


class VideoSource(Source):
    """Every frame of a video file, in order, timed by the file's frame rate."""

    def __init__(self, path: str | Path, loop: bool = False, name: str | None = None):
        self.path, self.loop = Path(path), loop
        self.name, self.inputs = name or str(path), [self.path]
        self._cap = _quiet_capture(str(self.path), cv2.CAP_FFMPEG)
        ok, first = self._cap.read() if self._cap.isOpened() else (False, None)
        if not ok or not _good(first):
            self._cap.release()
            raise SourceError(f"{self.name}: not a readable video")
        fps = self._cap.get(cv2.CAP_PROP_FPS)
        self.fps = fps if 0 < fps < 1000 else DEFAULT_VIDEO_FPS
        self._pending: np.ndarray | None = first
        self._index = 0

    def read(self) -> Frame | None:
        image, self._pending = self._pending, None
        if image is None:
            ok, image = self._cap.read()
            if not ok or not _good(image):
                if not self.loop or self._index == 0:
                    return None
                self._cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
                ok, image = self._cap.read()
                if not ok or not _good(image):
                    return None
        frame = Frame(image, self._index, self._index / self.fps)
        self._index += 1
        return frame

    def close(self) -> None:
        self._cap.release()


class FolderSource(Source):
    """The images of a folder in name order (or one image file); an unreadable file is
    skipped with a one-line warning, once (a looping folder drops it), and counted."""

    def __init__(self, paths: list[Path], name: str, loop: bool = False):
        if not paths:
            raise SourceError(f"{name}: no images in it "
                              f"({', '.join(sorted(s[1:] for s in IMAGE_SUFFIXES))})")
        self.paths, self.name, self.loop = paths, name, loop
        self.stills, self.hold_last = True, len(paths) == 1 and not loop
        self.inputs = list(paths)
        self._next, self._index = 0, 0
        self._start = time.monotonic()

    @classmethod
    def of_folder(cls, folder: Path, loop: bool = False) -> FolderSource:
        paths = sorted(p for p in folder.iterdir()
                       if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
        return cls(paths, str(folder), loop)

    def read(self) -> Frame | None:
        while True:  # each turn hands out a frame, ends, or drops a bad file
            if self._next >= len(self.paths):
                if not self.loop or self._index == 0 or not self.paths:
                    return None
                self._next = 0
            path = self.paths[self._next]
            try:
                image = read_image(path)
            except ImageError as e:
                print(f"digitcam: {path}: {e} (skipped)", file=sys.stderr, flush=True)
                del self.paths[self._next]
                self.skipped += 1
                continue
            self._next += 1
            frame = Frame(image, self._index, time.monotonic() - self._start, path.name)
            self._index += 1
            return frame


def open_source(spec: str | int, loop: bool = False,
                camera_opener: Callable[[int], object] | None = None) -> Source:
    """A camera index, 'sample', a folder, an image file or a video file -> Source."""
    text = str(spec).strip()
    if text.isdigit():
        if int(text) > MAX_CAMERA_INDEX:
            raise SourceError(f"no camera at index {text} (camera indices are 0-"
                              f"{MAX_CAMERA_INDEX}); use --source with {SOURCE_HELP}")
        return CameraSource(int(text), camera_opener)
    if text == "sample":
        if not SAMPLE.exists():
            raise SourceError(f"the sample clip is missing from the package ({SAMPLE})")
        return VideoSource(SAMPLE, loop, name="sample")
    path = Path(text).expanduser()
    if path.is_dir():
        return FolderSource.of_folder(path, loop)
    if not path.exists():
        raise SourceError(f"{text}: no such file or folder (--source takes {SOURCE_HELP})")
    if path.suffix.lower() in IMAGE_SUFFIXES:
        return FolderSource([path], text, loop)
    return VideoSource(path, loop)
