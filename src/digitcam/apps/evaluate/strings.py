"""A user's own labelled photos of numbers: DIR/labels.json maps image paths (relative to
DIR) to the digits written in them, as ../shared/data/real-dev has it.

    items = list_labelled("real-dev")              # [(path, "1990"), ...]
    result = read_strings(recognizer, items)       # per folder: string and digit accuracy

A reading is right when its digits (separators and anything else dropped) equal the label.
Digit accuracy counts the label's digits that the reading matched, aligned by edit
distance, so one digit missed in a long number costs one digit, not the number; the
substitutions of that alignment are the confusion of digits. Files that cannot be read
are listed with the reason and left out of every number.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path

import cv2
import numpy as np

from ... import __version__
from ...io.files import atomic_dir, atomic_write_text
from ...io.images import ImageError, read_image
from ...io.machine import machine_description
from . import progress_bar
from .config import EvaluateConfig

LABELS = "labels.json"


def is_labelled(root: str | os.PathLike) -> bool:
    return (Path(root).expanduser() / LABELS).is_file()


def list_labelled(root: str | os.PathLike, limit: int | None = None) -> list[tuple[Path, str]]:
    """(path, digits) for each entry of DIR/labels.json, in its order."""
    root = Path(root).expanduser()
    try:
        labels = json.loads((root / LABELS).read_text())
    except (OSError, ValueError) as e:
        raise ValueError(f"{root / LABELS}: not a readable JSON file ({e})") from None
    if not isinstance(labels, dict) or not labels:
        raise ValueError(f"{root / LABELS}: expected an object of image path -> digits")
    items = []
    for name, digits in labels.items():
        text = str(digits)
        if not text.isdigit():
            raise ValueError(f"{root / LABELS}: label of {name!r} is not digits: {text!r}")
        items.append((root / name, text))
    return items[:limit] if limit else items


def align(truth: str, read: str) -> tuple[int, list[tuple[int, int]]]:
    """Edit-distance alignment: (digits matched, [(true digit, read digit) substituted])."""
    n, m = len(truth), len(read)
    d = np.zeros((n + 1, m + 1), np.int32)
    d[:, 0], d[0, :] = np.arange(n + 1), np.arange(m + 1)
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            d[i, j] = min(d[i - 1, j] + 1, d[i, j - 1] + 1,
                          d[i - 1, j - 1] + (truth[i - 1] != read[j - 1]))
    i, j, matched, subs = n, m, 0, []
    while i > 0 and j > 0:
        if d[i, j] == d[i - 1, j - 1] + (truth[i - 1] != read[j - 1]):
            if truth[i - 1] == read[j - 1]:
                matched += 1
            else:
                subs.append((int(truth[i - 1]), int(read[j - 1])))
            i, j = i - 1, j - 1
        elif d[i, j] == d[i - 1, j] + 1:
            i -= 1
        else:
            j -= 1
    return matched, subs


def group_of(root: Path, path: Path) -> str:
    """The subfolder a labelled image is in ('.' at the top)."""
    try:
        parts = path.relative_to(root).parts
    except ValueError:
        return "."
    return parts[0] if len(parts) > 1 else "."


def read_strings(recognizer, items: list[tuple[Path, str]], root: Path,
                 progress=None) -> dict:
    """Read every labelled image; returns per-group and overall accuracies, the confusion
    of digits (10x10 counts), the failures and the unreadable files."""
    groups: dict = defaultdict(lambda: {"images": 0, "exact": 0, "digits": 0, "matched": 0})
    confusion = np.zeros((10, 10), np.int64)
    failures, unreadable = [], []
    for path, truth in (progress(items) if progress else items):
        try:
            image = read_image(path)
            detections = recognizer.read(image)
        except (ImageError, ValueError) as e:
            unreadable.append({"path": str(path), "error": str(e)})
            continue
        read = "".join(str(d.digit) for d in detections)
        matched, subs = align(truth, read)
        for t, r in subs:
            confusion[t, r] += 1
        for g in (group_of(root, path), "all"):
            cell = groups[g]
            cell["images"] += 1
            cell["exact"] += read == truth
            cell["digits"] += len(truth)
            cell["matched"] += matched
        if read != truth:
            failures.append({"path": str(path), "truth": truth, "read": read,
                             "boxes": [[int(v) for v in d.box] for d in detections]})
    for cell in groups.values():
        cell["exact_rate"] = cell["exact"] / max(cell["images"], 1)
        cell["digit_accuracy"] = cell["matched"] / max(cell["digits"], 1)
    return {"groups": dict(groups), "confusion": confusion.tolist(), "failures": failures,
            "unreadable": unreadable}


def failure_sheet(failures: list[dict], most: int = 48, tile: int = 220) -> np.ndarray:
    """The failures as the original images, each with its boxes and what was read drawn on
    it and the label beneath: a BGR contact sheet."""
    tiles = []
    for f in failures[:most]:
        try:
            image = read_image(f["path"])
        except ImageError:
            continue
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR) if image.ndim == 2 else image[..., :3]
        scale = tile / max(image.shape[:2])
        small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        for x, y, w, h in f["boxes"]:
            cv2.rectangle(small, (int(x * scale), int(y * scale)),
                          (int((x + w) * scale), int((y + h) * scale)), (0, 160, 0), 1)
        top = small.shape[0]  # the captions just under the image, not under the tallest
        canvas = np.full((top + 44, tile, 3), 255, np.uint8)
        canvas[:top, : small.shape[1]] = small
        cv2.putText(canvas, f"read {f['read'] or '-'}", (4, top + 15),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 200), 1, cv2.LINE_AA)
        cv2.putText(canvas, f"true {f['truth']}", (4, top + 32),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 1, cv2.LINE_AA)
        tiles.append(canvas)
    if not tiles:
        return np.full((40, 200, 3), 255, np.uint8)
    cols = min(6, len(tiles))
    rows = []
    for i in range(0, len(tiles), cols):
        row = tiles[i: i + cols]
        height = max(t.shape[0] for t in row)   # each row as tall as its tallest tile
        row = [cv2.copyMakeBorder(t, 0, height - t.shape[0], 0, 0, cv2.BORDER_CONSTANT,
                                  value=(255, 255, 255)) for t in row]
        row += [np.full((height, tile, 3), 255, np.uint8)] * (cols - len(row))
        rows.append(np.hstack(row))
    return np.vstack(rows)


def _table(groups: dict) -> str:
    from html import escape

    rows = "".join(
        f"<tr><td>{escape(g)}</td><td>{c['images']}</td><td>{c['exact_rate']:.1%}</td>"
        f"<td>{c['digit_accuracy']:.1%}</td></tr>" for g, c in sorted(groups.items()))
    return ("<table><tr><th>folder</th><th>images</th><th>read exactly</th>"
            f"<th>digits read</th></tr>{rows}</table>")


def _confusion_table(confusion: list[list[int]]) -> str:
    head = "".join(f"<th>{j}</th>" for j in range(10))
    rows = "".join(f"<tr><th>{i}</th>" + "".join(f"<td>{v or ''}</td>" for v in row) + "</tr>"
                   for i, row in enumerate(confusion))
    return (f"<table><tr><th>true \\ read</th>{head}</tr>{rows}</table>"
            "<p>Counts of digits read as another (from the edit-distance alignment); "
            "missed and extra digits are not in it.</p>")


def report(name: str, results: dict[str, dict], sheets: dict[str, str], method: str) -> str:
    """A self-contained HTML report of a labelled dataset's evaluation."""
    from html import escape

    parts = [f"<h1>digitcam on {escape(name)}</h1><p>{escape(method)}</p>"]
    for model, r in results.items():
        parts.append(f"<h2>{escape(model)}</h2>{_table(r['groups'])}"
                     f"<h3>Confusion of digits</h3>{_confusion_table(r['confusion'])}"
                     f"<h3>Failures ({len(r['failures'])}; the first shown)</h3>"
                     f'<img src="{escape(sheets[model])}" alt="failures of {escape(model)}: '
                     'each original image with its boxes, what was read and the label">')
        if r["unreadable"]:
            items = "".join(f"<li>{escape(u['path'])}: {escape(u['error'])}</li>"
                            for u in r["unreadable"])
            parts.append(f"<h3>Unreadable files</h3><ul>{items}</ul>")
    style = ("body{font-family:sans-serif;margin:2em;max-width:70em}td,th{padding:.2em .6em;"
             "border-bottom:1px solid #ddd;text-align:right}img{max-width:100%}")
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>digitcam on '
            f"{escape(name)}</title><style>{style}</style></head><body>"
            + "\n".join(parts) + "</body></html>\n")


