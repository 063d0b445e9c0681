"""Model files (issue 13, point 14): one over the stated size is refused before it is read,
and the card's SHA-256 is computed in chunks (memory stays flat, measured)."""

from __future__ import annotations

import hashlib
import json
import tracemalloc

import pytest

from digitcam.assets import registry
from digitcam.assets.registry import MAX_MODEL_BYTES, ModelError, check_card, resolve_model


def test_a_model_file_over_the_cap_is_refused_at_once(tmp_path):
    huge = tmp_path / "huge.onnx"
    with open(huge, "wb") as f:  # sparse: no disk used
        f.truncate(3 * 2**30)
    with pytest.raises(ModelError, match="over the 256 MB"):
        resolve_model(huge)


def test_the_card_hash_is_computed_in_chunks(tmp_path, monkeypatch):
    model = tmp_path / "big.onnx"
    with open(model, "wb") as f:
        f.truncate(64 * 2**20)
    digest = hashlib.sha256(bytes(64 * 2**20)).hexdigest()
    (tmp_path / "big.json").write_text(json.dumps({"onnx_sha256": digest}))
    tracemalloc.start()
    try:
        check_card(model, registry.load_card(model))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * 2**20, peak  # 64 MB file, well under 8 MB held at once
    assert MAX_MODEL_BYTES >= 100 * 2**20  # a real digit model always fits
