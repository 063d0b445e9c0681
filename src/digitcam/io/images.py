"""Read (and write) image files for the recogniser, with one-line errors that name the reason.

    from digitcam.io.images import ImageError, read_image, decode_image
    frame = read_image("photo.jpg")      # BGR, BGRA or grey; 8 or 16 bit; or ImageError
    frame = decode_image(uploaded_bytes)  # the same for bytes (web uploads)
    frame = load_image(path_bytes_or_array)  # what Recognizer.read takes
    write_image(Path("out.png"), frame, "the annotated photo")  # or OSError, one line

Each guard is a one-line ImageError: a missing file, a directory, a pipe or device (never
read: it could block or never end), permission denied, a file above MAX_FILE_BYTES, an
empty file, a header declaring no pixels or more than MAX_PIXELS (a decompression bomb is
refused before any pixel is decoded: the size is read here from the header of every format
decoded (PNG, JPEG, GIF, BMP, WebP, TIFF, PBM/PGM/PPM/PAM/PFM, Sun raster, Radiance HDR,
JPEG 2000); a file whose size cannot be read so (AVIF, say) is not decoded, and
`digitcam/__init__` sets OpenCV's OPENCV_IO_MAX_IMAGE_PIXELS as a second guard), and data
OpenCV cannot decode (unknown format, truncated or corrupt). OpenCV's warnings,
and what libpng and libjpeg print on stderr, are kept off the terminal while decoding (the
codec's complaint becomes part of the reason), so a bad file gives exactly one line.
JPEG photos are turned upright by their EXIF orientation, as a phone shows them; HEIC
photos (an iPhone's default) are read with pillow-heif, upright too.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import stat
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

MAX_FILE_BYTES = 64 * 1024 * 1024
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".gif", ".pgm",
                  ".ppm", ".pbm", ".heic", ".heif"}  # the files of a folder read as images
# 100 MP: a 48 or 50 MP phone photo (8064x6048) fits; larger declared sizes are refused
# before decoding (a decompression bomb); io.frames.MAX_FRAME_PIXELS is the same ceiling.
MAX_PIXELS = 100_000_000
HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1")
MAGIC = {  # leading bytes -> format name, for the error message
    b"\x89PNG\r\n\x1a\n": "PNG", b"\xff\xd8": "JPEG", b"GIF87a": "GIF", b"GIF89a": "GIF",
    b"BM": "BMP", b"II*\x00": "TIFF", b"MM\x00*": "TIFF", b"RIFF": "WebP",
    **{b"P%d" % n: "PNM" for n in range(1, 8)}, b"PF": "PFM", b"Pf": "PFM",
    b"\x59\xa6\x6a\x95": "Sun raster", b"#?RADIANCE": "HDR", b"#?RGBE": "HDR",
    b"\x00\x00\x00\x0cjP  \r\n\x87\n": "JPEG 2000", b"\xff\x4f\xff\x51": "JPEG 2000",
}
HEADER_SCAN = 64 * 1024  # text headers (PNM comments, HDR) and JPEG 2000 boxes: this far
_JPEG_SOF = (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF)
_LOCK = threading.Lock()  # one decode at a time: the log level and fd 2 are process-wide
CODEC_MESSAGES = ("libpng ", "Corrupt JPEG", "Premature end of JPEG", "Invalid JPEG",
                  "Unsupported JPEG", "Bogus ", "Warning: ")


class ImageError(ValueError):
    """An image file cannot be read; str() is the reason, for one line of output."""


def _format(data: bytes) -> str | None:
    if data[4:12] in (b"ftypavif", b"ftypavis"):
        return "AVIF"  # decodable, but its size lies in boxes a decoder may not use
    if data[4:8] == b"ftyp" and data[8:12] in HEIF_BRANDS:
        return "HEIC"
    return next((name for magic, name in MAGIC.items() if data.startswith(magic)), None)


def _declared_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from the image's header, without decoding the pixels; None when the
    format is not one of those parsed here (OpenCV's own limit then applies)."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return int.from_bytes(data[6:8], "little"), int.from_bytes(data[8:10], "little")
    if data[:2] == b"BM" and len(data) >= 26:
        return (abs(int.from_bytes(data[18:22], "little", signed=True)),
                abs(int.from_bytes(data[22:26], "little", signed=True)))
    if data[:2] == b"\xff\xd8":
        return _jpeg_size(data)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP" and len(data) >= 30:
        return _webp_size(data)
    if data[:4] in (b"II*\x00", b"MM\x00*") and len(data) >= 8:
        return _tiff_size(data)
    return _other_size(data, _format(data))


def _other_size(data: bytes, fmt: str | None) -> tuple[int, int] | None:
    """The formats OpenCV decodes beyond the common ones (bitmaps, science, JPEG 2000)."""
    if fmt in ("PNM", "PFM") and data[2:3].isspace():
        return _pam_size(data) if data[1:2] == b"7" else _pnm_size(data)
    if fmt == "Sun raster" and len(data) >= 12:
        return int.from_bytes(data[4:8], "big"), int.from_bytes(data[8:12], "big")
    if fmt == "HDR":
        found = re.search(rb"\n\s*\n([-+][XY]) +(\d+) +([-+][XY]) +(\d+)", data[:HEADER_SCAN])
        if found is None:
            return None
        first, second = int(found.group(2)), int(found.group(4))
        return (second, first) if found.group(1).endswith(b"Y") else (first, second)
    if fmt == "JPEG 2000":  # the codestream's SIZ marker: what the decoder allocates
        at = data.find(b"\xff\x4f\xff\x51", 0, HEADER_SCAN)
        if at < 0 or len(data) < at + 24:
            return None
        x, y, x0, y0 = (int.from_bytes(data[at + o : at + o + 4], "big") for o in (8, 12, 16, 20))
        return max(0, x - x0), max(0, y - y0)
    return None


def _pnm_size(data: bytes) -> tuple[int, int] | None:
    """PBM/PGM/PPM (P1-P6) and PFM: width and height, the first two numbers after the
    magic, past whitespace and # comments (as OpenCV's reader skips them)."""
    numbers = []
    for token in re.finditer(rb"#[^\r\n]*|\d+|\S", data[2:HEADER_SCAN]):
        if token.group().startswith(b"#"):
            continue
        if not token.group().isdigit():
            return None
        numbers.append(int(token.group()))
        if len(numbers) == 2:
            return numbers[0], numbers[1]
    return None


