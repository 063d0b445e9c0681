"""Live recognition: the paper's real-time OpenCV loop, rebuilt to read real pages.

Usage:
    digitcam live [--source 0|VIDEO|FOLDER|IMAGE|sample] [--mode learned|multi|roi]
                  [--threshold N|auto] [--min-confidence P] [--model NAME|PATH]
                  [--headless] [--record OUT.mp4] [--log OUT.jsonl] [--max-frames N]
                  [--smooth N] [--loop] [--collect DIR] [--snapshots DIR]

Sources: a camera index (only its latest frame is read, so there is no lag; a lost camera
is retried a few times, then the run ends saying so), a video file, a folder of images,
one image, or `sample`, a short clip shipped in the package. A video ends with a summary.

Keys in the window (shown when a display is available; without one the run is headless).
A video, folder, image or `sample` is read at once; a camera waits for a click, as in the
paper. The window is fitted to the screen, 'processed' beside or below it.
    h, ?         show / hide these keys on the feed
    click        start / pause recognition (the feed keeps playing)
    space        freeze / resume the feed
    0-9          while frozen, with --collect DIR: save the digit in view as that digit,
                 under DIR/<digit>/ (a fine-tuning dataset); with several digits in view,
                 first click the one to save. What was saved is said on screen and stdout.
    m            switch mode: learned -> multi (components) -> roi (the paper's box); a
                 frozen frame is read again
    s            save a snapshot (frame, annotated frame, model inputs) in --snapshots
    q, Esc       quit; closing the window does too (closing 'processed' just hides it)
    trackbar     binarisation threshold; 0 means auto
The 'processed' window shows the 28x28 inputs the model receives, enlarged, side by side,
each captioned with the digit and confidence the overlay shows for it. One image as
--source stays on screen until q. A folder's photos are read one by one, each afresh (no
smoothing carried from one to the next), and the summary lists each photo's reading.

Headless (--headless, or no display): no window; each change of the reading is printed,
--log writes one JSON object per frame (each line flushed as written), --record the
annotated video (.mp4 or .avi; written to a hidden .OUT.partial.mp4 beside OUT and renamed
into place when the run ends, so a killed run never leaves a broken OUT):
    {"frame": i, "t": seconds, "text": "...", "lines": [...],
     "digits": [{"digit", "confidence", "box", "line"}],
     "raw": {"text": "...", "digits": [...]}, "latency_ms": ..., "mode": "multi"}
`text`/`digits` are the smoothed reading (probabilities averaged over --smooth frames of
each tracked box); `raw` is this frame's own; `t` is the position in a video, or seconds
since the start for a camera or folder; latency is the recogniser's, capture excluded.
The exit code is 1 when the run was stopped (camera lost) or a folder's file was skipped.
"""

from __future__ import annotations

import argparse
import sys

from ..commands import command
from ..options import add_reading_options, at_least, make_recognizer
from .sources import SOURCE_HELP, SourceError
from .tracking import SMOOTH_FRAMES


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
    p.add_argument("--smooth", type=at_least(1, 1000), default=SMOOTH_FRAMES, metavar="N",
                   help=f"average each digit over N frames (default {SMOOTH_FRAMES}; 1: off)")
    p.add_argument("--once", action="store_true",
                   help="read each number once a frame, as written, not at five widths that "
                        "vote: about a third less time a frame, a little less accurate "
                        "(the overlay still averages each digit over frames)")
    p.add_argument("--loop", action="store_true", help="replay a video or folder forever")
    p.add_argument("--collect", metavar="DIR",
                   help="digit keys save the frozen frame's crops under DIR/<digit>/")
    p.add_argument("--snapshots", metavar="DIR", default="snapshots",
                   help="where the s key saves snapshots (default ./snapshots)")
    p.set_defaults(handler=_live)


def _live(args: argparse.Namespace) -> int:
    from .loop import run_opencv_loop

    recognizer = make_recognizer(args, once=args.once)
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
