"""The web app's HTTP API and WebSocket, with FastAPI's test client (no real server)."""

from __future__ import annotations

import asyncio
import base64
import threading
import time
import warnings

import cv2
import numpy as np
import pytest

pytest.importorskip("fastapi")

with warnings.catch_warnings():  # starlette's test client asks for httpx2; httpx works
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect  # noqa: E402

from digitcam.apps.web import session as session_module  # noqa: E402
from digitcam.apps.web.app import create_app  # noqa: E402
from digitcam.apps.web.reading import Busy, WorkerPool  # noqa: E402
from digitcam.assets.registry import available_models  # noqa: E402
from digitcam.reader import Recognizer  # noqa: E402
from digitcam.recognize.classifier import get_classifier  # noqa: E402
from digitcam.synth.scenes import Look, number_scene  # noqa: E402

MODEL = "mlp"  # these tests check the server, not the model: any shipped model will do


def png(image: np.ndarray) -> bytes:
    ok, buf = cv2.imencode(".png", image)
    assert ok
    return buf.tobytes()


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(model=MODEL)) as c:
        yield c


@pytest.fixture(scope="module")
def scene(mnist_test):
    x, y = mnist_test
    return number_scene(x, y, 3, np.random.default_rng(7), look=Look())


def post_image(client, data: bytes, name: str = "scene.png", **params):
    return client.post("/api/read", files={"file": (name, data, "image/png")}, params=params)


def test_health_and_models(client):
    health = client.get("/api/health").json()
    assert health["status"] == "ok" and health["model"] == MODEL
    models = client.get("/api/models").json()
    assert models["default"] == MODEL
    assert {m["name"] for m in models["models"]} == set(available_models())
    mlp = next(m for m in models["models"] if m["name"] == "mlp")
    assert 0.9 < mlp["accuracy"]["test"] <= 1.0


def test_page_static_files_and_openapi(client):
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert 'id="pad"' in page.text and 'id="video"' in page.text
    for name in ("app.js", "style.css"):
        assert client.get(f"/static/{name}").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/read", "/api/classify", "/api/models", "/api/health"} <= set(paths)
    assert client.get("/docs").status_code == 200


def test_read_answers_the_predict_json_schema(client, scene):
    answer = post_image(client, png(scene.frame))
    assert answer.status_code == 200, answer.text
    recognizer = Recognizer(model=MODEL)
    expected = recognizer.as_dict(recognizer.read(cv2.imdecode(
        np.frombuffer(png(scene.frame), np.uint8), cv2.IMREAD_UNCHANGED)))
    assert answer.json() == {"path": "scene.png", **expected}
    assert answer.json()["text"] == scene.text


def test_read_details_give_probabilities_and_model_inputs(client, scene):
    digits = post_image(client, png(scene.frame), details="true").json()["digits"]
    assert len(digits) == len(scene.text)
    crops = [d.crop for d in Recognizer(model=MODEL).read(scene.frame)]
    for d, crop in zip(digits, crops):
        assert len(d["probs"]) == 10 and abs(sum(d["probs"]) - 1) < 1e-2
        assert int(np.argmax(d["probs"])) == d["digit"]
        data = base64.b64decode(d["crop"].split(",", 1)[1])
        image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_GRAYSCALE)
        np.testing.assert_array_equal(image, crop)


def test_read_settings_per_request(client, scene):
    strict = post_image(client, png(scene.frame), min_confidence=1.0).json()
    loose = post_image(client, png(scene.frame), min_confidence=0.0).json()
    assert len(strict["digits"]) < len(loose["digits"])
    assert post_image(client, png(scene.frame), mode="sideways").status_code == 400
    assert post_image(client, png(scene.frame), model="../etc/passwd").status_code == 400
    assert post_image(client, png(scene.frame), threshold=300).status_code == 422


def test_undecodable_upload_is_400_with_the_reason(client):
    answer = post_image(client, b"these are notes, not a picture", name="notes.txt")
    assert answer.status_code == 400
    assert answer.json()["detail"].startswith("notes.txt: not a readable image")
    assert post_image(client, b"", name="empty.png").json()["detail"] == "empty.png: empty file"


def test_images_above_the_pixel_cap_are_refused_unread(client):
    size = (6000).to_bytes(4, "big") + (5000).to_bytes(4, "big")  # 30 megapixels declared
    header = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + size
    answer = post_image(client, header, name="huge.png")
    assert answer.status_code == 400 and "image too large (6000x5000" in answer.json()["detail"]


