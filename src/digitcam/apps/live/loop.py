"""Live recognition: the paper's real-time OpenCV loop, rebuilt to read real pages.

    from digitcam import run_opencv_loop
    summary = run_opencv_loop("sample", headless=True, log="readings.jsonl")
    print(summary)

The window is window.py, the headless loop and what both share runner.py, what a run
writes recorder.py; `digitcam live` (command.py) documents the keys and the log.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import cv2

from ...reader import Recognizer
from .recorder import Recorder, refuse_overwrites
from .runner import Runner, Summary, run_headless
from .screen import no_display_reason
from .sources import open_source
from .tracking import SMOOTH_FRAMES
from .window import open_window

CAMERA_FPS = 30.0           # the frame rate written to --record for a camera


def run_opencv_loop(source: str | int = 0, model: str | os.PathLike | None = None,
                    mode: str | None = None, threshold: int | None = None,
                    min_confidence: float | None = None, headless: bool | None = None,
                    record: str | os.PathLike | None = None,
                    log: str | os.PathLike | None = None, max_frames: int | None = None,
                    smooth: int = SMOOTH_FRAMES, loop: bool = False,
                    collect: str | os.PathLike | None = None,
                    snapshots: str | os.PathLike = "snapshots", echo: bool = False,
                    recognizer: Recognizer | None = None, once: bool = False) -> Summary:
    """Read digits from `source` (camera index, video, folder, image or "sample") in the
    paper's window, or headless when asked or when no display is available. Returns a
    Summary; raises SourceError (one-line reason) when the source cannot start. `once`:
    each number read once a frame (Recognizer's once), when no recognizer is given."""
    if max_frames is not None and max_frames < 1:
        raise ValueError(f"--max-frames must be at least 1, got {max_frames}")
    if recognizer is None:
        kwargs = {} if min_confidence is None else {"min_confidence": min_confidence}
        recognizer = Recognizer(model, mode, threshold, once=once, **kwargs)
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
        refuse_overwrites(src.inputs, {"--record": record, "--log": log})
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
