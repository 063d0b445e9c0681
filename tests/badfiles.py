"""A corpus of bad (and awkward but good) image files, built in a temporary folder at test
time, so that no binary junk is committed. Used by the tests of every entry point that
reads files: `digitcam predict`, `digitcam evaluate --dataset` and `POST /api/read`.

    corpus = build_corpus(tmp_path)      # [Case(name, path, error=regex | None, text=...)]
    for case in corpus: ...              # error: the reason expected; text: what it reads

`MODEL` is the model the tests read with: the shipped default once it exists, else `mlp`.
"""

from __future__ import annotations

import io
import os
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from digitcam.assets.registry import DEFAULT_MODEL
from digitcam.io.images import MAX_FILE_BYTES

MODEL = DEFAULT_MODEL
TEXT = "47"  # what every good file in the corpus shows


@dataclass
class Case:
    name: str
    path: Path
    error: str | None = None  # a regex of the one-line reason; None: the file must read
    text: str = TEXT


def page(text: str = TEXT) -> np.ndarray:
    """Dark handwriting-like digits on white paper, grey uint8."""
    img = np.full((160, 100 + 90 * len(text)), 255, np.uint8)
    cv2.putText(img, text, (40, 125), cv2.FONT_HERSHEY_SIMPLEX, 3.5, 0, 9)
    return img


