"""The screen the live windows open on: whether there is one, its size, and where the
windows go: the feed scaled to fit (never enlarged), 'processed' beside it when there is
room, below it otherwise; both on screen.

    no_display_reason()     # "" when a window can open; else why not ("DISPLAY is not set")
    feed_size, processed_at = place(frame_size=(4000, 3000), screen=screen_size())
"""

from __future__ import annotations

import os
import sys

from .draw import PROCESSED_COLUMNS, PROCESSED_MAX, PROCESSED_SCALE

DEFAULT_SCREEN = (1280, 720)  # when the screen's size cannot be asked
GAP = 10                      # pixels between the two windows
CHROME = 80                   # title bars, the trackbar and a task bar, kept free
PROCESSED_SIZE = ((28 * PROCESSED_SCALE + 8) * PROCESSED_COLUMNS,
                  (28 * PROCESSED_SCALE + 26) * -(-PROCESSED_MAX // PROCESSED_COLUMNS))


def screen_size() -> tuple[int, int]:
    """The screen's width and height in pixels: X11's on Linux, the system's on Windows,
    else DEFAULT_SCREEN."""
    try:
        if sys.platform.startswith("linux") and os.environ.get("DISPLAY"):
            return _x11_screen(os.environ["DISPLAY"]) or DEFAULT_SCREEN
        if sys.platform == "win32":
            import ctypes

            metrics = ctypes.windll.user32.GetSystemMetrics  # type: ignore[attr-defined]
            return int(metrics(0)), int(metrics(1))
    except (OSError, AttributeError):
        pass
    return DEFAULT_SCREEN


def no_display_reason() -> str:
    """Why no window can open here, or "" when one can: always on macOS and Windows; on
    Linux when Wayland is set, or DISPLAY names an X server that answers (Qt would abort
    the process on one that does not)."""
    if not sys.platform.startswith("linux") or os.environ.get("WAYLAND_DISPLAY"):
        return ""
    display = os.environ.get("DISPLAY", "")
    if not display:
        return "DISPLAY is not set"
    answers = _with_x11(display, lambda x11, connection: True)
    return "" if answers is not False else f"cannot connect to DISPLAY={display}"


def _x11_screen(display: str) -> tuple[int, int] | None:
    def size(x11, connection):
        screen = x11.XDefaultScreen(connection)
        return x11.XDisplayWidth(connection, screen), x11.XDisplayHeight(connection, screen)

    return _with_x11(display, size) or None


def _with_x11(display: str, ask):
    """ask(libX11, connection) on `display`; None when libX11 is missing (cannot tell),
    False when the display does not answer."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("X11")
    if name is None:
        return None
    x11 = ctypes.cdll.LoadLibrary(name)
    x11.XOpenDisplay.restype = ctypes.c_void_p
    x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
    for call in (x11.XDefaultScreen, x11.XCloseDisplay):
        call.argtypes = [ctypes.c_void_p]
    x11.XDisplayWidth.argtypes = x11.XDisplayHeight.argtypes = [ctypes.c_void_p, ctypes.c_int]
    connection = x11.XOpenDisplay(display.encode())
    if not connection:
        return False
    try:
        return ask(x11, connection)
    finally:
        x11.XCloseDisplay(connection)


def place(frame_size: tuple[int, int], screen: tuple[int, int],
          processed: tuple[int, int] = PROCESSED_SIZE
          ) -> tuple[tuple[int, int], tuple[int, int]]:
    """(feed width, height) and the (x, y) of 'processed', the feed at (0, 0): the layout,
    beside or below, that shows the feed larger (at most its own size)."""
    fw, fh = frame_size
    sw, sh = screen
    pw, ph = processed
    room = sh - CHROME
    beside = min(1.0, (sw - pw - GAP) / fw, room / fh)
    below = min(1.0, sw / fw, (room - ph - CHROME) / fh)
    scale = max(beside, below, 0.05)
    size = (max(1, round(fw * scale)), max(1, round(fh * scale)))
    if beside >= below:
        return size, (size[0] + GAP, 0)
    return size, (0, size[1] + CHROME)
