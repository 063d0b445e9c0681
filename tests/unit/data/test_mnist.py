"""MNIST loading from the shared files, and the download path against a local HTTP server."""

from __future__ import annotations

import gzip
import hashlib
import http.server
import threading
from pathlib import Path

import numpy as np
import pytest

from digitcam.data import mnist as data
from digitcam.data.mnist import DataError, load_mnist_data, parse_idx
from tests.conftest import mnist_dir


def test_load_shared_files(mnist):
    (x_train, y_train), (x_test, y_test) = mnist
    assert x_train.shape == (60000, 28, 28) and x_train.dtype == np.uint8
    assert x_test.shape == (10000, 28, 28) and y_test.shape == (10000,)
    assert y_train[:5].tolist() == [5, 0, 4, 1, 9]  # the well-known first training labels
    assert y_test[:5].tolist() == [7, 2, 1, 0, 4]
    assert np.bincount(y_test).tolist()[:3] == [980, 1135, 1032]


def idx_bytes(array: np.ndarray) -> bytes:
    magic = {1: 0x801, 3: 0x803}[array.ndim]
    dims = b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    return magic.to_bytes(4, "big") + dims + array.astype(np.uint8).tobytes()


def test_parse_idx_checks_magic_dims_and_size():
    a = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    assert np.array_equal(parse_idx(idx_bytes(a)), a)
    with pytest.raises(DataError, match="magic"):
        parse_idx(b"\x00\x00\x09\x99" + idx_bytes(a)[4:])
    with pytest.raises(DataError, match="size mismatch"):
        parse_idx(idx_bytes(a)[:-1])
    with pytest.raises(DataError, match="too short"):
        parse_idx(b"\x00\x00")


class Mirror:
    """A real HTTP server on 127.0.0.1 serving chosen bytes for chosen file names."""

    def __init__(self, files: dict[str, bytes], lie_about_length: bool = False):
        self.files, self.requests = files, []
        mirror = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                name = self.path.rsplit("/", 1)[-1]
                mirror.requests.append(name)
                body = mirror.files.get(name)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                length = len(body) * 2 if lie_about_length else len(body)
                self.send_header("Content-Length", str(length))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/mnist/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def good_files() -> dict[str, bytes]:
    src = mnist_dir()
    if not (src / data.TEST_LABELS).exists():
        pytest.skip("MNIST not available")
    return {name: (src / name).read_bytes() for name in data.FILES}


@pytest.fixture
def only_local_mirror(monkeypatch):
    """Make the public mirrors unreachable, so only the test's server can answer."""
    monkeypatch.setattr(data, "MIRRORS", ("http://127.0.0.1:9/",))
    monkeypatch.setattr(data, "DOWNLOAD_TIMEOUT_S", 5)


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name not in data.FILES)


def test_download_from_local_mirror(tmp_path, monkeypatch, good_files, only_local_mirror):
    (tmp_path / "cache").mkdir()  # a folder given by name must exist (never created)
    with Mirror(good_files) as mirror:
        monkeypatch.setenv(data.ENV_MIRRORS, mirror.url)
        (x_train, _), (x_test, y_test) = load_mnist_data(tmp_path / "cache")
    assert sorted(mirror.requests) == sorted(data.FILES)
    assert x_train.shape == (60000, 28, 28) and y_test[:3].tolist() == [7, 2, 1]
    assert leftovers(tmp_path / "cache") == []


def test_cached_files_are_not_fetched_again(tmp_path, monkeypatch, good_files, only_local_mirror):
    cache = tmp_path / "cache"
    cache.mkdir()
    for name, body in good_files.items():
        (cache / name).write_bytes(body)
    with Mirror({}) as mirror:
        monkeypatch.setenv(data.ENV_MIRRORS, mirror.url)
        load_mnist_data(cache)
    assert mirror.requests == []


@pytest.mark.parametrize("fault", ["truncated", "corrupted", "not_gzip"])
def test_bad_download_is_rejected_and_nothing_left(tmp_path, monkeypatch, good_files,
                                                   only_local_mirror, fault):
    name = data.TEST_LABELS
    body = good_files[name]
    if fault == "truncated":
        bad = body[: len(body) // 2]
    elif fault == "corrupted":  # valid gzip, wrong content: fails the SHA-256 check
        raw = bytearray(gzip.decompress(body))
        raw[100] ^= 0xFF
        bad = gzip.compress(bytes(raw))
    else:
        bad = b"<html>mirror error page</html>"
    cache = tmp_path / "cache"
    cache.mkdir()
    with Mirror({**good_files, name: bad}) as mirror:
        monkeypatch.setenv(data.ENV_MIRRORS, mirror.url)
        with pytest.raises(DataError) as err:
            load_mnist_data(cache)
    message = str(err.value)
    assert name in message and str(cache) in message and "DIGITCAM_DATA" in message
    assert "\n" not in message
    assert not (cache / name).exists()
    assert leftovers(cache) == []  # no partial or temporary files


def test_truncated_transfer_detected_by_length(tmp_path, monkeypatch, good_files,
                                               only_local_mirror):
    cache = tmp_path / "cache"
    cache.mkdir()
    with Mirror(good_files, lie_about_length=True) as mirror:
        monkeypatch.setenv(data.ENV_MIRRORS, mirror.url)
        with pytest.raises(DataError):
            load_mnist_data(cache)
    assert leftovers(cache) == [] and not any((cache / n).exists() for n in data.FILES)


def test_corrupt_cached_file_is_fetched_again(tmp_path, monkeypatch, good_files,
                                              only_local_mirror):
    cache = tmp_path / "cache"
    cache.mkdir()
    for name, body in good_files.items():
        (cache / name).write_bytes(body)
    (cache / data.TRAIN_LABELS).write_bytes(gzip.compress(b"garbage"))
    with Mirror(good_files) as mirror:
        monkeypatch.setenv(data.ENV_MIRRORS, mirror.url)
        load_mnist_data(cache)
    assert mirror.requests == [data.TRAIN_LABELS]
    raw = gzip.decompress((cache / data.TRAIN_LABELS).read_bytes())
    assert hashlib.sha256(raw).hexdigest() == data.FILES[data.TRAIN_LABELS]


def test_falls_back_to_the_next_mirror(tmp_path, monkeypatch, good_files, only_local_mirror):
    with Mirror({}) as empty, Mirror(good_files) as good:
        monkeypatch.setenv(data.ENV_MIRRORS, f"{empty.url},{good.url}")
        load_mnist_data(tmp_path)
    assert len(empty.requests) == 4 and len(good.requests) == 4


def test_offline_message_names_files_dir_and_option(tmp_path, only_local_mirror, monkeypatch):
    monkeypatch.delenv(data.ENV_MIRRORS, raising=False)
    with pytest.raises(DataError) as err:
        load_mnist_data(tmp_path, download=True)
    message = str(err.value)
    for needle in (*data.FILES, str(tmp_path), "--data-dir", "DIGITCAM_DATA"):
        assert needle in message
    assert leftovers(tmp_path) == []


def test_data_dir_resolution(monkeypatch, tmp_path):
    monkeypatch.setenv(data.ENV_DATA_DIR, str(tmp_path))
    assert data.resolve_data_dir() == tmp_path
    assert data.resolve_data_dir(tmp_path / "x") == tmp_path / "x"
    monkeypatch.delenv(data.ENV_DATA_DIR)
    assert data.resolve_data_dir().name == "mnist"
