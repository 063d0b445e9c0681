"""The models: shipped ones by name (this folder), others by path; cards checked.

A model is an `.onnx` file taking float32 (N, 28, 28, 1) in [0, 1], white ink on black,
and returning probabilities (N, 10); beside it, a JSON model card with the same stem.
Models are named (`cnn`, `mlp`, ... shipped here, in `digitcam/assets`) or given by path.
The sample clip (`sample.mp4`, truth in `sample.json`) lives here too (SAMPLE).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

ASSETS = Path(__file__).parent
SAMPLE = ASSETS / "sample.mp4"  # the clip of `digitcam live --source sample`
DEFAULT_MODEL = "deep"
INPUT_SHAPE = (28, 28, 1)
MAX_MODEL_BYTES = 256 * 1024 * 1024  # the shipped models are under 2 MB


class ModelError(RuntimeError):
    """A model file is missing or unusable; the message names the file."""


def available_models() -> dict[str, Path]:
    """Shipped models by name."""
    return {p.stem: p for p in sorted(ASSETS.glob("*.onnx"))}


def resolve_model(model: str | os.PathLike | None = None) -> Path:
    if model is None:
        model = DEFAULT_MODEL
    shipped = available_models()
    if isinstance(model, str) and model in shipped:
        return shipped[model]
    path = Path(model).expanduser()
    if path.is_dir():
        raise ModelError(f"{path}: is a directory, not an .onnx model")
    if path.is_file():
        if path.stat().st_size > MAX_MODEL_BYTES:
            raise ModelError(f"{path}: model file of {path.stat().st_size:,} bytes, over the "
                             f"{MAX_MODEL_BYTES // 2**20} MB a digit model can need")
        return path
    names = ", ".join(shipped) or "none"
    raise ModelError(f"model {str(model)!r} not found: not a file, nor a shipped model ({names})")


def load_card(onnx_path: Path) -> dict:
    """The model card beside `onnx_path` ({} when there is none)."""
    card_path = onnx_path.with_suffix(".json")
    if not card_path.exists():
        return {}
    try:
        card = json.loads(card_path.read_text())
    except (OSError, ValueError) as e:
        raise ModelError(f"{card_path}: unreadable model card ({e})") from None
    if not isinstance(card, dict):
        raise ModelError(f"{card_path}: model card is not a JSON object")
    return card


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, read 1 MB at a time (memory stays flat whatever its size)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def check_card(onnx_path: Path, card: dict) -> None:
    """The card must describe this file: its input shape, and its onnx_sha256 when it has
    one (hashing a shipped model takes a few milliseconds)."""
    card_path = onnx_path.with_suffix(".json")
    card_input = card.get("input")
    shape = card_input.get("shape") if isinstance(card_input, dict) else None
    if shape is not None and (not isinstance(shape, list) or tuple(shape[1:]) != INPUT_SHAPE):
        raise ModelError(f"{card_path}: card input shape {shape} does not match the model "
                         f"({[None, *INPUT_SHAPE]})")
    expected = card.get("onnx_sha256")
    if not expected:
        return
    try:
        actual = file_sha256(onnx_path)
    except OSError as e:
        raise ModelError(f"{onnx_path}: cannot read the model file ({e.strerror or e})") from None
    if actual != expected:
        raise ModelError(f"{card_path}: the card's onnx_sha256 does not match {onnx_path.name}: "
                         "the card describes another model file")
