"""A batch killed mid-way (SIGKILL of the whole process group, or SIGTERM) and resumed ends
with every input exactly once, in every results format."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from .helpers import digitcam, make_images, rows_of, start_digitcam

COUNT = 1500


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("kill")
    make_images(folder, COUNT, kinds=10)
    return folder


def lines_in(path: Path) -> int:
    try:
        return path.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


def start_and_stop(folder: Path, out: Path, how: signal.Signals) -> int:
    """Start a 1-worker batch, send `how` once 100 rows are on disk; its exit code."""
    written = out.with_name(out.name + ".partial.jsonl") if out.suffix == ".parquet" else out
    batch = start_digitcam("batch", str(folder), "--out", str(out), "--workers", "1")
    deadline = time.monotonic() + 60
    while lines_in(written) < 100 and batch.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert batch.poll() is None, f"the batch ended before it could be stopped: {batch.stderr}"
    if how == signal.SIGKILL:
        os.killpg(batch.pid, signal.SIGKILL)  # the driver and its workers, as in a crash
    else:
        batch.send_signal(how)
    _, stderr = batch.communicate(timeout=60)
    assert "Traceback" not in stderr, stderr
    return batch.returncode


def check_exactly_once(folder: Path, out: Path) -> None:
    paths = [r["path"] for r in rows_of(out)]
    assert len(paths) == len(set(paths)) == COUNT
    assert set(paths) == {str(p) for p in folder.rglob("*.png")}


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
def test_sigkill_then_resume_loses_and_doubles_nothing(folder, tmp_path, suffix):
    out = tmp_path / f"results{suffix}"
    assert start_and_stop(folder, out, signal.SIGKILL) == -signal.SIGKILL
    if suffix != ".parquet":  # a kill in the middle of a write leaves a partial line
        with open(out, "a") as f:
            f.write('{"path": "' if suffix == ".jsonl" else "/some/path.png,12")
    resumed = digitcam("batch", str(folder), "--out", str(out), "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert " already in " in resumed.stderr
    check_exactly_once(folder, out)


@pytest.mark.parametrize("suffix, how, code", [(".parquet", signal.SIGTERM, 143),
                                                (".csv", signal.SIGINT, 130)])
def test_sigterm_or_ctrl_c_leave_a_valid_file_of_the_rows_done(folder, tmp_path, suffix, how,
                                                               code):
    out = tmp_path / f"results{suffix}"
    assert start_and_stop(folder, out, how) == code
    done = rows_of(out)  # readable as it is: Parquet closed properly, every line whole
    assert 100 <= len(done) < COUNT
    assert not Path(str(out) + ".partial.jsonl").exists()
    resumed = digitcam("batch", str(folder), "--out", str(out), "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert f", {len(done)} already in " in resumed.stderr
    check_exactly_once(folder, out)
