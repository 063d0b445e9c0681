"""Request body size cap as ASGI middleware: 413 before the body is buffered or parsed.

    app.add_middleware(BodyLimit, max_bytes=10 * 1024 * 1024)

A declared Content-Length above the cap is refused at once; a chunked body is counted as
it arrives and refused as soon as it passes the cap.
"""

from __future__ import annotations

import json

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

TOO_LARGE = 413


def too_large_detail(max_bytes: int) -> str:
    return f"upload too large (limit {max_bytes} bytes)"


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # an HTTPException: FastAPI turns it into the 413 reply, even mid-parse
                    raise HTTPException(TOO_LARGE, too_large_detail(self.max_bytes))
            return message

        await self.app(scope, counted, send)

    async def _refuse(self, send: Send) -> None:
        body = json.dumps({"detail": too_large_detail(self.max_bytes)}).encode()
        await send({"type": "http.response.start", "status": TOO_LARGE,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})
