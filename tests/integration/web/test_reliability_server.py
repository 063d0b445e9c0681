"""The real server (`digitcam serve` on 127.0.0.1, started here) under bad and hostile
clients: the bad-file corpus uploaded, malformed WebSocket messages, oversized frames, slow
partial uploads, hundreds of idle connections. It must stay up, keep serving the others,
keep its memory bounded, and send no CORS headers unless asked. Every client here is
bounded in count and in time (TIMEOUT_S per operation).
"""

from __future__ import annotations

import contextlib
import json
import socket
import time
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
httpx = pytest.importorskip("httpx")
ws_client = pytest.importorskip("websockets.sync.client")

from digitcam.apps.web.spawn import spawn_server  # noqa: E402
from tests.badfiles import MODEL, TEXT, encode, file_contents, page  # noqa: E402

MAX_UPLOAD_MB = 1
MAX_UPLOAD = MAX_UPLOAD_MB * 1024 * 1024
TIMEOUT_S = 20
IDLE_TCP = 200       # raw connections that never send a byte
IDLE_WS = 100        # WebSocket clients that connect and say nothing
SLOW_UPLOADS = 20    # uploads that send headers and a part of the body, then stall
MAX_GROWTH_MB = 80   # the server's resident memory may grow this much under all of it


@pytest.fixture(scope="module")
def server():
    with spawn_server(["--model", MODEL, "--max-upload-mb", str(MAX_UPLOAD_MB)]) as s:
        yield s


@pytest.fixture(scope="module")
def http(server):
    with httpx.Client(base_url=server.url, timeout=TIMEOUT_S) as client:
        yield client


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def read_upload(http, data: bytes, name: str = "page.png") -> httpx.Response:
    return http.post("/api/read", files={"file": (name, data, "application/octet-stream")})


def assert_serving(http) -> None:
    """The server answers a health check and reads an image, now."""
    assert http.get("api/health").json()["status"] == "ok"
    response = read_upload(http, encode(page(), ".png"))
    assert response.status_code == 200 and response.json()["text"] == TEXT


@contextlib.contextmanager
def websocket(server, **kwargs):
    with ws_client.connect(server.ws_url, open_timeout=TIMEOUT_S, close_timeout=2,
                           **kwargs) as ws:
        hello = json.loads(ws.recv(timeout=TIMEOUT_S))
        assert hello["type"] == "hello"
        yield ws


def reply(ws) -> dict:
    return json.loads(ws.recv(timeout=TIMEOUT_S))


def test_bad_files_uploaded(server, http):
    """Every file of the corpus: 400 naming the upload and the reason, or its reading."""
    for name, (data, error) in file_contents().items():
        response = read_upload(http, data, name)
        if error is None:
            assert response.status_code == 200, (name, response.text)
            assert response.json()["text"] == TEXT, name
        else:
            assert response.status_code == 400, (name, response.text)
            detail = response.json()["detail"]
            assert detail.startswith(f"{name}: ") and "\n" not in detail, detail
    too_big = read_upload(http, bytes(MAX_UPLOAD + 1), "huge.png")
    assert too_big.status_code == 413
    assert_serving(http)


MALFORMED_TEXT = ["", "not json", "{", "[]", "42", "null", '"settings"', '{"type": "nope"}',
                  '{"type": "settings", "mode": "fast"}', '{"type": "settings", "threshold": 999}',
                  '{"type": "settings", "min_confidence": "high"}',
                  '{"type": "settings", "model": "../../etc/passwd"}',
                  '{"type": "settings", "extra": 1}', '{"type": "settings", "threshold": 1e999}',
                  '{"type": "settings", "mode": "' + "x" * 100_000 + '"}', "[" * 100_000,
                  '{"type": "settings", "model": ["deep"]}', '{"type": "settings", "model": {}}',
                  '{"type": "settings", "threshold": [1]}', '{"type": "settings", "details": 2}',
                  '{"type": "settings", "min_confidence": {"a": []}}']
MALFORMED_BINARY = [b"", b"\x00", b"GIF89a", b"\x89PNG\r\n\x1a\n", bytes(range(256)) * 40,
                    b"\xff\xd8\xff" + bytes(5000)]


