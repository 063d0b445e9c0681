"""MNIST: find, download, verify and parse the four IDX files.

`load_mnist_data()` looks in, in turn: its `data_dir` argument, the `DIGITCAM_DATA`
environment variable, and the user cache directory. Files that are missing (or whose
content does not match the published checksum) are downloaded from the public mirrors,
tried in turn, and written atomically: a download lands in a temporary file, is checked,
and only then renamed into place. A directory that already holds good files is only read.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import os
import tempfile
import time
import urllib.error
import urllib.request
import zlib
from pathlib import Path

import numpy as np

ENV_DATA_DIR = "DIGITCAM_DATA"
ENV_MIRRORS = "DIGITCAM_MNIST_MIRRORS"  # comma-separated base URLs, tried before the defaults

MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)

# SHA-256 of the *decompressed* IDX bytes (the .gz bytes may legitimately differ).
FILES = {
    "train-images-idx3-ubyte.gz":
        "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte.gz":
        "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte.gz":
        "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte.gz":
        "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS = FILES

IDX_MAGIC = {0x00000801: 1, 0x00000803: 3}  # magic number -> number of dimensions (uint8 data)
DOWNLOAD_TIMEOUT_S = 30
MAX_DOWNLOAD_BYTES = 64 * 1024 * 1024
MAX_IDX_BYTES = 64 * 1024 * 1024  # the largest MNIST file is 47 MB decompressed
STALE_PART_S = 10 * 60  # a temporary download untouched this long was left by a killed run


class DataError(RuntimeError):
    """MNIST could not be found, fetched or parsed; the message is one line for the user."""


def default_data_dir() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("digitcam")) / "mnist"


def resolve_data_dir(data_dir: str | os.PathLike | None = None) -> Path:
    if data_dir is not None:
        return Path(data_dir).expanduser()
    if os.environ.get(ENV_DATA_DIR):
        return Path(os.environ[ENV_DATA_DIR]).expanduser()
    return default_data_dir()


def mirrors() -> list[str]:
    extra = [m.strip() for m in os.environ.get(ENV_MIRRORS, "").split(",") if m.strip()]
    return [m if m.endswith("/") else m + "/" for m in extra] + list(MIRRORS)


def parse_idx(raw: bytes, name: str = "IDX data") -> np.ndarray:
    """Parse uncompressed IDX bytes (uint8 payload) with checks on magic, dimensions and size."""
    if len(raw) < 8:
        raise DataError(f"{name}: too short to be an IDX file ({len(raw)} bytes)")
    magic = int.from_bytes(raw[:4], "big")
    if magic not in IDX_MAGIC:
        raise DataError(f"{name}: bad IDX magic number 0x{magic:08x}")
    ndim = IDX_MAGIC[magic]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataError(f"{name}: truncated IDX header")
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    expected = header + int(np.prod(shape, dtype=np.int64))
    if len(raw) != expected:
        raise DataError(f"{name}: IDX size mismatch: header says {shape}, "
                        f"expected {expected} bytes, got {len(raw)}")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape).copy()


def _idx_size(header: bytes, name: object) -> int:
    """The whole size an IDX file declares in its first bytes (DataError: not IDX)."""
    magic = int.from_bytes(header[:4], "big")
    if len(header) < 4 or magic not in IDX_MAGIC:
        raise DataError(f"{name}: corrupt: not an IDX file (magic 0x{magic:08x})")
    ndim = IDX_MAGIC[magic]
    if len(header) < 4 + 4 * ndim:
        raise DataError(f"{name}: corrupt: truncated IDX header")
    shape = [int.from_bytes(header[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    size = 4 + 4 * ndim + int(np.prod(shape, dtype=np.int64))
    if size > MAX_IDX_BYTES:
        raise DataError(f"{name}: corrupt: its header declares {size:,} bytes (MNIST is "
                        f"under {MAX_IDX_BYTES:,})")
    return size


def _decompress(path: Path) -> bytes:
    """The decompressed IDX bytes of a .gz file, streamed and never more than its IDX header
    declares (a gzip bomb stops there); DataError saying 'corrupt' otherwise."""
    try:
        with gzip.open(path, "rb") as f:
            raw = bytearray(f.read(16))  # the longest IDX header (3 dimensions)
            size = _idx_size(bytes(raw), path)
            while len(raw) < size and (chunk := f.read(min(1 << 20, size - len(raw)))):
                raw += chunk
            if len(raw) > size or f.read(1):
                raise DataError(f"{path}: corrupt: more data than its IDX header declares")
    except (OSError, EOFError, gzip.BadGzipFile, zlib.error) as e:
        raise DataError(f"{path}: corrupt: not a valid gzip file ({e})") from None
    if len(raw) != size:
        raise DataError(f"{path}: corrupt: truncated ({len(raw):,} of {size:,} bytes)")
    return raw


def _check_file(path: Path) -> tuple[bytearray | None, str]:
    """(the decompressed bytes of `path`, "") if it exists and matches its checksum, else
    (None, what is wrong: "missing", "corrupt: ...")."""
    if not path.is_file():
        return None, "missing"
    try:
        raw = _decompress(path)
    except DataError as e:
        return None, str(e).removeprefix(f"{path}: ")
    if hashlib.sha256(raw).hexdigest() != FILES[path.name]:
        return None, "corrupt: not the published file (checksum mismatch)"
    return raw, ""


def _verified_content(path: Path) -> bytearray | None:
    """The decompressed bytes of `path` if the file exists and matches its checksum."""
    return _check_file(path)[0]


def _download(url: str, dest: Path, name: str) -> None:
    """Fetch `url` into a temporary file beside `dest`; rename only when it verifies."""
    from tqdm import tqdm

    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=dest.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(
            url, timeout=DOWNLOAD_TIMEOUT_S
        ) as resp:
            total = int(resp.headers.get("Content-Length") or 0) or None
            with tqdm(total=total, unit="B", unit_scale=True, desc=name, leave=False) as bar:
                size = 0
                while chunk := resp.read(1 << 16):
                    size += len(chunk)
                    if size > MAX_DOWNLOAD_BYTES:
                        raise DataError(f"{url}: larger than {MAX_DOWNLOAD_BYTES} bytes")
                    out.write(chunk)
                    bar.update(len(chunk))
            if total is not None and size != total:
                raise DataError(f"{url}: truncated download ({size} of {total} bytes)")
        raw = _decompress(tmp)
        if hashlib.sha256(raw).hexdigest() != FILES[name]:
            raise DataError(f"{url}: checksum mismatch")
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)


def _remove_stale_parts(directory: Path, name: str) -> None:
    """Temporary files of `name` left by a killed download (a live one is written to at
    least every DOWNLOAD_TIMEOUT_S, so an old one has no writer)."""
    for part in directory.glob(f".{name}.*.part"):
        with contextlib.suppress(OSError):
            if time.time() - part.stat().st_mtime > STALE_PART_S:
                part.unlink()


def fetch_file(name: str, data_dir: Path, download: bool = True,
               problem: str | None = None) -> bytes:
    """Decompressed, verified content of one MNIST file, downloading it if needed
    (`problem`: what is already known to be wrong with the local file)."""
    path = data_dir / name
    if problem is None:
        content, problem = _check_file(path)
        if content is not None:
            return content
    if not download:
        raise DataError(f"{path}: {problem}")
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise DataError(f"cannot create {data_dir}: {e.strerror or e}") from None
    if not os.access(data_dir, os.W_OK):
        raise DataError(f"{path}: {problem}, and {data_dir} is not writable; "
                        f"point --data-dir / ${ENV_DATA_DIR} at a folder with the MNIST files")
    _remove_stale_parts(data_dir, name)
    errors = []
    for base in mirrors():
        try:
            _download(base + name, path, name)
        except (DataError, OSError, urllib.error.URLError, ValueError) as e:
            errors.append(f"{base}: {getattr(e, 'reason', None) or e}")
            continue
        content = _verified_content(path)
        if content is not None:
            return content
    raise DataError(f"could not download {name} ({'; '.join(errors)})")


def load_mnist_data(
    data_dir: str | os.PathLike | None = None, download: bool = True
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Return `(x_train, y_train), (x_test, y_test)` as uint8 arrays, like Keras does.

    Images are (N, 28, 28), white ink on black; labels are (N,) digits 0-9. A folder named
    by `data_dir` or $DIGITCAM_DATA must exist (a mistyped one is never created); the user
    cache is created when a download needs it.
    """
    directory = resolve_data_dir(data_dir)
    if directory != default_data_dir() and not directory.is_dir():
        what = "not a folder" if directory.exists() else "no such folder"
        raise DataError(f"{directory}: {what} (--data-dir / ${ENV_DATA_DIR}); "
                        "create it first to download MNIST into it")
    checked = {name: _check_file(directory / name) for name in FILES}
    contents = {name: content for name, (content, _) in checked.items()}
    offline = []
    for name in [n for n, c in contents.items() if c is None]:
        if not download:
            offline.append(f"{name} ({checked[name][1]})")
            continue
        try:
            contents[name] = fetch_file(name, directory, problem=checked[name][1])
        except DataError as e:
            if "could not download" not in str(e):
                raise
            offline.append(f"{name} ({checked[name][1]})")
    if offline:
        raise DataError(
            f"MNIST files missing or corrupt in {directory}: {', '.join(offline)}; could not "
            f"download them. Put the .gz files there, or point --data-dir / ${ENV_DATA_DIR} at "
            "a folder that has them."
        )
    arrays = [parse_idx(contents[n] or b"", n) for n in FILES]
    x_train, y_train, x_test, y_test = arrays
    if x_train.shape[1:] != (28, 28) or len(x_train) != len(y_train) or len(x_test) != len(y_test):
        raise DataError(f"{directory}: MNIST arrays have unexpected shapes")
    return (x_train, y_train), (x_test, y_test)


def data_checksums() -> dict[str, str]:
    """The SHA-256 of each decompressed file, as recorded on model cards."""
    return {name.removesuffix(".gz"): sha for name, sha in FILES.items()}
