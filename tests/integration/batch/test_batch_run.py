"""`digitcam batch` end to end with the local engine: formats, rows, errors, resume."""

from __future__ import annotations

import json

import pytest

from digitcam.batch import run_batch

from .helpers import by_path, digitcam, make_images, rows_of


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    """40 small digit images in subfolders, a corrupt one, and a path that does not exist."""
    folder = tmp_path_factory.mktemp("images")
    paths = make_images(folder / "scans", 2500, kinds=20)[::62]  # 41, over 3 subfolders
    keep = set(paths)
    for p in sorted((folder / "scans").rglob("*.png")):
        if str(p) not in keep:
            p.unlink()
    (folder / "scans" / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    return folder, sorted(keep) + [str(folder / "scans" / "corrupt.png")]


def test_jsonl_csv_and_parquet_hold_the_rows_of_predict_json(images, tmp_path):
    folder, paths = images
    missing = str(folder / "missing.png")
    expected = digitcam("predict", "--json", *paths, missing)
    expected = by_path([json.loads(line) for line in expected.stdout.splitlines()])
    assert len(expected) == len(paths) + 1
    for suffix in (".jsonl", ".csv", ".parquet"):
        out = tmp_path / f"results{suffix}"
        summary = run_batch([str(folder / "scans"), missing], out, workers=2, progress=False)
        rows = rows_of(out)
        assert sorted(r["path"] for r in rows) == sorted(expected), suffix  # one per input
        assert by_path(rows) == expected, suffix
        assert (summary.read, summary.unreadable) == (len(paths) - 1, 2)
    assert sum(bool(r.get("text")) for r in expected.values()) >= len(paths) // 2


def test_cli_prints_a_summary_and_resumes_exactly_once(images, tmp_path):
    folder, paths = images
    half = tmp_path / "half.txt"
    half.write_text("\n".join(paths[:15]) + "\n")
    out = tmp_path / "r.jsonl"
    first = digitcam("batch", str(half), "--out", str(out), "--workers", "1")
    assert first.returncode == 0, first.stderr
    assert first.stderr.startswith("digitcam: batch: 15 read, 0 unreadable;")
    again = digitcam("batch", str(folder / "scans"), str(half), "--out", str(out), "--resume")
    assert again.returncode == 0, again.stderr
    assert f"1 unreadable, {15 + 15} already in" in again.stderr  # half.txt's 15, twice
    assert sorted(r["path"] for r in rows_of(out)) == sorted(paths)


@pytest.mark.parametrize("args, message", [
    (["--out", "{out}"], "exists: --resume to read only the inputs not yet in it"),
    (["{out}", "--out", "{out}", "--overwrite"], "is one of the inputs"),
    (["--out", "{dir}/r.json"], "--out must end in .jsonl, .csv, .parquet"),
    (["--out", "{dir}/new.jsonl", "--model", "nosuchmodel"], "nosuchmodel"),
    (["--out", "{dir}/nofolder/r.jsonl"], "does not exist"),
    (["--out", "{dir}/new.jsonl", "--threshold", "300"], "--threshold"),
])
def test_errors_are_one_line_and_leave_files_alone(images, tmp_path, args, message):
    folder, paths = images
    out = tmp_path / "r.jsonl"
    out.write_text("keep\n")
    args = [a.format(out=out, dir=tmp_path) for a in args]
    result = digitcam("batch", paths[0], *args)
    assert result.returncode != 0
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1, \
        result.stderr
    assert "Traceback" not in result.stderr
    assert out.read_text() == "keep\n" and not (tmp_path / "new.jsonl").exists()


def test_duplicate_inputs_give_one_row(images, tmp_path):
    folder, paths = images
    out = tmp_path / "r.csv"
    run_batch([paths[0], paths[0], paths[1], paths[0]], out, workers=1, progress=False)
    assert [r["path"] for r in rows_of(out)] == [paths[0], paths[1]]


@pytest.mark.slow
def test_10000_images_read_to_each_format_one_row_each(tmp_path):
    paths = make_images(tmp_path / "imgs", 10_000, kinds=10, size=16)
    for suffix in (".jsonl", ".csv", ".parquet"):
        out = tmp_path / f"r{suffix}"
        summary = run_batch([str(tmp_path / "imgs")], out, workers=2, progress=False)
        assert summary.rows == 10_000
        assert [r["path"] for r in rows_of(out)] == paths, suffix  # in input order