def test_worker_pool_refuses_instead_of_queueing():
    async def main():
        pool, gate = WorkerPool(1, max_jobs=2, max_bytes=100), threading.Event()
        first = asyncio.ensure_future(pool.run(gate.wait, 30, size=60))
        await asyncio.sleep(0)
        with pytest.raises(Busy):  # 60 + 50 bytes held > 100
            await pool.run(len, b"", size=50)
        second = asyncio.ensure_future(pool.run(gate.wait, 30, size=10))
        await asyncio.sleep(0)
        with pytest.raises(Busy):  # 2 jobs already
            await pool.run(len, b"")
        gate.set()
        assert await first and await second
        assert (pool.pending, pool.pending_bytes) == (0, 0)
        assert await pool.run(len, b"abc", size=3) == 3
        pool.shutdown()

    asyncio.run(main())


def test_upload_size_cap_is_413():
    with TestClient(create_app(model=MODEL, max_upload_bytes=4000)) as small:
        blank = png(np.full((32, 32), 255, np.uint8))
        assert post_image(small, blank).status_code == 200
        big = png(np.random.default_rng(0).integers(0, 255, (100, 100), np.uint8))
        assert len(big) > 4000
        answer = post_image(small, big)
        assert answer.status_code == 413 and "limit 4000 bytes" in answer.json()["detail"]
        # a chunked upload declares no length: it is counted as it arrives
        head = (b'--b0undary\r\nContent-Disposition: form-data; name="file"; filename="x.png"'
                b"\r\nContent-Type: image/png\r\n\r\n")
        chunks = iter([head, big[:3000], big[3000:], b"\r\n--b0undary--\r\n"])
        chunked = small.post("/api/read", content=chunks, headers={
            "content-type": "multipart/form-data; boundary=b0undary"})
        assert chunked.status_code == 413


def test_classify_gives_the_models_probabilities(client, mnist_test):
    x, y = mnist_test
    expected = get_classifier(MODEL).predict_proba(x[:20])
    digits = []
    for i in range(20):
        answer = client.post("/api/classify", json={"pixels": x[i].tolist()})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["model"] == MODEL and len(body["probs"]) == 10
        np.testing.assert_allclose(body["probs"], expected[i], atol=1e-4)
        digits.append(body["digit"])
    assert sum(d == t for d, t in zip(digits, y[:20])) >= 18
    flat = client.post("/api/classify", json={"pixels": x[0].ravel().tolist()}).json()
    assert flat["probs"] == client.post("/api/classify", json={"pixels": x[0].tolist()}).json()[
        "probs"]


@pytest.mark.parametrize("body, status", [
    ({"pixels": [0] * 10}, 422),
    ({"pixels": [[0] * 28] * 27}, 422),
    ({"pixels": [300] * 784}, 422),
    ({"pixels": [-1] * 784}, 422),
    ({"pixels": "abc"}, 422),
    ({"pixels": [0] * 784, "model": "nope"}, 400),
])
def test_classify_rejects_bad_input(client, body, status):
    answer = client.post("/api/classify", json=body)
    assert answer.status_code == status
    assert answer.json()["detail"]


def test_no_cors_unless_asked():
    origin = {"Origin": "http://example.org"}
    with TestClient(create_app(model=MODEL)) as plain:
        assert "access-control-allow-origin" not in plain.get("/api/health", headers=origin).headers
    with TestClient(create_app(model=MODEL, allow_origins=["http://example.org"])) as shared:
        headers = shared.get("/api/health", headers=origin).headers
        assert headers["access-control-allow-origin"] == "http://example.org"


# ---- WebSocket ----------------------------------------------------------------------------

def test_websocket_reads_frames_and_applies_settings(client, scene):
    with client.websocket_connect("/ws") as ws:
        hello = ws.receive_json()
        assert hello["type"] == "hello" and hello["settings"]["model"] == MODEL
        ws.send_bytes(png(scene.frame))
        reading = ws.receive_json()
        assert reading["type"] == "reading" and reading["frame"] == 1
        assert reading["text"] == scene.text and reading["model"] == MODEL
        assert (reading["width"], reading["height"]) == scene.frame.shape[1::-1]
        assert "probs" not in reading["digits"][0]
        ws.send_json({"type": "settings", "details": True, "threshold": 90})
        assert ws.receive_json() == {"type": "settings", "settings": {
            **hello["settings"], "details": True, "threshold": 90}}
        ws.send_bytes(png(scene.frame))
        reading = ws.receive_json()
        assert reading["frame"] == 2 and len(reading["digits"][0]["probs"]) == 10


