"""One WebSocket client of `/ws`: its own settings, at most one frame being read at a time.

Protocol (also in the README): the client sends encoded images (JPEG, PNG, WebP) as binary
messages, and JSON settings as text messages; every message gets exactly one JSON reply:

    -> binary frame                    <- {"type": "reading", "frame": n, "text": ..., ...}
                                       or {"type": "dropped", "frame": n}   (still busy)
                                       or {"type": "error", "frame": n, "error": "..."}
    -> {"type": "settings", ...}       <- {"type": "settings", "settings": {...}}
                                       or {"type": "error", "error": "..."}
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError
from starlette.websockets import WebSocket, WebSocketDisconnect

from ...assets.registry import ModelError
from ...io.images import ImageError
from .reading import Busy, Settings, WorkerPool, one_line, read_bytes

log = logging.getLogger(__name__)

CLOSED_ERRORS = (WebSocketDisconnect, RuntimeError, ConnectionError)


class SettingsMessage(BaseModel):
    """The schema of a settings message: JSON types are checked here (strictly: no bool for
    a number, no list for a name), values by `Settings.updated` (the reader's own rules)."""

    model_config = ConfigDict(extra="forbid", strict=True)
    type: Literal["settings"]
    model: str | None = None
    mode: str | None = None
    threshold: int | str | None = None  # null or "auto": automatic; else 0-255
    min_confidence: float | None = None
    details: bool | None = None


def schema_error(error: ValidationError) -> str:
    """One line per bad field: `model: Input should be a valid string`."""
    reasons: dict[str, str] = {}
    for e in error.errors(include_url=False):
        field = str(e["loc"][0]) if e["loc"] else "message"
        if e["type"] == "extra_forbidden":
            reasons.setdefault(field, "unknown setting")
        else:
            reasons.setdefault(field, e["msg"])
    return "bad settings: " + "; ".join(f"{k}: {v}" for k, v in reasons.items())


def settings_changes(text: str) -> dict[str, Any]:
    """The settings a text message asks for (only those it names); ValueError otherwise."""
    message = json.loads(text)
    if not isinstance(message, dict) or message.get("type") != "settings":
        raise ValueError('expected a JSON object {"type": "settings", ...}')
    try:
        checked = SettingsMessage.model_validate(message)
    except ValidationError as e:
        raise ValueError(schema_error(e)) from None
    return checked.model_dump(exclude_unset=True, exclude={"type"})


class Session:
    def __init__(self, ws: WebSocket, pool: WorkerPool, settings: Settings,
                 models: dict[str, str], max_frame_bytes: int):
        self.ws = ws
        self.pool = pool
        self.models = models
        self.max_frame_bytes = max_frame_bytes
        self.settings = settings
        self.recognizer = settings.recognizer(models)
        self.frames = 0
        self.dropped = 0
        self.reading: asyncio.Task | None = None
        self._send_lock = asyncio.Lock()

    async def run(self) -> None:
        await self.send({"type": "hello", "settings": self.settings.as_dict(),
                         "models": sorted(self.models), "max_frame_bytes": self.max_frame_bytes})
        try:
            while True:
                message = await self.ws.receive()
                if message["type"] == "websocket.disconnect":
                    break
                if message.get("bytes") is not None:
                    await self.on_frame(message["bytes"])
                elif message.get("text") is not None:
                    await self.on_text(message["text"])
        except CLOSED_ERRORS:
            pass
        finally:
            if self.reading is not None:
                self.reading.cancel()  # the worker finishes the frame; its reply is discarded

    async def send(self, message: dict[str, Any]) -> None:
        async with self._send_lock:
            await self.ws.send_text(json.dumps(message))

    async def on_frame(self, data: bytes) -> None:
        self.frames += 1
        if self.reading is not None and not self.reading.done():
            self.dropped += 1
            await self.send({"type": "dropped", "frame": self.frames})
            return
        if len(data) > self.max_frame_bytes:
            await self.send({"type": "error", "frame": self.frames,
                             "error": f"frame too large ({len(data)} bytes, "
                                      f"limit {self.max_frame_bytes})"})
            return
        self.reading = asyncio.create_task(self.read(self.frames, data))

    async def read(self, frame: int, data: bytes) -> None:
        start = time.perf_counter()
        recognizer, details = self.recognizer, self.settings.details
        try:
            reading = await self.pool.run(read_bytes, recognizer, data, details,
                                          size=len(data))
        except Busy as e:
            await self._reply_quietly({"type": "error", "frame": frame, "error": str(e),
                                       "retry_after": e.retry_after})
            return
        except (ImageError, ValueError, ModelError) as e:  # the model's: one line, no trace
            await self._reply_quietly({"type": "error", "frame": frame, "error": str(e)})
            return
        except Exception as e:
            log.error("reading frame %d failed: %s", frame, one_line(e))
            await self._reply_quietly({"type": "error", "frame": frame,
                                       "error": "internal error while reading the frame"})
            return
        server_ms = round((time.perf_counter() - start) * 1000, 1)
        await self._reply_quietly({"type": "reading", "frame": frame, **reading,
                                   "server_ms": server_ms, "dropped": self.dropped})

    async def _reply_quietly(self, message: dict[str, Any]) -> None:
        with contextlib.suppress(*CLOSED_ERRORS):  # the client left while its frame was read
            await self.send(message)

    async def on_text(self, text: str) -> None:
        try:
            settings = self.settings.updated(settings_changes(text), self.models)
            recognizer = settings.recognizer(self.models)
        except (ValueError, RecursionError) as e:  # bad JSON, or nested too deeply to parse
            await self.send({"type": "error", "error": str(e)})
            return
        self.settings, self.recognizer = settings, recognizer
        await self.send({"type": "settings", "settings": settings.as_dict()})
