"""Readers compared in the benchmarks: digitcam's pipelines and two OCR peers, each a
callable BGR image -> the digits it read (separators and other characters dropped).

    digitcam             the default (learned; each region read at five widths, voting)
    digitcam-once        the same, each region read once (as written)
    digitcam-components  the first round's pipeline (--mode multi)

    tesseract   Debian's tesseract-ocr, digits whitelist, page segmentation mode 11
                (sparse text: best of 6, 7, 11 and 13 on real-dev's photos and scans)
    rapidocr    PyPI rapidocr on onnxruntime, its text-angle classifier off (with it on,
                it turns some numbers upside down and reads fewer)

A peer that is not installed is reported as missing, not skipped silently.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable

import cv2
import numpy as np

TESSERACT_PSM = "11"
TIMEOUT_S = 60  # a reading that takes longer counts as nothing read


def digits_of(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def digitcam_reader(mode: str, once: bool = False) -> Callable[[np.ndarray], str]:
    """`once`: each region read once (Recognizer's once; by default at five widths)."""
    from digitcam import Recognizer

    reader = Recognizer(mode=mode, once=once)
    return lambda image: digits_of(reader.read_text(image))


def tesseract_reader() -> Callable[[np.ndarray], str]:
    exe = shutil.which("tesseract")
    if exe is None:
        raise RuntimeError("tesseract is not installed (apt-get install tesseract-ocr)")

    def read(image: np.ndarray) -> str:
        ok, png = cv2.imencode(".png", image)
        try:
            out = subprocess.run(
                [exe, "stdin", "stdout", "--psm", TESSERACT_PSM,
                 "-c", "tessedit_char_whitelist=0123456789.,-/"],
                input=png.tobytes(), capture_output=True, timeout=TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired:
            return ""  # counted as read wrong (nothing read in time)
        return digits_of(out.stdout.decode(errors="replace"))

    return read


def rapidocr_reader() -> Callable[[np.ndarray], str]:
    try:
        from rapidocr import RapidOCR
    except ImportError:
        raise RuntimeError("rapidocr is not installed (pip install rapidocr)") from None
    engine = RapidOCR(params={"Global.use_cls": False, "Global.log_level": "critical"})

    def read(image: np.ndarray) -> str:
        result = engine(image)
        return digits_of("".join(result.txts or ()))

    return read


READERS: dict[str, Callable[[], Callable[[np.ndarray], str]]] = {
    "digitcam": lambda: digitcam_reader("learned"),
    "digitcam-once": lambda: digitcam_reader("learned", once=True),
    "digitcam-components": lambda: digitcam_reader("multi"),
    "tesseract": tesseract_reader,
    "rapidocr": rapidocr_reader,
}
