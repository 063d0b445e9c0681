"""`digitcam serve` as a user runs it: the start line, a real server, one-line errors."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys

import cv2
import numpy as np
import pytest

from digitcam.apps import cli
from digitcam.apps.web import INSTALL_HINT, bind, is_loopback, start_message

MODEL = "mlp"  # the server's behaviour, not the model's, is under test


def serve(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "digitcam", "serve", *args],
                          capture_output=True, text=True, timeout=60)


def test_serve_is_a_subcommand_and_the_cli_stays_light():
    code = ("import sys, digitcam.apps.cli as c; c.build_parser(); heavy = ('fastapi', 'uvicorn', "
            "'starlette'); print(any(m.split('.')[0] in heavy for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "False", out.stderr
    assert "serve" in cli.COMMANDS


def test_start_message_says_where_it_listens():
    with bind("127.0.0.1", 0) as sock:
        port = sock.getsockname()[1]
        line = start_message("127.0.0.1", sock, "cnn")
    assert f"http://127.0.0.1:{port}/" in line and "loopback only" in line
    assert is_loopback("::1") and is_loopback("localhost") and not is_loopback("0.0.0.0")
    with bind("0.0.0.0", 0) as sock:
        assert "reachable from other machines" in start_message("0.0.0.0", sock, "cnn")


def test_port_in_use_is_one_line():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        result = serve("--model", MODEL, "--port", str(taken.getsockname()[1]))
    assert result.returncode == 1
    assert result.stderr.startswith("digitcam: error: cannot listen on 127.0.0.1:")
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("args, message", [
    (["--model", "nope"], "model 'nope' not found"),
    (["--model", MODEL, "--threshold", "300"], "--threshold must be 0-255"),
    (["--model", MODEL, "--port", "70000"], "--port must be 0-65535"),
    (["--model", MODEL, "--threads", "0"], "--threads must be at least 1"),
])
def test_bad_options_are_one_line(args, message):
    result = serve(*args)
    assert result.returncode == 1 and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_model_failing_on_batches_is_one_line_at_start(tmp_path):
    models = pytest.importorskip("tests.integration.cli.test_reliability_models")
    path = models.make_onnx(tmp_path / "single.onnx", reshape_to=(1, 784))
    result = serve("--model", str(path), "--port", "0")
    assert result.returncode == 1 and "(a batch of 2 digits)" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_missing_web_extra_says_what_to_install(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "fastapi", None)  # import fastapi now raises ImportError
    assert cli.main(["serve", "--model", MODEL]) == 1
    assert capsys.readouterr().err.strip() == INSTALL_HINT


def test_real_server_over_http_and_websocket():
    httpx = pytest.importorskip("httpx")
    websockets = pytest.importorskip("websockets.asyncio.client")
    from digitcam.apps.web.spawn import spawn_server

    with spawn_server(["--model", MODEL]) as server:
        assert server.url.startswith("http://127.0.0.1:")
        assert "loopback only" in server.output[0]
        assert httpx.get(server.url + "api/health", timeout=10).json()["model"] == MODEL
        frame = np.full((120, 120), 255, np.uint8)
        cv2.putText(frame, "7", (30, 100), cv2.FONT_HERSHEY_SIMPLEX, 3.5, 0, 9)
        data = cv2.imencode(".png", frame)[1].tobytes()

        async def read_over_websocket():
            async with websockets.connect(server.ws_url) as ws:
                assert json.loads(await ws.recv())["type"] == "hello"
                await ws.send(data)
                return json.loads(await ws.recv())

        reading = asyncio.run(asyncio.wait_for(read_over_websocket(), 30))
        assert reading["type"] == "reading" and reading["text"] == "7"
