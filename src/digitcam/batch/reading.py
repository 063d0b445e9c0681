"""One image path -> one result row. The only module of digitcam.batch that imports the image
reader and the recogniser, so a move of either is a change here alone.

A row is the schema of `digitcam predict --json`: {"path", "text", "digits": [...]} for an
image read, {"path", "error"} for one that could not be (never an exception).
"""

from __future__ import annotations

from digitcam import Recognizer
from digitcam.io.images import IMAGE_SUFFIXES, ImageError, read_image

__all__ = ["IMAGE_SUFFIXES", "Recognizer", "load_recognizer", "read_image", "read_row",
           "reading_fields"]


def load_recognizer(settings: dict) -> Recognizer:
    """The recogniser every worker holds (built once per worker process or Ray actor), from
    `settings`: Recognizer's model, mode, threshold and min_confidence (None: its default)."""
    return Recognizer(**{k: v for k, v in settings.items() if v is not None})


def read_row(recognizer: Recognizer, path: str) -> dict:
    """Read one image; a file that cannot be read (or read through) is a row with `error`."""
    try:
        detections = recognizer.read(read_image(path))
    except (ImageError, ValueError) as e:
        return {"path": path, "error": _one_line(str(e))}
    except Exception as e:  # noqa: BLE001 - one bad image must never stop a batch
        return {"path": path, "error": _one_line(f"{type(e).__name__}: {e}")}
    return {"path": path, **recognizer.as_dict(detections)}


def reading_fields() -> list[str]:
    """The fields of a reading row after `path` (today text, lines, digits): the columns of
    the CSV results, whatever the recogniser's schema becomes."""
    return list(Recognizer.as_dict([]))


def _one_line(message: str) -> str:
    return " ".join(message.split()) or "unreadable"