def _pam_size(data: bytes) -> tuple[int, int] | None:
    """PAM (P7): WIDTH and HEIGHT lines before ENDHDR."""
    head = data[:HEADER_SCAN].split(b"ENDHDR", 1)[0]
    width = re.search(rb"(?m)^\s*WIDTH\s+(\d+)", head)
    height = re.search(rb"(?m)^\s*HEIGHT\s+(\d+)", head)
    return (int(width.group(1)), int(height.group(1))) if width and height else None


def _tiff_size(data: bytes) -> tuple[int, int] | None:
    """Width and height tags (256, 257) of the first image directory."""
    order = "little" if data[:2] == b"II" else "big"
    start = int.from_bytes(data[4:8], order)
    count = int.from_bytes(data[start : start + 2], order)
    size = {}
    for e in range(start + 2, min(start + 2 + 12 * count, len(data) - 11), 12):
        tag, kind = int.from_bytes(data[e : e + 2], order), int.from_bytes(data[e + 2 : e + 4],
                                                                           order)
        if tag in (256, 257):
            size[tag] = int.from_bytes(data[e + 8 : e + (10 if kind == 3 else 12)], order)
    return (size[256], size[257]) if len(size) == 2 else None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    kind = data[12:16]
    if kind == b"VP8X":  # extended: 24-bit canvas size minus one
        return (int.from_bytes(data[24:27], "little") + 1,
                int.from_bytes(data[27:30], "little") + 1)
    if kind == b"VP8 ":  # lossy: 14-bit sizes after the start code
        return (int.from_bytes(data[26:28], "little") & 0x3FFF,
                int.from_bytes(data[28:30], "little") & 0x3FFF)
    if kind == b"VP8L":  # lossless: 14-bit sizes minus one, packed
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker in _JPEG_SOF:
            return int.from_bytes(data[i + 7 : i + 9], "big"), int.from_bytes(data[i + 5 : i + 7],
                                                                               "big")
        i += 2 + int.from_bytes(data[i + 2 : i + 4], "big")
    return None


@contextlib.contextmanager
def _native_stderr_captured():
    """Capture what C libraries write on file descriptor 2 (libpng and libjpeg print their
    complaints there, past Python); yields a list that receives the codec's lines. Lines
    that are not a codec's (another thread's) are written back to stderr afterwards."""
    lines: list[str] = []
    try:
        saved = os.dup(2)
    except OSError:  # no stderr at all: nothing to keep clean
        yield lines
        return
    capture = _capture_file()
    capture.seek(0)
    capture.truncate()
    os.dup2(capture.fileno(), 2)
    try:
        yield lines
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        capture.seek(0)
        for line in capture.read().decode(errors="replace").splitlines():
            if line.startswith(CODEC_MESSAGES):
                lines.append(line)
            elif line.strip():
                print(line, file=sys.stderr)


@functools.lru_cache(maxsize=1)
def _capture_file():
    """One scratch file for _native_stderr_captured, reused (callers hold _LOCK)."""
    return tempfile.TemporaryFile()


