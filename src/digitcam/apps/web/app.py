"""The FastAPI app: the page at `/`, the reading WebSocket at `/ws`, and the HTTP API.

    from digitcam.apps.web.app import create_app
    app = create_app(model="mlp")          # then: uvicorn.run(app, host="127.0.0.1")

    GET  /               the page (webcam and draw modes)     GET /docs   OpenAPI (offline)
    POST /api/read       image upload -> the schema of `digitcam predict --json`
    POST /api/classify   28x28 pixels -> 10 probabilities
    GET  /api/models     the models a client may pick         GET /api/health
    WS   /ws             frames in, readings out (see session.py and the README)

Limits: uploads and frames above `max_upload_bytes` -> 413 (or an error message on the
socket); undecodable images -> 400 with the reason; at most one frame per socket is read
at a time (later ones are dropped); recognition runs on a small thread pool, not the loop.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

import cv2
import numpy as np
from fastapi import (
    APIRouter,
    Depends,
    FastAPI,
    File,
    HTTPException,
    Query,
    Request,
    UploadFile,
    WebSocket,
)
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field

from ... import __version__
from ...assets.registry import (
    CLASSIFIER,
    DEFAULT_MODEL,
    ModelError,
    available_models,
    kind_of,
    load_card,
    locate,
)
from ...io.images import ImageError
from ...reader import DEFAULT_MIN_CONFIDENCE, mode_for, model_kind, threshold_value
from . import DEFAULT_MAX_UPLOAD_MB, DEFAULT_THREADS
from .docs import add_docs
from .limits import LOOPBACK_HOSTS, TEST_CLIENT_HOST, BodyLimit, HostAllowList, SecurityHeaders
from .reading import (
    Busy,
    Settings,
    WorkerPool,
    check_batches,
    classify_pixels,
    model_choices,
    read_bytes,
)
from .session import Session

STATIC = Path(__file__).parent / "static"
DEFAULT_MAX_UPLOAD_BYTES = int(DEFAULT_MAX_UPLOAD_MB * 1024 * 1024)
PENDING_PER_THREAD = 8  # readings waiting or running per thread, all clients; more -> 503
MAX_WAIT_S = 5.0  # nor more than this much work waiting (the recent average reading time)
MAX_PENDING_BYTES = 256 * 1024 * 1024  # the images those readings hold; more -> 503
WS_POLICY_VIOLATION = 1008


class ClassifyRequest(BaseModel):
    pixels: list[float] | list[list[float]] = Field(
        description="28x28 grey levels 0-255, white ink on black (MNIST): 28 rows of 28, "
                    "or 784 values row by row")
    model: str | None = Field(None, description="a name from /api/models (default: the server's)")


class ClassifyResponse(BaseModel):
    model: str
    digit: int
    confidence: float
    probs: list[float] = Field(description="probabilities of the digits 0-9")


class DigitReading(BaseModel):
    digit: int
    confidence: float
    box: list[int] = Field(description="x, y, width, height in the image's pixels")
    line: int = Field(description="the index in `lines` of the digit's line")
    after: str | None = Field(None, description="separators read right after this digit")
    probs: list[float] | None = Field(None, description="0-9 probabilities (details=true)")
    crop: str | None = Field(None, description="the 28x28 model input, PNG data URL "
                                               "(details=true)")


class ReadResponse(BaseModel):
    path: str = Field(description="the uploaded file's name")
    text: str = Field(description="the number read; lines separated by a space")
    lines: list[str] = Field(description="the text of each line, top to bottom")
    digits: list[DigitReading]


def pixels_array(pixels: list) -> np.ndarray:
    """The request's pixels as (28, 28) uint8; ValueError says what is wrong."""
    try:
        x = np.asarray(pixels, dtype=np.float64)
    except ValueError:
        raise ValueError("pixels must be 28 rows of 28 numbers, or 784 numbers") from None
    if x.shape == (784,):
        x = x.reshape(28, 28)
    if x.shape != (28, 28):
        raise ValueError(f"pixels must be 28x28 or 784 values, got shape {list(x.shape)}")
    if not np.isfinite(x).all() or x.min() < 0 or x.max() > 255:
        raise ValueError("pixel values must lie in 0-255")
    return np.rint(x).astype(np.uint8)


