"""Atomic file writes: a reader sees the old file or the whole new one, never half of one.

    with atomic_path(out / "model.onnx") as tmp:   # write to tmp; moved into place at the end
        model.export(str(tmp))
    atomic_write_text(out / "card.json", text)
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """A fresh temporary name beside `path`, ending like it (writers that check the
    extension accept it), moved onto `path` when the block succeeds and removed when it
    fails. The folder is created if needed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".tmp-{uuid.uuid4().hex[:8]}.{path.name}")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
