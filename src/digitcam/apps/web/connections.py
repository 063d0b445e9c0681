"""Connection limits for `digitcam serve` (uvicorn, h11): slow or idle clients cannot hold
the server's file descriptors.

    config = uvicorn.Config(app, http=guarded_protocol(max_connections(), HEADER_TIMEOUT_S),
                            loop="asyncio", backlog=ACCEPT_BACKLOG)
    quiet_repeats()   # the same log message at most a few times a minute

- A request head (request line and headers) must arrive within `header_timeout_s` of the
  connection opening or of the previous response: a client dribbling a request line, or
  saying nothing, is closed (slowloris).
- At most `limit` connections are open: a new one closes the oldest that is waiting for a
  request head, so the newest client is served; when every connection is busy (a request
  being answered, a WebSocket) the new one is closed. `max_connections()` keeps the limit
  below the process's file-descriptor limit, so accept() never fails for want of one:
  asyncio accepts up to `backlog` connections at a time before any is looked at, and closes
  evicted ones a turn of the loop later, so a few backlogs' worth of descriptors are kept.
"""

from __future__ import annotations

import logging
import resource
import time

from uvicorn.protocols.http.h11_impl import H11Protocol

HEADER_TIMEOUT_S = 10.0
MAX_CONNECTIONS = 1000
ACCEPT_BACKLOG = 32  # uvicorn.Config(backlog=): connections accepted in one go
FD_RESERVE = 32 + 3 * ACCEPT_BACKLOG  # the process's own files, and accept bursts
LOG_REPEATS = 5  # the same message at most this often per LOG_WINDOW_S
LOG_WINDOW_S = 60.0


def max_connections(cap: int = MAX_CONNECTIONS) -> int:
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return cap
    return max(8, min(cap, soft - FD_RESERVE))


class GuardedH11Protocol(H11Protocol):
    limit = MAX_CONNECTIONS
    header_timeout_s = HEADER_TIMEOUT_S

    def connection_made(self, transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.opened = time.monotonic()
        self._arm_header_timer()
        if len(self.connections) > self.limit and not self._evict_oldest_waiting():
            self._close()  # everyone is busy: this one waits its turn elsewhere

    def handle_websocket_upgrade(self, event) -> None:
        sockets = sum(not isinstance(c, GuardedH11Protocol) for c in self.connections)
        if sockets >= self.limit // 2:
            self.transport.write(b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\n"
                                 b"Content-Length: 0\r\nConnection: close\r\n\r\n")
            self._close()
            return
        super().handle_websocket_upgrade(event)

    def waiting(self) -> bool:
        """No request is being answered: before the first head, or between requests."""
        return self.cycle is None or self.cycle.response_complete

    def _evict_oldest_waiting(self) -> bool:
        others = [c for c in self.connections if isinstance(c, GuardedH11Protocol)
                  and c is not self and c.waiting() and not c.transport.is_closing()]
        if not others:
            return False
        min(others, key=lambda c: c.opened)._close()
        return True

    def _arm_header_timer(self) -> None:
        armed_for = self.cycle
        self.loop.call_later(self.header_timeout_s, self._header_deadline, armed_for)

    def _header_deadline(self, armed_for) -> None:
        # gone from `connections`: closed, or handed over to a WebSocket (not ours to time)
        if self in self.connections and self.cycle is armed_for and self.waiting():
            self._close()  # no new request head since the timer was armed

    def _close(self) -> None:
        if not self.transport.is_closing():
            self.transport.close()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm_header_timer()  # the next request's head must come in time too


def guarded_protocol(limit: int, header_timeout_s: float = HEADER_TIMEOUT_S) -> type:
    """GuardedH11Protocol with these limits, for uvicorn.Config(http=...)."""
    return type("GuardedH11Protocol", (GuardedH11Protocol,),
                {"limit": limit, "header_timeout_s": header_timeout_s})


class RepeatFilter(logging.Filter):
    """Let the same message through at most LOG_REPEATS times per LOG_WINDOW_S, so a flood
    (accept() failing, clients misbehaving) cannot fill the disk; tracebacks are dropped
    from repeats' records too."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: dict[str, tuple[float, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        now = time.monotonic()
        key = f"{record.name}:{str(record.msg).partition(chr(10))[0][:200]}"
        start, count = self.seen.get(key, (now, 0))
        if now - start > LOG_WINDOW_S:
            start, count = now, 0
        if len(self.seen) > 1000:
            self.seen.clear()
        self.seen[key] = (start, count + 1)
        return count < LOG_REPEATS


def quiet_repeats() -> None:
    """Install RepeatFilter on the loggers a flood of bad clients writes to."""
    for name in ("asyncio", "uvicorn", "uvicorn.error", "uvicorn.access",
                 "digitcam.apps.web.session"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RepeatFilter) for f in logger.filters):
            logger.addFilter(RepeatFilter())