def _imdecode(data: bytes, flags: int) -> tuple[np.ndarray | None, str]:
    """cv2.imdecode, and the codec's last complaint, with nothing printed on stderr."""
    with _LOCK, _native_stderr_captured() as complaints:
        level = cv2.utils.logging.getLogLevel()
        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
        try:
            image = cv2.imdecode(np.frombuffer(data, np.uint8), flags)
        except cv2.error as e:
            if "CV_IO_MAX_IMAGE" in str(e):  # OpenCV's own limit, for the other formats
                raise ImageError("image too large (over OpenCV's OPENCV_IO_MAX_IMAGE_PIXELS)"
                                 ) from None
            image = None
        finally:
            cv2.utils.logging.setLogLevel(level)
    detail = complaints[-1].split(":", 1)[-1].strip() if complaints else ""
    return image, detail


def decode_image(data: bytes, max_pixels: int = MAX_PIXELS) -> np.ndarray:
    """Decode image bytes to a BGR, BGRA or grey array (8 or 16 bit), or raise ImageError."""
    if len(data) == 0:
        raise ImageError("empty file")
    fmt = _format(data)
    if fmt == "HEIC":
        from .heif import decode_heif

        return decode_heif(data, max_pixels)
    size = _declared_size(data)
    if size is None:  # only what can be measured before decoding is decoded
        reason = ("AVIF is not read (its size cannot be checked before decoding)"
                  if fmt == "AVIF" else "unknown format" if fmt is None
                  else f"truncated or corrupt {fmt} data (no image size in its header)")
        raise ImageError(f"not a readable image: {reason}")
    w, h = size
    if w == 0 or h == 0:
        raise ImageError(f"image has no pixels ({w}x{h})")
    if w * h > max_pixels:
        raise ImageError(f"image too large ({w}x{h} pixels, limit {max_pixels})")
    # JPEG has no alpha, and only a colour/any-depth read applies its EXIF orientation.
    flags = (cv2.IMREAD_ANYCOLOR | cv2.IMREAD_ANYDEPTH if fmt == "JPEG"
             else cv2.IMREAD_UNCHANGED)
    image, detail = _imdecode(data, flags)
    if image is None or image.size == 0:
        reason = f"truncated or corrupt {fmt} data" if fmt else "unknown format"
        raise ImageError(f"not a readable image: {reason}" + (f" ({detail})" if detail else ""))
    return image


def read_file(path: str | os.PathLike, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a regular file, or ImageError (missing, directory, pipe, too large...)."""
    p = Path(path)
    try:
        info = p.stat()
        if stat.S_ISDIR(info.st_mode):
            raise ImageError("is a directory, not an image file")
        if not stat.S_ISREG(info.st_mode):
            raise ImageError("not a regular file (a pipe, socket or device)")
        if info.st_size > max_bytes:
            raise ImageError(f"file too large ({info.st_size} bytes, limit {max_bytes})")
        with open(p, "rb") as f:
            data = f.read(max_bytes + 1)  # the file may have grown since stat()
    except FileNotFoundError:
        raise ImageError("no such file") from None
    except PermissionError:
        raise ImageError("permission denied") from None
    except OSError as e:
        raise ImageError(f"cannot read file ({e.strerror or e})") from None
    if len(data) > max_bytes:
        raise ImageError(f"file too large (over {max_bytes} bytes)")
    return data


def read_image(path: str | os.PathLike) -> np.ndarray:
    """Read an image file (PNG, JPEG, HEIC, BMP, TIFF, WebP, GIF's first frame ...)."""
    return decode_image(read_file(path))


def load_image(image: str | os.PathLike | bytes | bytearray | memoryview | np.ndarray
               ) -> np.ndarray:
    """What the reader takes: a file path, the bytes of an image file, or an array (as
    EasyOCR's readtext does); an ImageError (one line) when a file cannot be read."""
    if isinstance(image, (str, os.PathLike)):
        return read_image(image)
    if isinstance(image, (bytes, bytearray, memoryview)):
        return decode_image(bytes(image))
    return np.asarray(image)


@contextlib.contextmanager
def quiet_opencv() -> Iterator[None]:
    """OpenCV's own warnings off stderr meanwhile (we print one clear line instead)."""
    level = cv2.utils.logging.getLogLevel()
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
    try:
        yield
    finally:
        cv2.utils.logging.setLogLevel(level)


def write_image(path: Path, image: np.ndarray, what: str) -> None:
    """cv2.imwrite, and its folder made, or OSError 'could not save WHAT to PATH'."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with quiet_opencv():
            if cv2.imwrite(str(path), image):
                return
        reason = ""
    except (OSError, cv2.error) as e:
        reason = f" ({getattr(e, 'strerror', None) or str(e).strip().splitlines()[-1]})"
    raise OSError(f"could not save {what} to {path}{reason}")
