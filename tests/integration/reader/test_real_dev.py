"""The default reader on real photos and scans no one here made (../shared/data/real-dev),
on the part no model learnt from (training.lines.held_out): a regression guard, set below
the figures BENCHMARKS.md records (86.1% of the 323 cheque amounts held out, 88.9% of the
every-third sample tested here; 22 of 22 photos held out).
Skipped, saying so, where the folder is absent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from digitcam import Recognizer
from digitcam.training.lines import held_out

REAL = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "real-dev"


def held_out_items(prefix: str) -> list[tuple[Path, str]]:
    if not (REAL / "labels.json").exists():
        pytest.skip(f"no real images at {REAL} (../shared/data/real-dev beside the clone)")
    labels = json.loads((REAL / "labels.json").read_text())
    return [(REAL / k, v) for k, v in sorted(labels.items())
            if held_out(k) and k.startswith(prefix)]


def exact_rate(items) -> float:
    reader = Recognizer()
    right = sum("".join(c for c in reader.read_text(p) if c.isdigit()) == v for p, v in items)
    return right / len(items)


def test_held_out_cheque_amounts_are_read():
    items = held_out_items("orand_car_a/")[::3]  # 108 of the 323, for time
    assert len(items) > 100
    assert exact_rate(items) >= 0.85


def test_held_out_phone_photos_are_read():
    items = [it for it in held_out_items("") if not it[0].parent.name.startswith("orand")]
    assert len(items) >= 20
    assert exact_rate(items) >= 0.95
