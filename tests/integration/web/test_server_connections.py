"""Slow and idle connections cannot take the server's file descriptors (issue 13, point 7):
a request head must arrive in time, the connection count stays under the fd limit (the
newest client is served, the oldest idle one closed), and the log stays short. Every client
here is bounded in count and time; the whole file runs in seconds."""

from __future__ import annotations

import contextlib
import socket
import threading
import time

import pytest

pytest.importorskip("fastapi")
uvicorn = pytest.importorskip("uvicorn")
httpx = pytest.importorskip("httpx")
ws_client = pytest.importorskip("websockets.sync.client")

from digitcam.apps.web.connections import guarded_protocol  # noqa: E402
from digitcam.apps.web.spawn import spawn_server  # noqa: E402
from tests.badfiles import MODEL  # noqa: E402

TIMEOUT_S = 10
SLOW = 300      # connections that send half a request line and stall
IDLE_WS = 150   # WebSockets that open and say nothing: more than half the connections
FD_LIMIT = 256  # the server's `ulimit -n`


async def hello(scope, receive, send):
    assert scope["type"] == "http"
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-length", b"5")]})
    await send({"type": "http.response.body", "body": b"hello"})


@pytest.fixture
def small_server():
    """uvicorn in a thread: at most 5 connections, 0.3 s to send a request head."""
    sock = socket.create_server(("127.0.0.1", 0))
    config = uvicorn.Config(hello, http=guarded_protocol(5, 0.3), loop="asyncio",
                            log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    yield sock.getsockname()[1]
    server.should_exit = True
    thread.join(5)


def connect(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT_S)


def closed_by_server(sock: socket.socket, within_s: float) -> bool:
    sock.settimeout(within_s)
    try:
        return sock.recv(100) == b""
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True


def answered(sock: socket.socket) -> bool:
    sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    reply = b""
    while not reply.endswith(b"hello"):
        chunk = sock.recv(1000)
        if not chunk:
            break
        reply += chunk
    return reply.startswith(b"HTTP/1.1 200")


def test_request_heads_must_arrive_in_time(small_server):
    with connect(small_server) as idle, connect(small_server) as dribbling:
        dribbling.sendall(b"GET / HT")
        start = time.monotonic()
        assert closed_by_server(idle, 3) and closed_by_server(dribbling, 3)
        assert time.monotonic() - start < 2
    with connect(small_server) as served:  # a whole request: answered, then kept alive
        assert answered(served)
        time.sleep(0.1)
        assert answered(served)
        assert closed_by_server(served, 3)  # then idle: closed after 0.3 s


def test_new_clients_are_served_when_connections_run_out(small_server):
    with contextlib.ExitStack() as stack:
        stalled = [stack.enter_context(connect(small_server)) for _ in range(8)]
        for sock in stalled:
            sock.sendall(b"GET / HT")
        assert httpx.get(f"http://127.0.0.1:{small_server}/", timeout=TIMEOUT_S).text == "hello"
        assert closed_by_server(stalled[0], 2)  # the oldest made room


def assert_health_answers(server) -> None:
    started = time.monotonic()
    for _ in range(3):
        health = httpx.get(server.url + "api/health", timeout=TIMEOUT_S)
        assert health.status_code == 200 and health.json()["status"] == "ok"
    assert time.monotonic() - started < 5


def test_health_answers_with_300_slow_connections_under_ulimit_256():
    with spawn_server(["--model", MODEL], fd_limit=FD_LIMIT) as server:
        with contextlib.ExitStack() as stack:
            host, port = server.url.split("//")[1].rstrip("/").split(":")
            for _ in range(SLOW):
                sock = stack.enter_context(socket.create_connection((host, int(port)),
                                                                    TIMEOUT_S))
                sock.sendall(b"GET /api/health HT")
            time.sleep(0.5)
            assert_health_answers(server)
        with contextlib.ExitStack() as stack:
            refused = 0
            for _ in range(IDLE_WS):
                try:
                    stack.enter_context(ws_client.connect(server.ws_url, open_timeout=TIMEOUT_S))
                except ws_client.InvalidStatus as e:
                    assert e.response.status_code == 503
                    refused += 1
            assert refused > 0
            assert_health_answers(server)
        output = list(server.output)
    assert not any("Traceback" in line or "Too many open files" in line for line in output), output
    assert len(output) < 20, output[:20]