def evaluate_labelled(cfg: EvaluateConfig, recs: dict, out: Path, progress) -> int:
    """A folder with labels.json: numbers read exactly and digits read, per subfolder, the
    confusion of digits, and the failures drawn on the original images."""
    from .run import _safe

    root = Path(cfg.dataset).expanduser()
    items = list_labelled(root, cfg.limit)
    results, sheets, pngs = {}, {}, {}
    for name, r in recs.items():
        bar = functools.partial(progress_bar, progress=progress, desc=f"reading ({name})",
                                unit="img")
        results[name] = read_strings(r, items, root, bar)
        sheets[name] = f"failures-{_safe(name)}.png"
        pngs[name] = cv2.imencode(".png", failure_sheet(results[name]["failures"]))[1]
    method = (f"{len(items)} labelled images of {root}: each read through Recognizer.read; "
              "a number counts as read when its digits (separators dropped) equal the label.")
    metrics = {"digitcam_version": __version__, "machine": machine_description(),
               "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
               "command": " ".join(["digitcam", *sys.argv[1:]]),
               "dataset": {"kind": "labelled", "name": str(root), "samples": len(items)},
               "models": {n: {k: v for k, v in r.items() if k != "failures"}
                          for n, r in results.items()},
               "failures": {n: r["failures"] for n, r in results.items()}, "method": method}
    with atomic_dir(out) as tmp:  # OUT holds this whole run or the previous one
        for name, png in pngs.items():
            (tmp / sheets[name]).write_bytes(png.tobytes())
        atomic_write_text(tmp / "metrics.json", json.dumps(metrics, indent=2) + "\n")
        atomic_write_text(tmp / "report.html", report(str(root), results, sheets, method))
    unreadable = 0
    for name, r in results.items():
        a = r["groups"].get("all", {"exact_rate": 0.0, "digit_accuracy": 0.0, "images": 0})
        print(f"{name}: read exactly {a['exact_rate']:.2%} of {a['images']:,} labelled images "
              f"in {root} ({a['digit_accuracy']:.2%} of digits)")
        for g, c in sorted(r["groups"].items()):
            if g != "all":
                print(f"  {g}: {c['exact_rate']:.2%} of {c['images']} ({c['digit_accuracy']:.2%}"
                      " of digits)")
        for u in r["unreadable"]:
            print(f"digitcam: {u['path']}: {u['error']}", file=sys.stderr)
        unreadable += len(r["unreadable"])
    print(f"report: {out / 'report.html'}")
    return 1 if unreadable else 0
