"""Read large sets of images into one results file: `digitcam batch` and its Python API.

    from digitcam.batch import run_batch
    summary = run_batch(["scans/", "more/*.png", "list.txt"], "results.jsonl", workers=8)
    print(summary.line())

Inputs (inputs.py): files, folders (recursive), globs and manifests, streamed. Results
(writers.py): .jsonl, .csv or .parquet, one row per input, written and flushed as they come,
resumable. Engines: `local` (local.py, a process pool) and `ray` (ray_engine.py, Ray Data
with one recogniser per actor; needs the ray extra). The image reader and the recogniser are
imported in reading.py only. The `batch` subcommand is registered in command.py.
"""

from __future__ import annotations

from .inputs import BatchError
from .run import ENGINES, Interrupted, Summary, run_batch

__all__ = ["ENGINES", "BatchError", "Interrupted", "Summary", "run_batch"]
