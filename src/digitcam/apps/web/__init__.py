"""`digitcam serve`: the browser page (webcam and drawing canvas) and an HTTP API.

    digitcam serve                          # http://127.0.0.1:8000/, loopback only
    digitcam serve --port 9000 --model mlp
    digitcam serve --host 0.0.0.0           # reachable from the network (think twice)

The app itself is `digitcam.apps.web.app.create_app`. This module stays light to import
(`digitcam --help` imports it): FastAPI and uvicorn are imported only when serving.
"""

from __future__ import annotations

import argparse
import importlib.util
import ipaddress
import socket
import sys

from ..commands import command
from ..options import add_reading_options, make_recognizer, number_in

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DEFAULT_MAX_UPLOAD_MB = 10.0
UPLOAD_MB_RANGE = (0.01, 1024.0)  # --max-upload-mb: 10 KB (a small PNG) to 1 GB
DEFAULT_THREADS = 2
KEEP_ALIVE_S = 30  # idle HTTP connections stay open this long (a page polling now and then)
INSTALL_HINT = "digitcam: serve needs the web extra: pip install 'digitcam[web]'"


@command("serve", "the browser page (webcam, drawing) and HTTP API (needs the web extra)")
def _serve_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default=DEFAULT_HOST,
                   help=f"address to listen on (default {DEFAULT_HOST}: this machine only)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT,
                   help=f"port (default {DEFAULT_PORT}; 0 picks a free one)")
    add_reading_options(p)
    p.add_argument("--max-upload-mb", type=number_in(*UPLOAD_MB_RANGE),
                   default=DEFAULT_MAX_UPLOAD_MB,
                   help=f"largest upload or WebSocket frame, {UPLOAD_MB_RANGE[0]:g}-"
                        f"{UPLOAD_MB_RANGE[1]:g} (default {DEFAULT_MAX_UPLOAD_MB:g})")
    p.add_argument("--threads", type=int, default=DEFAULT_THREADS,
                   help=f"recognition threads (default {DEFAULT_THREADS})")
    p.add_argument("--allow-origin", action="append", default=[], metavar="ORIGIN",
                   help="let pages from ORIGIN call the API (CORS); repeatable; none by default")
    p.add_argument("--allowed-host", action="append", default=[], metavar="NAME",
                   help="also answer requests for this host name (Host header), besides the "
                        "names of --host; repeatable; '*' for any (behind a proxy that checks)")
    p.set_defaults(handler=_serve)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def allowed_hosts(host: str, extra: list[str]) -> list[str]:
    """The Host names a browser may use to reach a server bound to `host`: loopback names
    for a loopback address, the address itself, any IP address and this machine's names
    for a wildcard address (0.0.0.0, ::), and `extra` (--allowed-host). Any other name is
    refused: a DNS-rebinding page sends its own name."""
    names = [host, *extra]
    if is_loopback(host):
        names += ["localhost", "127.0.0.1", "[::1]"]
    elif host in ("0.0.0.0", "::", ""):
        names += ["ip", "localhost", socket.gethostname(), socket.getfqdn()]
    return names


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket; OSError (port in use, bad address) names the address."""
    if not 0 <= port <= 65535:
        raise ValueError(f"--port must be 0-65535, got {port}")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as e:
        raise OSError(f"cannot listen on {host}: {e.strerror}") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(128)
    except OSError as e:
        sock.close()
        raise OSError(f"cannot listen on {host}:{port}: {e.strerror or e}") from None
    sock.set_inheritable(True)
    return sock


def start_message(host: str, sock: socket.socket, model: str) -> str:
    port = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/"
    if is_loopback(host):
        where = "loopback only: other machines cannot connect (--host to change)"
    else:
        where = (f"listening on {host}: reachable from other machines; browsers allow the "
                 "camera only on localhost or https")
    return f"digitcam: serving {url} (model {model}; API docs {url}docs) - {where}"


def _serve(args: argparse.Namespace) -> int:
    try:
        import fastapi  # noqa: F401
        import uvicorn
    except ImportError:
        print(INSTALL_HINT, file=sys.stderr)
        return 1
    if not any(importlib.util.find_spec(m) for m in ("python_multipart", "multipart")):
        print(INSTALL_HINT, file=sys.stderr)
        return 1
    from .app import create_app
    from .connections import (
        ACCEPT_BACKLOG,
        HEADER_TIMEOUT_S,
        guarded_protocol,
        max_connections,
        quiet_repeats,
    )

    if args.threads < 1:
        raise ValueError(f"--threads must be at least 1, got {args.threads}")
    if args.max_upload_mb <= 0:
        raise ValueError(f"--max-upload-mb must be positive, got {args.max_upload_mb}")
    recognizer = make_recognizer(args)  # bad model or settings: one line, before binding
    max_bytes = int(args.max_upload_mb * 1024 * 1024)
    app = create_app(model=args.model, mode=recognizer.mode, threshold=recognizer.threshold,
                     min_confidence=recognizer.min_confidence, max_upload_bytes=max_bytes,
                     threads=args.threads, allow_origins=args.allow_origin,
                     allowed_hosts=allowed_hosts(args.host, args.allowed_host))
    sock = bind(args.host, args.port)
    print(start_message(args.host, sock, recognizer.model_name), flush=True)
    # h11 with a header timeout and a connection cap under the fd limit (connections.py);
    # asyncio's loop backs off when accept() fails, where others may spin and log
    protocol = guarded_protocol(max_connections(), HEADER_TIMEOUT_S)
    config = uvicorn.Config(app, log_level="warning", ws_max_size=max_bytes + 1024,
                            http=protocol, loop="asyncio", backlog=ACCEPT_BACKLOG,
                            timeout_keep_alive=KEEP_ALIVE_S,
                            timeout_graceful_shutdown=3)
    quiet_repeats()
    uvicorn.Server(config).run(sockets=[sock])
    return 0
