"""Expand the INPUT arguments of `digitcam batch` into a stream of image paths.

An INPUT is
- an image file (or any other file: an unreadable one becomes a row with its error);
- a folder: every file with an image suffix below it, recursively, in sorted order;
- a glob (`scans/**/*.png`, quote it from the shell), expanded in sorted order;
- a manifest: a `.txt`/`.lst`/`.list` file of paths, one per line (blank lines and lines
  starting with `#` skipped), or a `.csv` file with a `path` column. Relative paths in a
  manifest are taken relative to the manifest's folder.
A path that does not exist (and matches no glob) is kept: it becomes a row "no such file".

Paths are yielded as they are found (folders are walked lazily, manifests read line by
line), never collected into one list, so the count of inputs does not bound memory.
"""

from __future__ import annotations

import csv
import glob
import os
from collections.abc import Iterable, Iterator

from .reading import IMAGE_SUFFIXES

MANIFEST_SUFFIXES = {".txt", ".lst", ".list", ".csv"}
GLOB_CHARS = set("*?[")


class BatchError(ValueError):
    """A batch cannot start or go on (bad manifest, output among the inputs, no Ray...);
    str() is the one line to print."""


def expand_inputs(inputs: Iterable[str]) -> Iterator[str]:
    """Every image path named by `inputs`, in order, duplicates included."""
    for spec in inputs:
        spec = str(spec)
        if os.path.isdir(spec):
            yield from walk_images(spec)
        elif os.path.isfile(spec) and _suffix(spec) in MANIFEST_SUFFIXES:
            yield from read_manifest(spec)
        elif not os.path.exists(spec) and GLOB_CHARS & set(spec):
            yield from _glob(spec)
        else:
            yield spec


def unique(paths: Iterable[str], seen: set[str]) -> Iterator[str]:
    """`paths` less those in `seen` (updated as it goes: each path is yielded once)."""
    for path in paths:
        if path not in seen:
            seen.add(path)
            yield path


def walk_images(folder: str) -> Iterator[str]:
    """Files with an image suffix under `folder`, depth first, names sorted."""
    for root, dirs, files in os.walk(folder, onerror=None, followlinks=False):
        dirs.sort()
        for name in sorted(files):
            if _suffix(name) in IMAGE_SUFFIXES:
                yield os.path.join(root, name)


def read_manifest(manifest: str) -> Iterator[str]:
    base = os.path.dirname(manifest)
    try:
        with open(manifest, newline="", encoding="utf-8") as f:
            if _suffix(manifest) == ".csv":
                rows = csv.DictReader(f)
                if "path" not in (rows.fieldnames or ()):
                    raise BatchError(f"{manifest}: a CSV manifest needs a 'path' column "
                                     f"(found: {', '.join(rows.fieldnames or []) or 'none'})")
                entries = (row["path"] or "" for row in rows)
            else:
                entries = (line for line in f if not line.lstrip().startswith("#"))
            for entry in entries:
                entry = entry.strip()
                if entry:
                    yield os.path.join(base, entry)  # an absolute entry stays absolute
    except OSError as e:
        raise BatchError(f"{manifest}: cannot read the manifest ({e.strerror or e})") from None
    except UnicodeDecodeError:
        raise BatchError(f"{manifest}: a manifest must be UTF-8 text") from None
    except csv.Error as e:
        raise BatchError(f"{manifest}: not a readable CSV manifest ({e})") from None


def _glob(pattern: str) -> Iterator[str]:
    matches = sorted(glob.iglob(pattern, recursive=True))
    files = [m for m in matches if not os.path.isdir(m)]
    yield from files if files else [pattern]  # no match: one row saying so


def check_output(out: str, inputs: Iterable[str]) -> None:
    """Refuse an output that is one of the inputs (or a manifest among them)."""
    target = os.path.realpath(out)
    for spec in inputs:
        if os.path.exists(spec) and os.path.realpath(spec) == target:
            raise BatchError(f"--out {out} is one of the inputs; choose another file")


def same_file_filter(out: str, paths: Iterable[str]) -> Iterator[str]:
    """`paths` without the results file itself (a glob such as `dir/*` could match it)."""
    name, target = os.path.basename(out), os.path.realpath(out)
    for path in paths:
        if os.path.basename(path).startswith(name) and os.path.realpath(path).startswith(target):
            continue
        yield path


def _suffix(path: str) -> str:
    return os.path.splitext(path)[1].lower()
