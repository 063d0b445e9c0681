"""Every subcommand given hostile arguments answers in one line and a non-zero exit code,
never a traceback (issue 13, points 1, 2, 4, 6, 9, 12, 19). Run in-process through
`digitcam.apps.cli.main`, so an exception that escapes fails the test with its traceback."""

from __future__ import annotations

import errno
import shutil

import cv2
import numpy as np
import pytest

from digitcam.apps import cli
from digitcam.assets.registry import SAMPLE, available_models


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("hostile")
    (d / "random.onnx").write_bytes(np.random.default_rng(0).bytes(4000))
    shutil.copy(SAMPLE, d / "v.mp4")
    cv2.imwrite(str(d / "p.png"), np.full((40, 40), 255, np.uint8))
    (d / "digits" / "3").mkdir(parents=True)
    cv2.imwrite(str(d / "digits" / "3" / "a.png"), np.full((40, 40), 255, np.uint8))
    return d


@pytest.fixture(autouse=True)
def no_server(monkeypatch):
    """A hostile `serve` that got through would serve forever: fail instead."""
    uvicorn = pytest.importorskip("uvicorn")

    def started(self, *args, **kwargs):
        raise AssertionError("the server started")

    monkeypatch.setattr(uvicorn.Server, "run", started)


def run(argv: list[str], capsys) -> tuple[int, str]:
    try:
        code = cli.main(argv)
    except SystemExit as e:  # argparse's usage errors
        code = e.code
    err = capsys.readouterr().err
    return code, err


HOSTILE = [
    ["live", "--source", "2147483648", "--headless"],                   # point 1
    ["live", "--source", "99999999999999999999999", "--headless"],
    ["live", "--source", "-1", "--headless"],
    ["live", "--source", "{d}/v.mp4", "--headless", "--log", "{d}/v.mp4"],  # point 9
    ["live", "--source", "{d}/v.mp4", "--headless", "--record", "{d}/./v.mp4"],
    ["live", "--source", "{d}/p.png", "--headless", "--log", "{d}/p.png"],
    ["live", "--source", "{d}", "--headless", "--log", "{d}/p.png"],
    ["live", "--source", "sample", "--headless", "--record", "{d}/x.mp4", "--log", "{d}/x.mp4"],
    ["live", "--source", "sample", "--headless", "--record", str(SAMPLE)],
    ["live", "--source", "sample", "--headless", "--log", "/proc/digitcam.jsonl"],
    ["live", "--source", "sample", "--headless", "--record", "/proc/x.mp4"],
    ["live", "--source", "sample", "--max-frames", "0"],
    ["live", "--source", "sample", "--smooth", "99999999999999999999"],
    ["serve", "--max-upload-mb", "inf"],                                # point 2
    ["serve", "--max-upload-mb", "nan"],
    ["serve", "--max-upload-mb", "1e-9"],
    ["serve", "--max-upload-mb", "-1"],
    ["serve", "--max-upload-mb", "1e999"],
    ["serve", "--max-upload-mb", "ten"],
    ["serve", "--threads", "0"],
    ["serve", "--port", "99999999999999999999"],
    ["serve", "--model", "{d}/random.onnx"],
    ["ensemble", "{d}/random.onnx", "cnn", "--out", "{d}/e"],           # point 4
    ["ensemble", "cnn", "--out", "{d}/e"],
    ["ensemble", "nope", "cnn", "--out", "{d}/e"],
    ["train", "--stop-at", "abc"],                                      # point 19
    ["train", "--stop-at", "nan"],
    ["train", "--stop-at", "inf"],
    ["train", "--epochs", "0"],
    ["finetune", "--dataset", "{d}/digits", "--mnist", "-5"],
    ["finetune", "--dataset", "{d}/digits", "--holdout", "nan"],
    ["finetune", "--dataset", "{d}/digits", "--epochs", "-1"],
    ["evaluate", "--out", "/nonexistent-digitcam/dir"],                 # point 12
    ["evaluate", "--out", "{d}/p.png"],
    ["evaluate", "--out", "{d}", "--limit", "5"],                       # not a report folder
    ["evaluate", "--data-dir", "/nonexistent-digitcam/mnist", "--out", "{d}/rep", "--limit", "5"],
    ["evaluate", "--data-dir", "{d}/p.png", "--out", "{d}/rep", "--limit", "5"],
    ["predict", "--threshold", "nan", "{d}/p.png"],
    ["predict", "--min-confidence", "nan", "{d}/p.png"],
    ["predict", "--model", "/dev/zero", "{d}/p.png"],
    ["predict", "--mode", "nope", "{d}/p.png"],
]


@pytest.mark.parametrize("argv", HOSTILE, ids=[" ".join(a) for a in HOSTILE])
def test_hostile_arguments_get_one_line(argv, files, capsys):
    before = sorted(p.name for p in files.iterdir())
    code, err = run([a.format(d=files) for a in argv], capsys)
    assert code not in (0, None), err
    assert "Traceback" not in err
    last = err.strip().splitlines()[-1]
    assert last.startswith("digitcam"), err
    assert sorted(p.name for p in files.iterdir()) == before  # nothing written, nothing lost
    assert (files / "v.mp4").stat().st_size == SAMPLE.stat().st_size
    assert (files / "p.png").stat().st_size > 0
    assert not any(p.exists() for p in (files / "rep", files / "e.onnx", files / "e.json"))


def test_nothing_is_created_for_a_mistyped_folder(files, capsys):
    from pathlib import Path

    assert not Path("/nonexistent-digitcam").exists()


def test_a_full_disk_under_the_log_names_the_log(capsys):
    code, err = run(["live", "--source", "sample", "--headless", "--log", "/dev/full"], capsys)
    assert code == 1
    assert err.strip() == ("digitcam: error: /dev/full: cannot write the log "
                           "(No space left on device)")


def test_an_output_under_proc_names_the_file_asked_for(files, capsys, mnist):
    """ensemble --out /proc/e: the error names /proc/e.onnx, not a temporary file."""
    assert {"cnn", "mlp"} <= set(available_models())
    code, err = run(["ensemble", "cnn", "mlp", "--out", "/proc/e"], capsys)
    assert code == 1 and "Traceback" not in err
    assert err.strip() == "digitcam: error: /proc/e.onnx: No such file or directory"


@pytest.mark.parametrize("error, expected", [
    (OSError(errno.ENOSPC, "No space left on device", "report/metrics.json"),
     "digitcam: error: report/metrics.json: No space left on device"),
    (cv2.error("OpenCV(4.x) /io/x.cpp:1: error: (-215:Assertion failed) size > 0\n"),
     "digitcam: error: OpenCV: (-215:Assertion failed) size > 0"),
    (OverflowError("cannot convert float infinity to integer"),
     "digitcam: error: cannot convert float infinity to integer"),
    (OSError(errno.EIO, "Input/output error", "a\x1b[2Jb.png"),
     "digitcam: error: a\\x1b[2Jb.png: Input/output error"),
])
def test_the_error_boundary_maps_each_kind_to_one_line(error, expected, monkeypatch, files,
                                                        capsys):
    from digitcam.apps import predict

    def fail(args):
        raise error

    monkeypatch.setattr(predict, "_predict", fail)
    code, err = run(["predict", str(files / "p.png")], capsys)
    assert code == 1 and err.strip() == expected
