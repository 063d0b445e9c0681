"""The web app's guards from issue 13 (points 3, 5, 8, 15, 16), with FastAPI's test client:
WebSocket settings checked by schema, a model that fails on batches, a full reading queue,
images whose decoded size is over the cap in formats beyond PNG/JPEG, foreign Host names."""

from __future__ import annotations

import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor, as_completed

import numpy as np
import pytest

pytest.importorskip("fastapi")

with warnings.catch_warnings():  # starlette's test client asks for httpx2; httpx works
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect  # noqa: E402

from digitcam.apps.web import allowed_hosts  # noqa: E402
from digitcam.apps.web import app as app_module  # noqa: E402
from digitcam.apps.web.app import PENDING_PER_THREAD, create_app  # noqa: E402
from digitcam.apps.web.reading import Busy, WorkerPool  # noqa: E402
from digitcam.assets.registry import ModelError  # noqa: E402
from digitcam.recognize.classifier import Classifier  # noqa: E402
from tests.badfiles import encode, page  # noqa: E402

MODEL = "mlp"
PAGE = encode(page(), ".png")


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(model=MODEL)) as c:
        yield c


def upload(client, data: bytes = PAGE, name: str = "page.png", **kwargs):
    return client.post("/api/read", files={"file": (name, data, "image/png")}, **kwargs)


# ---- 3: WebSocket settings by schema ------------------------------------------------------

@pytest.mark.parametrize("changes", [
    {"model": ["deep"]}, {"model": {}}, {"model": 3}, {"mode": ["multi"]}, {"mode": None},
    {"threshold": True}, {"threshold": [1]}, {"threshold": {"a": 1}}, {"threshold": 1.5},
    {"min_confidence": True}, {"min_confidence": [0.5]}, {"min_confidence": "0.5"},
    {"details": "yes"}, {"details": 1}, {"details": [True]}, {"colour": "blue"},
    {"model": {"deep": {"deep": []}}, "threshold": [[[]]]},
])
def test_websocket_settings_of_the_wrong_type_get_an_error_reply(client, changes):
    with client.websocket_connect("/ws") as ws:
        hello = ws.receive_json()
        ws.send_json({"type": "settings", **changes})
        error = ws.receive_json()
        assert error["type"] == "error" and error["error"].count("\n") == 0, error
        assert next(iter(changes)) in error["error"]
        ws.send_json({"type": "settings", "threshold": "auto", "min_confidence": 1})
        assert ws.receive_json()["settings"] == {**hello["settings"], "min_confidence": 1.0}
        ws.send_bytes(PAGE)
        assert ws.receive_json()["type"] == "reading"  # the socket is still open and reads


# ---- 5: models that fail on batches -------------------------------------------------------

def test_a_model_failing_on_batches_is_refused_at_start(tmp_path):
    onnx_models = pytest.importorskip("tests.integration.cli.test_reliability_models")
    path = onnx_models.make_onnx(tmp_path / "single.onnx", reshape_to=(1, 784))
    Classifier(path).predict_proba(np.zeros((1, 28, 28), np.uint8))  # one digit: fine
    with pytest.raises(ModelError, match=r"single\.onnx: .*\(a batch of 2 digits\)"):
        create_app(model=str(path))


@pytest.fixture
def failing_model(monkeypatch):
    """The classifier fails as onnxruntime does, after the server has started."""
    def fail(self, images):
        raise RuntimeError("[ONNXRuntimeError] : 2 : INVALID_ARGUMENT : Got invalid "
                           "dimensions for input\nwith more lines")
    monkeypatch.setattr(Classifier, "predict_proba", fail)


def test_model_errors_while_reading_are_a_clear_reply(client, failing_model):
    answer = upload(client)  # the test client raises any exception the app lets out
    assert answer.status_code == 500
    detail = answer.json()["detail"]
    assert detail.startswith(f"model {MODEL} failed on this image: [ONNXRuntimeError]")
    assert "\n" not in detail
    with client.websocket_connect("/ws") as ws:
        ws.receive_json()
        ws.send_bytes(PAGE)
        error = ws.receive_json()
        assert error["type"] == "error" and "failed on this image" in error["error"]
        ws.send_json({"type": "settings", "details": True})
        assert ws.receive_json()["type"] == "settings"  # still open
    assert client.get("/api/health").json()["status"] == "ok"


# ---- 8: a full queue is 503 with Retry-After, at once -------------------------------------