def same_origin(ws: WebSocket, allowed: list[str]) -> bool:
    """Browsers send Origin on WebSockets and apply no CORS to them: refuse other sites' pages.
    Clients that send no Origin (scripts, other programs) are allowed."""
    origin = ws.headers.get("origin")
    if origin is None or origin in allowed or "*" in allowed:
        return True
    return urlsplit(origin).netloc == ws.headers.get("host")


@dataclass
class Service:
    """What the routes share: the starting settings, the models, the thread pool, limits."""

    default: Settings
    models: dict[str, str]
    pool: WorkerPool
    max_upload_bytes: int
    allowed_origins: list[str]

    async def run(self, fn: Callable[..., Any], *args: Any, size: int = 0) -> Any:
        try:
            return await self.pool.run(fn, *args, size=size)
        except Busy as e:
            raise HTTPException(503, str(e), headers={"Retry-After": str(e.retry_after)}
                                ) from None
        except ModelError as e:  # the model failed: the server's fault, said in one line
            raise HTTPException(500, str(e)) from None


def get_service(request: Request) -> Service:
    return request.app.state.service


ServiceDep = Annotated[Service, Depends(get_service)]
router = APIRouter()


@router.get("/", include_in_schema=False)
async def index() -> FileResponse:
    return FileResponse(STATIC / "index.html")


@router.get("/api/health", summary="Is the server up, and with which model")
async def health(service: ServiceDep) -> dict[str, Any]:
    return {"status": "ok", "version": __version__, "model": service.default.model,
            "pending": service.pool.pending}


@router.get("/api/models", summary="Models a client may pick")
async def list_models(service: ServiceDep) -> dict[str, Any]:
    return {"default": service.default.model,
            "models": [model_info(name, path) for name, path in sorted(service.models.items())]}


def model_info(name: str, path: str) -> dict[str, Any]:
    card = load_card(locate(path))
    return {"name": name, "description": card.get("description", ""),
            "parameters": card.get("parameters"), "accuracy": card.get("accuracy", {})}


@router.post("/api/read", response_model=ReadResponse, response_model_exclude_none=True,
             summary="Read the number in an uploaded image (the `predict --json` schema)",
             responses={400: {"description": "not a readable image, or bad settings"},
                        413: {"description": "upload too large"},
                        503: {"description": "too many readings waiting"}})
async def read(
    service: ServiceDep,
    file: Annotated[UploadFile, File(description="an image: PNG, JPEG, BMP, WebP, ...")],
    model: Annotated[str | None, Query(description="a name from /api/models")] = None,
    mode: Annotated[str | None, Query(description="learned, multi or roi")] = None,
    threshold: Annotated[str | None, Query(
        description="0-255, or auto (the default), as the CLI's --threshold")] = None,
    min_confidence: Annotated[float | None, Query(ge=0, le=1)] = None,
    details: Annotated[bool, Query(description="add probs and crop to each digit")] = False,
) -> dict[str, Any]:
    try:
        threshold = threshold_value(threshold)  # the one meaning: the reader's
    except ValueError as e:
        raise HTTPException(422, str(e)) from None
    changes = {"model": model, "mode": mode, "min_confidence": min_confidence}
    changes = {k: v for k, v in changes.items() if v is not None}
    changes.update(threshold=threshold, details=details)
    try:
        recognizer = service.default.updated(changes, service.models).recognizer(service.models)
    except ValueError as e:
        raise HTTPException(400, str(e)) from None
    data = await file.read()
    try:
        reading = await service.run(read_bytes, recognizer, data, details, size=len(data))
    except (ImageError, ValueError) as e:
        raise HTTPException(400, f"{file.filename or 'upload'}: {e}") from None
    return {"path": file.filename or "", "text": reading["text"], "lines": reading["lines"],
            "digits": reading["digits"]}


