"""Atomic writes (issue 13, points 4, 9, 11): a failed cleanup never hides the first error,
a folder is swapped in whole, and one file under two names is recognised."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from digitcam.io.files import atomic_dir, atomic_path, same_file


def test_a_read_only_cleanup_does_not_hide_the_first_error(tmp_path, monkeypatch):
    real_unlink = Path.unlink

    def read_only(self, missing_ok=False):
        if self.name.startswith(".tmp-"):
            raise OSError(errno.EROFS, "Read-only file system", str(self))
        return real_unlink(self, missing_ok=missing_ok)

    monkeypatch.setattr(Path, "unlink", read_only)
    with pytest.raises(OSError) as err, atomic_path(tmp_path / "model.onnx") as tmp:
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp))
    assert err.value.errno == errno.ENOSPC
    assert err.value.filename == str(tmp_path / "model.onnx")  # not the temporary name


def test_a_folder_is_swapped_in_whole_or_not_at_all(tmp_path):
    out = tmp_path / "report"
    with atomic_dir(out) as tmp:
        (tmp / "metrics.json").write_text("old")
        (tmp / "old.png").write_text("old")
    with pytest.raises(OSError), atomic_dir(out) as tmp:
        (tmp / "metrics.json").write_text("new")
        raise OSError(errno.ENOSPC, "No space left on device")
    assert sorted(p.name for p in out.iterdir()) == ["metrics.json", "old.png"]
    assert (out / "metrics.json").read_text() == "old"
    with atomic_dir(out) as tmp:
        (tmp / "metrics.json").write_text("new")
    assert sorted(p.name for p in out.iterdir()) == ["metrics.json"]  # no old figure left
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]  # no hidden leftovers


def test_atomic_dir_creates_no_missing_parent(tmp_path):
    with pytest.raises(OSError, match="no folder"), atomic_dir(tmp_path / "no" / "report"):
        pass
    assert not (tmp_path / "no").exists()


def test_same_file_sees_links_and_spellings(tmp_path, monkeypatch):
    a = tmp_path / "a.mp4"
    a.write_bytes(b"x")
    os.link(a, tmp_path / "hard.mp4")
    (tmp_path / "soft.mp4").symlink_to(a)
    monkeypatch.chdir(tmp_path)
    for other in ("hard.mp4", "soft.mp4", "./a.mp4", f"{tmp_path}/../{tmp_path.name}/a.mp4"):
        assert same_file(a, other), other
    assert not same_file(a, "b.mp4")
    assert same_file("new.jsonl", tmp_path / "new.jsonl")  # neither exists yet