def test_full_queue_is_503_with_retry_after_at_once(monkeypatch):
    release = threading.Event()
    real = app_module.read_bytes

    def held(*args):
        assert release.wait(30)
        return real(*args)

    monkeypatch.setattr(app_module, "read_bytes", held)
    extra = 4
    with TestClient(create_app(model=MODEL, threads=1)) as c, \
            ThreadPoolExecutor(PENDING_PER_THREAD + extra) as clients:
        started = time.monotonic()
        futures = [clients.submit(upload, c) for _ in range(PENDING_PER_THREAD + extra)]
        try:
            refused = [f.result() for _, f in zip(range(extra), as_completed(futures, 10))]
        finally:
            release.set()
        assert time.monotonic() - started < 5
        for answer in refused:
            assert answer.status_code == 503 and int(answer.headers["retry-after"]) >= 1
            assert "server busy" in answer.json()["detail"]
        statuses = sorted(f.result().status_code for f in futures)
        assert statuses == [200] * PENDING_PER_THREAD + [503] * extra


def test_the_queue_is_bounded_by_its_expected_wait():
    import asyncio

    async def main():
        pool = WorkerPool(1, max_jobs=100, max_bytes=10**9, max_wait_s=2.0)
        pool.job_s, pool.pending = 0.5, 5  # 2.5 s of work already waiting
        with pytest.raises(Busy) as busy:
            await pool.run(len, b"")
        assert busy.value.retry_after == 3
        pool.pending = 3  # 1.5 s: one more is taken
        assert await pool.run(len, b"ab") == 2
        pool.shutdown()

    asyncio.run(main())


# ---- 15: the decoded size is bounded whatever the format ----------------------------------

@pytest.mark.parametrize("header", [b"P4\n6000 5000\n", b"P5\n6000 5000\n255\n",
                                    b"P6 6000 5000 255\n", b"PF\n6000 5000\n-1\n"])
def test_netpbm_bombs_are_refused_before_decoding(client, header):
    answer = upload(client, header + bytes(1000), "bomb.pgm")
    assert answer.status_code == 400
    assert answer.json()["detail"].startswith("bomb.pgm: image too large (6000x5000 pixels")


# ---- 16: Host allow-list, frames and CSP --------------------------------------------------

def test_foreign_host_names_are_refused():
    with TestClient(create_app(model=MODEL, allowed_hosts=allowed_hosts("127.0.0.1", [])),
                    base_url="http://127.0.0.1:8000") as c:
        assert c.get("/api/health").status_code == 200
        for host in ("localhost:8000", "[::1]:8000", "127.0.0.1"):
            assert c.get("/api/health", headers={"Host": host}).status_code == 200, host
        for host in ("attacker.example", "attacker.example:8000", "127.0.0.1.attacker.example",
                     "localhost.attacker.example", "", "10.0.0.1"):
            refused = c.get("/api/health", headers={"Host": host})
            assert refused.status_code == 400 and "host not allowed" in refused.text, host
            assert upload(c, headers={"Host": host}).status_code == 400
        with pytest.raises(WebSocketDisconnect) as closed, c.websocket_connect(
                "/ws", headers={"Host": "attacker.example:8000"}) as ws:
            ws.receive_json()
        assert closed.value.code == 1008
    with TestClient(create_app(model=MODEL, allowed_hosts=allowed_hosts(
            "127.0.0.1", ["digits.example"])), base_url="http://digits.example") as c:
        assert c.get("/api/health").status_code == 200


def test_wildcard_addresses_allow_ip_literals_and_this_machines_names():
    hosts = allowed_hosts("0.0.0.0", [])
    with TestClient(create_app(model=MODEL, allowed_hosts=hosts),
                    base_url="http://192.168.1.20:8000") as c:
        assert c.get("/api/health").status_code == 200
        assert c.get("/api/health", headers={"Host": "[fe80::1]:8000"}).status_code == 200
        assert c.get("/api/health", headers={"Host": "attacker.example"}).status_code == 400


def test_the_page_cannot_be_framed_and_has_a_csp(client):
    page_response = client.get("/")
    assert page_response.headers["x-frame-options"] == "DENY"
    csp = page_response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert "ws://testserver" in csp
    assert client.get("/api/health").headers["x-frame-options"] == "DENY"
    assert client.get("/static/app.js").headers["x-content-type-options"] == "nosniff"
