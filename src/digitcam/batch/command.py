"""`digitcam batch`: the subcommand's options and handler, registered with the CLI.

The only module of digitcam.batch that knows the CLI; to wire the subcommand into another
CLI, call `add_arguments(parser)` and run `handle(args)` (it returns the exit code).
"""

from __future__ import annotations

import argparse
import sys

from ..apps.commands import command
from ..apps.options import ReadingOptions, add_reading_options, at_least

HELP = "read many images (files, folders, globs, manifests) into a JSONL, CSV or Parquet file"
EPILOG = """\
INPUT: an image file, a folder (read recursively), a glob such as 'scans/**/*.png'
(quoted), or a manifest: a .txt/.lst file of paths, one per line, or a .csv file with a
'path' column. RESULTS: .jsonl (the rows of `predict --json`), .csv or .parquet.
An existing RESULTS is refused unless --resume (read only the inputs not in it yet, and
append) or --overwrite. Ctrl-C or SIGTERM leave a valid RESULTS of the rows done."""


@command("batch", HELP)
def add_arguments(p: argparse.ArgumentParser) -> None:
    p.description, p.epilog = HELP, EPILOG
    p.add_argument("inputs", nargs="+", metavar="INPUT",
                   help="image files, folders, globs or manifests")
    p.add_argument("--out", required=True, metavar="RESULTS",
                   help="results file: .jsonl, .csv or .parquet")
    p.add_argument("--workers", type=at_least(1), default=None,
                   help="worker processes (local) or actors (ray); default: the CPU cores "
                        "(with --ray-address: the cluster's CPUs)")
    p.add_argument("--engine", choices=("local", "ray"), default="local",
                   help="local: a process pool on this machine (default); ray: Ray Data "
                        "(needs the ray extra)")
    p.add_argument("--ray-address", default=None, metavar="ADDR",
                   help="Ray cluster to join (e.g. ray://head:10001 or auto; implies "
                        "--engine ray); default: start a local Ray")
    again = p.add_mutually_exclusive_group()
    again.add_argument("--resume", action="store_true",
                       help="skip the inputs already in RESULTS and append the others")
    again.add_argument("--overwrite", action="store_true", help="replace an existing RESULTS")
    add_reading_options(p)
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress bar on stderr (default: when stderr is a terminal)")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from . import Interrupted, run_batch

    if args.ray_address and args.engine != "ray":
        args.engine = "ray"  # an address only means something to the ray engine
    reading = ReadingOptions.from_args(args)  # validated: a bad value is one line
    try:
        summary = run_batch(
            args.inputs, args.out, workers=args.workers, engine=args.engine,
            ray_address=args.ray_address, resume=args.resume, overwrite=args.overwrite,
            model=args.model, mode=reading.mode, threshold=reading.threshold,
            min_confidence=reading.min_confidence, progress=args.progress)
    except Interrupted as stop:
        done = stop.summary.line() if stop.summary else ""
        print(f"digitcam: batch stopped by {stop.how}: {done}; --resume continues it",
              file=sys.stderr)
        return 143 if stop.how == "SIGTERM" else 130
    print(f"digitcam: batch: {summary.line()}", file=sys.stderr)
    return 0
