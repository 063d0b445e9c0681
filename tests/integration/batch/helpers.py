"""Shared helpers of the tests of `digitcam batch`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np


def digit_png(text: str, size: int = 48) -> bytes:
    """A small PNG of `text` drawn in thick dark strokes on white (the reader finds digits)."""
    image = np.full((size, size * max(1, len(text))), 255, np.uint8)
    cv2.putText(image, text, (4, size - 8), cv2.FONT_HERSHEY_SIMPLEX, size / 30, 0, 3)
    return cv2.imencode(".png", image)[1].tobytes()


def make_images(folder: Path, count: int, kinds: int = 10, size: int = 48) -> list[str]:
    """`count` image files in `folder` (in subfolders of 1,000), from `kinds` distinct PNGs;
    returns their paths in the order a folder input yields them."""
    blobs = [digit_png(str(i % 10) * (1 + i // 10), size) for i in range(kinds)]
    paths = []
    for i in range(count):
        sub = folder / f"part{i // 1000:04d}"
        if i % 1000 == 0:
            sub.mkdir(parents=True, exist_ok=True)
        path = sub / f"img{i:06d}.png"
        path.write_bytes(blobs[i % kinds])
        paths.append(str(path))
    return paths


def digitcam(*args: str, cwd: Path | None = None, timeout: float = 120):
    return subprocess.run([sys.executable, "-m", "digitcam", *args], capture_output=True,
                          text=True, timeout=timeout, cwd=cwd, env=_env())


def start_digitcam(*args: str) -> subprocess.Popen:
    """`digitcam` in its own process group (a kill of the group kills its workers too),
    with Ctrl-C's default disposition: a test run started in the background by a shell
    (`.ci/run &`) ignores SIGINT, its children inherit that, and Python then leaves it
    ignored, so the Ctrl-C test would read a batch that never stopped."""
    return subprocess.Popen([sys.executable, "-m", "digitcam", *args], env=_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, preexec_fn=_default_sigint)


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _env() -> dict:
    src = str(Path(__file__).resolve().parents[3] / "src")
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [src, os.environ.get(
        "PYTHONPATH")]))}


def rows_of(out: Path) -> list[dict]:
    """The rows of a results file of any format, as `predict --json` objects."""
    if out.suffix == ".jsonl":
        return [json.loads(line) for line in out.read_text().splitlines()]
    if out.suffix == ".csv":
        import csv

        with open(out, newline="") as f:
            return [_clean({k: v if k in ("path", "text", "error") or not v else json.loads(v)
                            for k, v in r.items()}) for r in csv.DictReader(f)]
    import pyarrow.parquet as pq

    return [_clean(r) for r in pq.read_table(out).to_pylist()]


def _clean(row: dict) -> dict:
    """The JSONL form of a row: an error row has path and error only, a reading no error."""
    if row.get("error"):
        return {"path": row["path"], "error": row["error"]}
    return {k: v for k, v in row.items() if k != "error"}


def by_path(rows: list[dict]) -> dict[str, dict]:
    return {row["path"]: row for row in rows}