@functools.lru_cache(maxsize=4)
def classifier_choices(models: tuple[tuple[str, str], ...]) -> dict[str, str]:
    """The 28x28 classifiers /api/classify may use: the shipped ones and the server's own
    when it is one (worked out once per server, not per request: it reads the cards)."""
    return {**{n: n for n in available_models()},
            **{n: p for n, p in models if kind_of(locate(p)) == CLASSIFIER}}


@router.post("/api/classify", response_model=ClassifyResponse,
             summary="Probabilities of one 28x28 image (white ink on black)")
async def classify(request: ClassifyRequest, service: ServiceDep) -> dict[str, Any]:
    classifiers = classifier_choices(tuple(service.models.items()))
    name = request.model or (service.default.model if service.default.model in classifiers
                             else DEFAULT_MODEL)
    if name not in classifiers:
        raise HTTPException(400, f"model must be one of {sorted(classifiers)}, got {name!r}")
    try:
        pixels = pixels_array(request.pixels)
    except ValueError as e:
        raise HTTPException(422, str(e)) from None
    probs = await service.run(classify_pixels, classifiers[name], pixels)
    return {"model": name, "digit": int(probs.argmax()),
            "confidence": round(float(probs.max()), 4),
            "probs": [round(float(p), 4) for p in probs]}


@router.websocket("/ws")
async def websocket(ws: WebSocket) -> None:
    service: Service = ws.app.state.service
    if not same_origin(ws, service.allowed_origins):
        await ws.close(code=WS_POLICY_VIOLATION)
        return
    await ws.accept()
    await Session(ws, service.pool, service.default, service.models,
                  service.max_upload_bytes).run()


def create_app(model: str | None = None, mode: str | None = None, threshold: int | None = None,
               min_confidence: float = DEFAULT_MIN_CONFIDENCE,
               max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES, threads: int = DEFAULT_THREADS,
               allow_origins: list[str] | None = None,
               allowed_hosts: list[str] | None = None) -> FastAPI:
    """The app, reading with `model` (shipped name or .onnx path; default the shipped deep).
    The other arguments are each client's starting settings and the server's limits;
    `allow_origins` enables CORS for those origins (none by default); `allowed_hosts` are
    the Host names served (default: the loopback names and the test client's; `digitcam
    serve` passes the names it listens on, see limits.HostAllowList)."""
    # Frames this small: OpenCV's own thread pool costs more than it saves, and the server
    # already reads on `threads` threads (as the live loop, single-threaded OpenCV).
    cv2.setNumThreads(1)
    mode = mode_for(model, mode)
    name, models = model_choices(model, model_kind(mode))
    default = Settings(model=name).updated(
        {"mode": mode, "threshold": threshold, "min_confidence": min_confidence}, models)
    # load the model now: a bad one fails here, not at first use; and read several at once
    check_batches(default.recognizer(models))
    pool = WorkerPool(threads, threads * PENDING_PER_THREAD,
                      max(MAX_PENDING_BYTES, 2 * max_upload_bytes), MAX_WAIT_S)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        pool.shutdown()

    app = FastAPI(title="digitcam", version=__version__, lifespan=lifespan,
                  docs_url=None, redoc_url=None,  # served from the package: add_docs
                  description="Read handwritten digits: the page at `/`, this API, and the "
                              "WebSocket `/ws` (message format in the README).")
    app.state.service = Service(default, models, pool, max_upload_bytes, list(allow_origins or []))
    app.add_middleware(BodyLimit, max_bytes=max_upload_bytes)
    if allow_origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(allow_origins),
                           allow_methods=["GET", "POST"], allow_headers=["*"])
    app.add_middleware(SecurityHeaders)
    hosts = allowed_hosts if allowed_hosts is not None else [*LOOPBACK_HOSTS, TEST_CLIENT_HOST]
    app.add_middleware(HostAllowList, allowed=list(hosts))
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    add_docs(app)
    return app
