"""digitcam.batch's inputs and results files, without reading images."""

from __future__ import annotations

import json

import pytest

from digitcam.batch import BatchError, run_batch
from digitcam.batch.inputs import check_output, expand_inputs, same_file_filter
from digitcam.batch.writers import done_paths, drop_partial_line, open_results


def test_folders_recurse_sorted_and_keep_image_suffixes_only(tmp_path):
    for name in ("b/2.png", "b/1.JPG", "a/x.tif", "a/notes.txt", "a/deeper/9.webp", "c.bmp"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    found = list(expand_inputs([str(tmp_path)]))
    rel = [p[len(str(tmp_path)) + 1:] for p in found]
    assert rel == ["c.bmp", "a/x.tif", "a/deeper/9.webp", "b/1.JPG", "b/2.png"]


def test_globs_manifests_and_missing_paths(tmp_path):
    (tmp_path / "imgs").mkdir()
    for i in range(3):
        (tmp_path / "imgs" / f"{i}.png").write_bytes(b"x")
    (tmp_path / "list.txt").write_text("# a comment\nimgs/0.png\n\n  imgs/2.png  \n/abs/x.png\n")
    (tmp_path / "table.csv").write_text("label,path\n7,imgs/1.png\n8,imgs/9.png\n")
    found = list(expand_inputs([str(tmp_path / "imgs" / "*.png"), str(tmp_path / "list.txt"),
                                str(tmp_path / "table.csv"), str(tmp_path / "nothing*.png"),
                                "missing.png"]))
    t = str(tmp_path)
    assert found == [f"{t}/imgs/0.png", f"{t}/imgs/1.png", f"{t}/imgs/2.png",
                     f"{t}/imgs/0.png", f"{t}/imgs/2.png", "/abs/x.png",
                     f"{t}/imgs/1.png", f"{t}/imgs/9.png", f"{t}/nothing*.png", "missing.png"]


def test_a_csv_manifest_needs_a_path_column(tmp_path):
    (tmp_path / "m.csv").write_text("file,label\na.png,1\n")
    with pytest.raises(BatchError, match="'path' column"):
        list(expand_inputs([str(tmp_path / "m.csv")]))


def test_the_output_is_never_an_input_nor_read_as_one(tmp_path):
    out = tmp_path / "r.jsonl"
    out.write_text("")
    with pytest.raises(BatchError, match="one of the inputs"):
        check_output(str(out), [str(tmp_path / "a.png"), str(out)])
    paths = [str(tmp_path / "a.png"), str(out), str(out) + ".partial.jsonl"]
    assert list(same_file_filter(str(out), paths)) == [str(tmp_path / "a.png")]


@pytest.mark.parametrize("problem, kwargs, message", [
    ("exists", {}, "exists: --resume"),
    ("suffix", {}, "must end in"),
    ("both", {"resume": True, "overwrite": True}, "exclude each other"),
    ("engine", {"engine": "spark"}, "--engine"),
])
def test_refused_before_anything_is_read(tmp_path, problem, kwargs, message):
    out = tmp_path / ("r.txt" if problem == "suffix" else "r.jsonl")
    out.write_text('{"path": "a.png", "error": "x"}\n')
    with pytest.raises(BatchError, match=message):
        run_batch([str(tmp_path / "a.png")], out, **kwargs)
    assert out.read_text() == '{"path": "a.png", "error": "x"}\n'  # untouched


@pytest.mark.parametrize("tail", [b'{"path": "c.png", "te', b""])
def test_a_line_cut_by_a_kill_is_dropped_on_resume(tmp_path, tail):
    out = tmp_path / "r.jsonl"
    out.write_bytes(b'{"path": "a.png", "error": "x"}\n{"path": "b.png", "error": "y"}\n' + tail)
    assert done_paths(str(out)) == {"a.png", "b.png"}
    drop_partial_line(str(out))
    assert out.read_bytes().endswith(b'"y"}\n')


def test_csv_resume_checks_the_header_and_cuts_a_partial_row(tmp_path):
    out = tmp_path / "r.csv"
    with open_results(str(out), append=False) as w:
        w.write({"path": "a.png", "text": "12", "digits": []})
    with open(out, "a") as f:
        f.write("b.png,3")  # a row cut short
    assert done_paths(str(out)) == {"a.png"}
    (tmp_path / "other.csv").write_text("x,y\n1,2\n")
    with pytest.raises(BatchError, match="not a results file"):
        done_paths(str(tmp_path / "other.csv"))


def test_parquet_is_written_from_its_spool_and_appended_on_resume(tmp_path):
    pq = pytest.importorskip("pyarrow.parquet", reason="the Parquet output needs pyarrow")
    out = tmp_path / "r.parquet"
    digits = [{"digit": 1, "confidence": 0.5, "box": [1, 2, 3, 4]}]
    with open_results(str(out), append=False) as w:
        w.write({"path": "a.png", "text": "1", "digits": digits})
        assert (tmp_path / "r.parquet.partial.jsonl").exists()
    with open_results(str(out), append=True) as w:
        w.write({"path": "b.png", "error": "no such file"})
    # a kill between the rename and the removal of the spool: its rows are not doubled
    (tmp_path / "r.parquet.partial.jsonl").write_text(json.dumps({"path": "b.png",
                                                                  "error": "x"}) + "\n")
    assert done_paths(str(out)) == {"a.png", "b.png"}
    with open_results(str(out), append=True):
        pass
    rows = pq.read_table(out).to_pylist()
    assert [r["path"] for r in rows] == ["a.png", "b.png"]
    assert rows[0]["digits"] == digits and rows[1]["error"] == "no such file"
    assert not (tmp_path / "r.parquet.partial.jsonl").exists()


def test_the_ray_engine_without_ray_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "ray", None)  # as if not installed
    with pytest.raises(BatchError, match=r"needs the ray extra: pip install 'digitcam\[ray\]'"):
        run_batch([str(tmp_path / "a.png")], tmp_path / "r.jsonl", engine="ray", workers=1)
    assert not (tmp_path / "r.jsonl").exists()  # nothing to --resume or --overwrite
