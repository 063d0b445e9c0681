"""The web app's ASGI guards: a body size cap, a Host allow-list, security headers.

    app.add_middleware(BodyLimit, max_bytes=10 * 1024 * 1024)
    app.add_middleware(HostAllowList, allowed=["localhost", "127.0.0.1", "[::1]"])
    app.add_middleware(SecurityHeaders)

BodyLimit: a declared Content-Length above the cap is refused at once (413); a chunked
body is counted as it arrives and refused as soon as it passes the cap.
"""

from __future__ import annotations

import ipaddress
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


LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")
TEST_CLIENT_HOST = "testserver"  # Starlette's TestClient: create_app's default allows it too
PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; "
            "style-src-attr 'unsafe-inline'; img-src 'self' data: blob:; "  # the meters' widths
            "media-src 'self' blob: mediastream:; connect-src 'self' {ws}; object-src 'none'; "
            "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def host_name(host: str) -> str:
    """The name in a Host header, without its port: `[::1]:80` -> `[::1]`, `a.b:80` -> `a.b`."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[: host.find("]") + 1] if "]" in host else host
    if host.count(":") > 1:  # a bare IPv6 address (as --allowed-host ::1 gives it)
        return f"[{host}]"
    return host.rsplit(":", 1)[0] if ":" in host else host


def is_ip_literal(name: str) -> bool:
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return False
    return True


class HostAllowList:
    """Refuse requests and WebSockets whose Host is not one of `allowed` (names, `[v6]`,
    `*` for any; "ip" allows any IP literal: no DNS rebinding reaches a server by IP): 400,
    or a WebSocket closed before it opens. A page on attacker.example whose name was
    rebound to 127.0.0.1 sends `Host: attacker.example`, so it cannot read the API."""

    def __init__(self, app: ASGIApp, allowed: list[str]):
        self.app = app
        self.allowed = {host_name(h) if h not in ("*", "ip") else h for h in allowed}

    def allows(self, host: str | None) -> bool:
        if host is None or "*" in self.allowed:  # HTTP/1.0 without Host: not a browser
            return True
        name = host_name(host)
        return name in self.allowed or ("ip" in self.allowed and is_ip_literal(name))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        raw = dict(scope["headers"]).get(b"host")
        host = raw.decode("latin-1") if raw is not None else None
        if self.allows(host):
            await self.app(scope, receive, send)
        elif scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
        else:
            body = json.dumps({"detail": f"host not allowed: {host[:100]!r} "
                                         "(digitcam serve --allowed-host NAME)"}).encode()
            await send({"type": "http.response.start", "status": 400,
                        "headers": [(b"content-type", b"application/json"),
                                    (b"content-length", str(len(body)).encode()),
                                    (b"connection", b"close")]})
            await send({"type": "http.response.body", "body": body})


class SecurityHeaders:
    """X-Frame-Options, nosniff and no referrer on every response; a Content-Security-Policy
    on the page (`/`): its own scripts and styles only, WebSockets to its own host."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = dict(scope["headers"]).get(b"host", b"").decode("latin-1")
        extra = [(b"x-frame-options", b"DENY"), (b"x-content-type-options", b"nosniff"),
                 (b"referrer-policy", b"no-referrer")]
        if scope["path"] == "/":
            ws = f"ws://{host} wss://{host}" if host else ""
            extra.append((b"content-security-policy", PAGE_CSP.format(ws=ws).encode("latin-1")))

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, with_headers)