def encode(img: np.ndarray, ext: str, params: list[int] | None = None) -> bytes:
    ok, buf = cv2.imencode(ext, img, params or [])
    assert ok
    return buf.tobytes()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def png_declaring(width: int, height: int) -> bytes:
    """A small, well-formed PNG file whose header declares width x height grey pixels."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (min(width, 64) + 1) * 4)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", rows)
            + png_chunk(b"IEND", b""))


def jpeg_declaring(width: int, height: int) -> bytes:
    """A real JPEG whose frame header (SOF) is patched to declare width x height."""
    data = bytearray(encode(page(), ".jpg"))
    i = 2
    while data[i + 1] not in (0xC0, 0xC2):
        i += 2 + int.from_bytes(data[i + 2 : i + 4], "big")
    data[i + 5 : i + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def webp_declaring(width: int, height: int) -> bytes:
    """A real lossless WebP whose header is patched to declare width x height (<= 16384)."""
    data = bytearray(encode(page(), ".webp", [cv2.IMWRITE_WEBP_QUALITY, 101]))
    assert data[12:16] == b"VP8L"
    bits = int.from_bytes(data[21:25], "little") & ~((1 << 28) - 1)
    data[21:25] = (bits | (width - 1) | (height - 1) << 14).to_bytes(4, "little")
    return bytes(data)


def tiff_declaring(width: int, height: int) -> bytes:
    """A real TIFF whose first directory is patched to declare width x height."""
    data = bytearray(encode(page(), ".tiff"))
    assert data[:4] == b"II*\x00"
    start = int.from_bytes(data[4:8], "little")
    for e in range(start + 2, start + 2 + 12 * int.from_bytes(data[start : start + 2], "little"),
                   12):
        tag, kind = struct.unpack("<HH", data[e : e + 4])
        if tag in (256, 257):
            value = width if tag == 256 else height
            packed = struct.pack("<I", value) if kind == 4 else struct.pack("<HH", value, 0)
            data[e + 8 : e + 12] = packed
    return bytes(data)


def pil_bytes(save) -> bytes:
    buffer = io.BytesIO()
    save(buffer)
    return buffer.getvalue()


def cmyk_jpeg() -> bytes:
    from PIL import Image

    image = Image.fromarray(page()).convert("CMYK")
    return pil_bytes(lambda b: image.save(b, "JPEG", quality=95))


def animated_gif() -> bytes:
    from PIL import Image

    first, second = Image.fromarray(page()), Image.fromarray(page("01"))
    return pil_bytes(lambda b: first.save(b, "GIF", save_all=True, append_images=[second],
                                          duration=100, loop=0))


def sideways_jpeg() -> bytes:
    """A photo stored on its side with EXIF orientation 6, as phones do: read upright."""
    from PIL import Image

    stored = Image.fromarray(np.ascontiguousarray(np.rot90(page(), 1)))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    return pil_bytes(lambda b: stored.save(b, "JPEG", quality=95, exif=exif.tobytes()))


def transparent_png() -> bytes:
    """Ink drawn on a transparent background whose hidden colour is black."""
    ink = 255 - page()
    bgra = np.zeros((*ink.shape, 4), np.uint8)
    bgra[..., 3] = ink
    return encode(bgra, ".png")


def corrupt_png() -> bytes:
    data = bytearray(encode(page(), ".png"))
    start = data.index(b"IDAT") + 4
    data[start + 10 : start + 40] = bytes(30)  # damaged compressed data, wrong CRC
    return bytes(data)


def file_contents() -> dict[str, tuple[bytes, str | None]]:
    """name -> (bytes, expected error regex or None when the file must read)."""
    png, jpg = encode(page(), ".png"), encode(cv2.cvtColor(page(), cv2.COLOR_GRAY2BGR), ".jpg")
    return {
        "good.png": (png, None),
        "good.jpg": (jpg, None),
        "zero_bytes.png": (b"", "empty file"),
        "truncated.png": (png[: len(png) // 2], "truncated or corrupt PNG"),
        "truncated.jpg": (jpg[: len(jpg) // 2], "truncated or corrupt JPEG"),
        "corrupt.png": (corrupt_png(), "truncated or corrupt PNG"),
        "text.png": (b"These are my notes, not a picture.\n" * 20, "unknown format"),
        "zero_size.png": (png_declaring(0, 0), r"no pixels \(0x0\)"),
        "bomb.png": (png_declaring(100_000, 100_000), "too large"),
        "bomb.jpg": (jpeg_declaring(60_000, 60_000), "too large"),
        "bomb.webp": (webp_declaring(16_384, 16_384), "too large"),
        "bomb.tiff": (tiff_declaring(30_000, 30_000), "too large"),
        "deep16.png": (encode(page().astype(np.uint16) * 257, ".png"), None),
        "cmyk.jpg": (cmyk_jpeg(), None),
        "animated.gif": (animated_gif(), None),
        "sideways.jpg": (sideways_jpeg(), None),
        "transparent.png": (transparent_png(), None),
    }


def can_forbid_reading(path: Path) -> bool:
    """Whether chmod 000 really stops this process reading (not as root, not on every fs)."""
    path.chmod(0)
    try:
        path.read_bytes()
    except PermissionError:
        return True
    return False


def build_corpus(directory: Path) -> list[Case]:
    """Write every kind of file into `directory`; the cases in a fixed order."""
    directory.mkdir(parents=True, exist_ok=True)
    cases = []
    for name, (data, error) in file_contents().items():
        (directory / name).write_bytes(data)
        cases.append(Case(name, directory / name, error))
    special = {
        "folder.png": "is a directory|a folder with no images",  # predict reads folders
        "missing.png": "no such file",
        "dangling_link.png": "no such file",
        "pipe.png": "not a regular file",
        "oversized.png": "file too large",
    }
    (directory / "folder.png").mkdir()
    (directory / "dangling_link.png").symlink_to(directory / "nowhere.png")
    os.mkfifo(directory / "pipe.png")  # reading it would block forever
    with open(directory / "oversized.png", "wb") as f:  # sparse: no disk space used
        f.write(encode(page(), ".png"))
        f.truncate(MAX_FILE_BYTES + 1)
    locked = directory / "locked.png"
    locked.write_bytes(encode(page(), ".png"))
    if can_forbid_reading(locked):
        special["locked.png"] = "permission denied"
    else:
        locked.unlink()
    cases += [Case(name, directory / name, error) for name, error in special.items()]
    return cases
