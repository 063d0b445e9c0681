"""The models: shipped ones by name (this folder), others by path; cards checked.

A model is an `.onnx` file with a JSON model card of the same stem beside it. Its card's
`kind` says what it does (KINDS): a digit classifier (no kind: float32 (N, 28, 28, 1) in
[0, 1], white ink on black -> probabilities (N, 10); `deep`, `cnn`, `mlp`), the number
detector (`detector`) or the line recogniser (`lines`). Models are named (shipped here,
in `digitcam/assets`) or given by path. The sample clip (`sample.mp4`, truth in
`sample.json`) lives here too (SAMPLE).
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


CLASSIFIER = "classifier"
KINDS = {CLASSIFIER: DEFAULT_MODEL, "detector-fcn": "detector", "line-ctc": "lines"}


def kind_of(onnx_path: Path) -> str:
    """What a model does, from its card (a classifier when the card names no kind)."""
    kind = load_card(onnx_path).get("kind", CLASSIFIER)
    return kind if isinstance(kind, str) else CLASSIFIER


def available_models(kind: str = CLASSIFIER) -> dict[str, Path]:
    """Shipped models of one kind (digit classifiers by default) by name."""
    return {p.stem: p for p in sorted(ASSETS.glob("*.onnx")) if kind_of(p) == kind}


def resolve_model(model: str | os.PathLike | None = None, kind: str = CLASSIFIER) -> Path:
    """The .onnx file of a shipped model's name or of a path; a model whose card says it
    is of another kind is refused with a message that says which kind it is."""
    path = _resolve(KINDS[kind] if model is None else model, kind)
    found = kind_of(path)
    if found != kind:
        raise ModelError(f"{path}: a {found} model, where a {kind} model is needed "
                         f"(its card says kind={found!r})")
    return path


def locate(model: str | os.PathLike) -> Path:
    """The .onnx file of a shipped model of any kind, or of a path (not checked)."""
    shipped = ASSETS / f"{model}.onnx"
    return shipped if isinstance(model, str) and shipped.is_file() else Path(model)


def _resolve(model: str | os.PathLike, kind: str) -> Path:
    shipped = available_models(kind)
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
    if isinstance(model, str) and (ASSETS / f"{model}.onnx").is_file():
        raise ModelError(f"model {model!r} is a {kind_of(ASSETS / f'{model}.onnx')} model, "
                         f"not a {kind} model (those shipped: {names})")
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
    check_hash(onnx_path, card)


def check_hash(onnx_path: Path, card: dict) -> None:
    """The card's onnx_sha256, when it has one, must be this file's."""
    card_path = onnx_path.with_suffix(".json")
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


def open_session(path: Path, threads: int = 1):
    """An ONNX Runtime session on the CPU for `path`, or a ModelError naming the file."""
    # no telemetry: without this, importing onnxruntime writes a device id under
    # ~/.cache/Microsoft/DeveloperTools (and complains in colour if HOME is read-only)
    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    try:
        return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except Exception as e:  # onnxruntime raises its own exception types
        raise ModelError(f"{path}: not a usable ONNX model ({first_line(e)})") from None


def first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


class Model:
    """A shipped (or given) model of one kind, run through ONNX Runtime: `run(x)` gives its
    first output; a model that fails to run is a ModelError naming the file."""

    def __init__(self, model: str | os.PathLike | None, kind: str, threads: int = 1):
        self.path = resolve_model(model, kind)
        self.name = self.path.stem
        self.card = load_card(self.path)
        check_hash(self.path, self.card)
        self.session = open_session(self.path, threads)
        self.input_name = self.session.get_inputs()[0].name

    def run(self, x):
        try:
            return self.session.run(None, {self.input_name: x})[0]
        except Exception as e:  # onnxruntime raises its own exception types
            raise ModelError(f"{self.path}: the model failed to run ({first_line(e)})") from None