def test_malformed_websocket_messages(server, http):
    with websocket(server) as ws:
        for text in MALFORMED_TEXT:
            ws.send(text)
            answer = reply(ws)
            assert answer["type"] == "error" and answer["error"], (text[:40], answer)
        for data in MALFORMED_BINARY:
            ws.send(data)
            answer = reply(ws)
            assert answer["type"] == "error" and answer["error"], (data[:10], answer)
        ws.send(encode(page(), ".png"))  # the same socket still reads a good frame
        answer = reply(ws)
        assert answer["type"] == "reading" and answer["text"] == TEXT
    assert_serving(http)
    assert not any("Traceback" in line for line in server.output), server.output[-20:]


def test_oversized_frames(server, http):
    with websocket(server) as ws:
        ws.send(bytes(MAX_UPLOAD + 10))  # over the cap, within the socket's limit
        answer = reply(ws)
        assert answer["type"] == "error" and "too large" in answer["error"]
        ws.send(encode(page(), ".png"))
        assert reply(ws)["type"] == "reading"
    with websocket(server, max_size=None) as ws:  # over the socket's limit: closed (1009)
        ws.send(bytes(4 * MAX_UPLOAD))
        with pytest.raises(Exception) as closed:
            reply(ws)
        assert "1009" in str(closed.value) or "too big" in str(closed.value).lower()
    assert_serving(http)


def raw_connection(server) -> socket.socket:
    host, port = server.url.split("//")[1].rstrip("/").split(":")
    return socket.create_connection((host, int(port)), timeout=TIMEOUT_S)


def slow_upload(server) -> socket.socket:
    """A POST /api/read that declares 500 kB and sends only its first 1 kB."""
    sock = raw_connection(server)
    boundary = "b0undary"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"slow.png\"\r\nContent-Type: image/png\r\n\r\n").encode()
    sock.sendall(f"POST /api/read HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 500000\r\n"
                 f"Content-Type: multipart/form-data; boundary={boundary}\r\n\r\n".encode()
                 + head + bytes(1024))
    return sock


def test_slow_uploads_and_idle_connections_do_not_starve_others(server, http):
    assert_serving(http)
    before = rss_mb(server.pid)
    with contextlib.ExitStack() as stack:
        for _ in range(IDLE_TCP):
            stack.enter_context(raw_connection(server))
        for _ in range(SLOW_UPLOADS):
            stack.enter_context(slow_upload(server))
        for _ in range(IDLE_WS):
            stack.enter_context(websocket(server))
        time.sleep(0.5)
        started = time.monotonic()
        for _ in range(3):
            assert_serving(http)
        with websocket(server) as ws:
            ws.send(encode(page(), ".png"))
            assert reply(ws)["text"] == TEXT
        served_s = time.monotonic() - started
        during = rss_mb(server.pid)
    assert served_s < TIMEOUT_S
    assert during - before < MAX_GROWTH_MB, (before, during)
    assert server.process.poll() is None
    time.sleep(0.5)  # the server lets go of the closed connections
    assert_serving(http)


def test_dns_rebinding_is_refused(server, http):
    """A page on attacker.example whose name now resolves to 127.0.0.1 sends its own name."""
    evil = {"Host": "attacker.example"}
    assert http.get("api/health", headers=evil).status_code == 400
    assert read_upload(http, encode(page(), ".png")).status_code == 200
    assert http.post("api/read", headers=evil,
                     files={"file": ("p.png", encode(page(), ".png"))}).status_code == 400
    with raw_connection(server) as sock:  # the WebSocket handshake, by hand: refused
        sock.sendall(b"GET /ws HTTP/1.1\r\nHost: attacker.example\r\nUpgrade: websocket\r\n"
                     b"Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                     b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
        assert sock.recv(100).split(b" ")[1] == b"403"
    page_headers = http.get("").headers
    assert page_headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in page_headers["content-security-policy"]
    assert_serving(http)


def test_no_cors_by_default(server, http):
    evil = {"Origin": "http://evil.example"}
    assert "access-control-allow-origin" not in http.get("api/health", headers=evil).headers
    preflight = http.options("api/read", headers={**evil,
                                                  "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in preflight.headers
    with pytest.raises(ws_client.InvalidStatus):  # a page from another site: refused
        ws_client.connect(server.ws_url, origin="http://evil.example", open_timeout=TIMEOUT_S)
    assert_serving(http)
