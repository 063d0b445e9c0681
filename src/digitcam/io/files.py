"""Atomic file writes: a reader sees the old file or the whole new one, never half of one.

    with atomic_path(out / "model.onnx") as tmp:   # write to tmp; moved into place at the end
        model.export(str(tmp))
    atomic_write_text(out / "card.json", text)
    with atomic_dir(Path("report")) as tmp:        # a whole folder, swapped in at the end
        (tmp / "metrics.json").write_text(...)
    same_file(a, b)                                # one file under two names (or inodes)
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """A fresh temporary name beside `path`, ending like it (writers that check the
    extension accept it), moved onto `path` when the block succeeds and removed when it
    fails. The folder is created if needed. A failure to remove the temporary file (a
    read-only file system) never hides the error that made the block fail."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".tmp-{uuid.uuid4().hex[:8]}.{path.name}")
    try:
        yield tmp
        os.replace(tmp, path)
    except OSError as e:  # name the file asked for, not the temporary one
        if e.filename is not None and Path(e.filename).name == tmp.name:
            e.filename = str(path)
        raise
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


@contextlib.contextmanager
def atomic_dir(path: str | os.PathLike) -> Iterator[Path]:
    """A fresh hidden folder beside `path`, swapped in for `path` (whose old content is
    then removed) when the block succeeds and removed when it fails: `path` holds the whole
    old content or the whole new one. The parent folder must exist (nothing is created
    for a mistyped one); OSError names it."""
    path = Path(path)
    if not path.parent.is_dir():
        raise OSError(f"{path}: cannot write there (no folder {path.parent})")
    tag = uuid.uuid4().hex[:8]
    tmp, old = path.with_name(f".{path.name}.tmp-{tag}"), path.with_name(f".{path.name}.old-{tag}")
    tmp.mkdir()
    try:
        yield tmp
        if path.exists():
            os.replace(path, old)
        try:
            os.replace(tmp, path)
        except OSError:
            if old.exists():
                os.replace(old, path)
            raise
    finally:
        for leftover in (tmp, old):
            shutil.rmtree(leftover, ignore_errors=True)


def same_file(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    """Whether `a` and `b` name the same file: the same resolved path, or (both existing)
    the same inode, so hard links, symlinks and relative spellings all count."""
    a, b = Path(a).expanduser(), Path(b).expanduser()
    with contextlib.suppress(OSError):
        if os.path.samefile(a, b):
            return True
    return a.resolve() == b.resolve()
