"""Run `digitcam serve` in a subprocess on a free loopback port (tests, benchmarks).

    with spawn_server(["--model", "mlp"]) as server:
        httpx.get(server.url + "api/health")
        print(server.pid)
"""

from __future__ import annotations

import contextlib
import re
import resource
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass

START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 10.0
URL_PATTERN = re.compile(r"serving (http://127\.0\.0\.1:\d+/)")


@dataclass
class Server:
    process: subprocess.Popen
    url: str                          # http://127.0.0.1:PORT/
    output: list[str]                 # lines the server printed, collected as it runs

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def ws_url(self) -> str:
        return "ws" + self.url[len("http"):] + "ws"


def _collect(stream, lines: list[str], found: threading.Event) -> None:
    for line in stream:
        lines.append(line.rstrip("\n"))
        if URL_PATTERN.search(line):
            found.set()
    found.set()  # the server exited: stop waiting


@contextlib.contextmanager
def spawn_server(args: list[str] | None = None, timeout: float = START_TIMEOUT_S,
                 fd_limit: int | None = None) -> Iterator[Server]:
    """`digitcam serve --port 0 ARGS` on 127.0.0.1; stopped (SIGTERM, then SIGKILL) on exit.
    RuntimeError with the server's output if it does not start within `timeout` seconds.
    `fd_limit`: the server's open-file limit (as `ulimit -n` would set it)."""
    command = [sys.executable, "-m", "digitcam", "serve", "--host", "127.0.0.1", "--port", "0",
               *(args or [])]

    def limit_fds() -> None:
        if fd_limit is not None:
            hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
            soft = fd_limit if hard == resource.RLIM_INFINITY else min(fd_limit, hard)
            resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))

    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, preexec_fn=limit_fds if fd_limit else None)
    lines: list[str] = []
    found = threading.Event()
    threading.Thread(target=_collect, args=(process.stdout, lines, found), daemon=True).start()
    try:
        found.wait(timeout)
        match = next((m for m in map(URL_PATTERN.search, lines) if m), None)
        if match is None:
            raise RuntimeError("digitcam serve did not start: " + " | ".join(lines[-5:]))
        yield Server(process, match.group(1), lines)
    finally:
        process.terminate()
        try:
            process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
