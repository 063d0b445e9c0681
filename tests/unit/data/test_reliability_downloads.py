"""Interrupted MNIST downloads leave nothing half-written in the cache: Ctrl-C in the
middle of a transfer, and a process killed outright (its temporary file is cleared by the
next run once stale). tests/test_data.py covers bad and truncated downloads."""

from __future__ import annotations

import http.server
import os
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from digitcam.data import mnist as data
from digitcam.data.mnist import load_mnist_data
from tests.unit.data.test_mnist import Mirror, good_files, leftovers, only_local_mirror  # noqa: F401

TIMEOUT_S = 60


class StallingMirror:
    """Serves the first half of every file, then holds the connection open until closed."""

    def __init__(self, files: dict[str, bytes]):
        release = self.release = threading.Event()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = files[self.path.rsplit("/", 1)[-1]]
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                release.wait(TIMEOUT_S)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/mnist/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def test_ctrl_c_during_a_transfer_leaves_nothing(tmp_path, monkeypatch, good_files,  # noqa: F811
                                                 only_local_mirror):  # noqa: F811
    real_urlopen = urllib.request.urlopen

    def interrupted_urlopen(*args, **kwargs):
        response = real_urlopen(*args, **kwargs)
        chunks = iter(range(3))

        def read(size=-1):
            if next(chunks, None) is None:
                raise KeyboardInterrupt  # the user presses Ctrl-C after a few chunks
            return type(response).read(response, size)

        response.read = read
        return response

    monkeypatch.setattr(urllib.request, "urlopen", interrupted_urlopen)
    cache = tmp_path / "cache"
    cache.mkdir()
    with Mirror(good_files) as mirror:
        monkeypatch.setenv(data.ENV_MIRRORS, mirror.url)
        with pytest.raises(KeyboardInterrupt):
            load_mnist_data(cache)
    assert list(cache.iterdir()) == []  # no partial file, no temporary file


def test_killed_download_never_lands_and_the_next_run_cleans_up(tmp_path, monkeypatch,
                                                               good_files,  # noqa: F811
                                                               only_local_mirror):  # noqa: F811
    cache = tmp_path / "cache"
    cache.mkdir()
    stalling = StallingMirror(good_files)
    code = f"from digitcam.data.mnist import load_mnist_data; load_mnist_data({str(cache)!r})"
    env = {**os.environ, data.ENV_MIRRORS: stalling.url}
    process = subprocess.Popen([sys.executable, "-c", code], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + TIMEOUT_S
        while not any(p.stat().st_size for p in parts(cache)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert parts(cache), "the download did not start"
        process.kill()  # SIGKILL mid-transfer: no clean-up code runs
        process.wait(TIMEOUT_S)
    finally:
        if process.poll() is None:
            process.kill()
        stalling.close()
    assert not any((cache / name).exists() for name in data.FILES)  # nothing half-written
    stale = parts(cache)
    old = time.time() - 2 * data.STALE_PART_S
    for part in stale:
        os.utime(part, (old, old))
    with Mirror(good_files) as mirror:
        monkeypatch.setenv(data.ENV_MIRRORS, mirror.url)
        load_mnist_data(cache)
    assert leftovers(cache) == []


def parts(cache: Path) -> list[Path]:
    return sorted(cache.glob(".*.part")) if cache.is_dir() else []
