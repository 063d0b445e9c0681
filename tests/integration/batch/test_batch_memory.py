"""Memory of `digitcam batch` does not grow with the number of inputs: paths are streamed,
a bounded number of chunks is in flight, rows are written as they come, never kept.

The driver's peak RSS is measured in a fresh process for a small and a large folder of tiny
images; the difference may only be the set of paths seen (for --resume and duplicates,
about 150 bytes a path), far below what keeping the rows would cost (over 1 KB a row).
The engine is measured, not the reader: the fast components pipeline (mode multi) reads."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from .helpers import _env, make_images

PEAK = """
import json, resource, sys
from digitcam.batch import run_batch
summary = run_batch([sys.argv[1]], sys.argv[2], workers=2, progress=False, mode="multi")
print(json.dumps({"rows": summary.rows,
                  "driver_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "worker_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


def peak_memory(folder, out) -> dict:
    result = subprocess.run([sys.executable, "-c", PEAK, str(folder), str(out)],
                            capture_output=True, text=True, timeout=300, env=_env())
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def growth_with_count(tmp_path, count: int) -> tuple[dict, dict]:
    make_images(tmp_path / "many", count, kinds=10, size=12)
    small = peak_memory(tmp_path / "many" / "part0000", tmp_path / "small.jsonl")
    large = peak_memory(tmp_path / "many", tmp_path / "large.jsonl")
    assert (small["rows"], large["rows"]) == (1000, count)
    return small, large


def test_memory_does_not_grow_with_20000_inputs(tmp_path):
    small, large = growth_with_count(tmp_path, 20_000)
    assert large["driver_mb"] - small["driver_mb"] < 12, (small, large)  # 600 B per input
    assert large["worker_mb"] - small["worker_mb"] < 12, (small, large)


@pytest.mark.slow
def test_memory_does_not_grow_with_100000_inputs(tmp_path):
    small, large = growth_with_count(tmp_path, 100_000)
    assert large["driver_mb"] - small["driver_mb"] < 40, (small, large)  # 400 B per input
    assert large["worker_mb"] - small["worker_mb"] < 12, (small, large)
