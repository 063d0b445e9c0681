"""`digitcam batch` given hostile arguments answers in one line and a non-zero exit code,
writes nothing and loses nothing (in-process through digitcam.apps.cli.main, as
tests/integration/cli/test_hostile_arguments.py does for the other subcommands)."""

from __future__ import annotations

import pytest

from digitcam.apps import cli

from .helpers import digit_png

HOSTILE = [
    ["{d}/p.png", "--out", "/proc/digitcam.jsonl"],
    ["{d}/p.png", "--out", "{d}/p.png"],
    ["{d}/p.png", "--out", "{d}/list.txt"],
    ["{d}/list.txt", "--out", "{d}/list.txt.jsonl", "--model", "/dev/zero"],
    ["{d}/p.png", "--out", "{d}/r.jsonl", "--threshold", "nan"],
    ["{d}/p.png", "--out", "{d}/r.jsonl", "--min-confidence", "2"],
    ["{d}/p.png", "--out", "{d}/r.jsonl", "--mode", "nope"],
    ["{d}/p.png", "--out", "{d}/r.jsonl", "--workers", "-3"],
    ["{d}/p.png", "--out", "{d}/r.jsonl", "--resume", "--overwrite"],
    ["{d}/bad.csv", "--out", "{d}/r.jsonl"],
    ["{d}/binary.txt", "--out", "{d}/r.jsonl"],
    ["{d}/p.png", "--out", "{d}/old.jsonl"],
    ["{d}/p.png", "--out", "{d}/old.jsonl", "--resume"],  # not a results file
]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("hostile-batch")
    (d / "p.png").write_bytes(digit_png("7"))
    (d / "list.txt").write_text("p.png\n")
    (d / "bad.csv").write_text("file\np.png\n")
    (d / "binary.txt").write_bytes(b"\xff\xfe\x00garbage\n")
    (d / "old.jsonl").write_text("not json\n")
    return d


@pytest.mark.parametrize("argv", HOSTILE, ids=[" ".join(a) for a in HOSTILE])
def test_hostile_batch_arguments_get_one_line(argv, files, capsys):
    before = {p.name: p.read_bytes() for p in files.iterdir()}
    try:
        code = cli.main(["batch", "--no-progress", *(a.format(d=files) for a in argv)])
    except SystemExit as e:  # argparse's usage errors
        code = e.code
    err = capsys.readouterr().err
    assert code not in (0, None), err
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("digitcam"), err
    assert {p.name: p.read_bytes() for p in files.iterdir()} == before  # nothing written