@pytest.mark.parametrize("message", [
    {"type": "settings", "threshold": 256},
    {"type": "settings", "min_confidence": "high"},
    {"type": "settings", "model": "/etc/passwd"},
    {"type": "settings", "colour": "blue"},
    {"type": "dance"},
])
def test_websocket_bad_settings_are_answered_not_fatal(client, scene, message):
    with client.websocket_connect("/ws") as ws:
        ws.receive_json()
        ws.send_json(message)
        error = ws.receive_json()
        assert error["type"] == "error" and error["error"]
        ws.send_bytes(png(scene.frame))
        assert ws.receive_json()["type"] == "reading"  # the connection is still usable


def test_websocket_bad_and_oversized_frames(scene):
    with TestClient(create_app(model=MODEL, max_upload_bytes=50_000)) as small, \
            small.websocket_connect("/ws") as ws:
        ws.receive_json()
        ws.send_bytes(b"\x89PNG but not really")
        error = ws.receive_json()
        assert error == {"type": "error", "frame": 1, "error": error["error"]}
        assert "not a readable image" in error["error"]
        ws.send_bytes(b"\0" * 50_001)
        assert "frame too large" in ws.receive_json()["error"]
        ws.send_text("not json")
        assert ws.receive_json()["type"] == "error"


@pytest.fixture
def held_reads(monkeypatch):
    """WebSocket reads wait in their thread until `release` is set: (started, release)."""
    started, release = threading.Event(), threading.Event()
    real = session_module.read_bytes

    def held_read(*args):
        started.set()
        assert release.wait(30)
        return real(*args)

    monkeypatch.setattr(session_module, "read_bytes", held_read)
    yield started, release
    release.set()


def test_clients_are_isolated(client, scene):
    with client.websocket_connect("/ws") as strict, client.websocket_connect("/ws") as loose:
        strict.receive_json()
        loose.receive_json()
        strict.send_json({"type": "settings", "min_confidence": 1.0})
        loose.send_json({"type": "settings", "min_confidence": 0.0})
        strict.receive_json()
        loose.receive_json()
        for ws in (strict, loose):
            ws.send_bytes(png(scene.frame))
        few, many = strict.receive_json()["digits"], loose.receive_json()["digits"]
        assert len(few) < len(many)
        assert client.get("/api/health").json()["status"] == "ok"


def test_frames_arriving_while_one_is_read_are_dropped(client, scene, held_reads):
    started, release = held_reads
    with client.websocket_connect("/ws") as ws:
        ws.receive_json()
        frame = png(scene.frame)
        ws.send_bytes(frame)
        assert started.wait(30)
        for _ in range(5):
            ws.send_bytes(frame)
        dropped = [ws.receive_json() for _ in range(5)]
        assert dropped == [{"type": "dropped", "frame": n} for n in range(2, 7)]
        release.set()
        reading = ws.receive_json()
        assert reading["type"] == "reading" and reading["frame"] == 1
        assert reading["dropped"] == 5
        ws.send_bytes(frame)  # free again: read, not dropped
        assert ws.receive_json()["frame"] == 7


def test_a_client_leaving_mid_frame_frees_its_worker(client, scene, held_reads):
    started, release = held_reads
    with client.websocket_connect("/ws") as ws:
        ws.receive_json()
        ws.send_bytes(png(scene.frame))
        assert started.wait(30)
    assert client.get("/api/health").json()["pending"] == 1  # still being read
    release.set()
    for _ in range(100):
        if client.get("/api/health").json()["pending"] == 0:
            break
        time.sleep(0.05)
    assert client.get("/api/health").json()["pending"] == 0


def test_websocket_from_another_site_is_refused(client):
    with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect(
            "/ws", headers={"Origin": "http://evil.example"}) as ws:
        ws.receive_json()
    assert refused.value.code == 1008
    with client.websocket_connect("/ws", headers={"Origin": "http://testserver"}) as ws:
        assert ws.receive_json()["type"] == "hello"
