"""The live window closed by its title-bar button ends the loop cleanly.

A window manager's close button sends the window a WM_DELETE_WINDOW message; this test
sends the same message (with Xlib, through ctypes) to the window of a real `digitcam live`
running under Xvfb, and expects a clean exit: code 0, the summary, no traceback.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import random
import shutil
import subprocess
import sys
import time

import pytest

from tests.badfiles import MODEL

TIMEOUT_S = 30
CLIENT_MESSAGE = 33


class ClientMessageEvent(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("serial", ctypes.c_ulong),
                ("send_event", ctypes.c_int), ("display", ctypes.c_void_p),
                ("window", ctypes.c_ulong), ("message_type", ctypes.c_ulong),
                ("format", ctypes.c_int), ("data", ctypes.c_long * 5)]


class XEvent(ctypes.Union):
    _fields_ = [("xclient", ClientMessageEvent), ("pad", ctypes.c_long * 24)]


def libx11():
    name = ctypes.util.find_library("X11")
    if name is None:
        pytest.skip("libX11 is not installed")
    x11 = ctypes.cdll.LoadLibrary(name)
    x11.XOpenDisplay.restype = ctypes.c_void_p
    x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x11.XInternAtom.restype = ctypes.c_ulong
    x11.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    x11.XSendEvent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_long,
                               ctypes.POINTER(XEvent)]
    x11.XFlush.argtypes = x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
    return x11


def press_close_button(display: str, window: int) -> None:
    """What the window manager does when the title bar's close button is clicked."""
    x11 = libx11()
    d = x11.XOpenDisplay(display.encode())
    assert d, f"cannot open display {display}"
    event = XEvent()
    event.xclient.type = CLIENT_MESSAGE
    event.xclient.window = window
    event.xclient.message_type = x11.XInternAtom(d, b"WM_PROTOCOLS", 0)
    event.xclient.format = 32
    event.xclient.data[0] = x11.XInternAtom(d, b"WM_DELETE_WINDOW", 0)
    x11.XSendEvent(d, window, 0, 0, ctypes.byref(event))
    x11.XFlush(d)
    x11.XCloseDisplay(d)


@contextlib.contextmanager
def xvfb(screen: str = "1280x800"):
    """A private X display of `screen` pixels; yields ':N'. N is drawn at random from a
    high range (not the first free one, which parallel test runs race for), retried when
    taken."""
    if shutil.which("Xvfb") is None or shutil.which("xdotool") is None:
        pytest.skip("needs Xvfb and xdotool (CI installs them)")
    for number in random.Random().sample(range(200, 900), 8):
        read, write = os.pipe()
        server = subprocess.Popen(["Xvfb", f":{number}", "-displayfd", str(write), "-screen",
                                   "0", f"{screen}x24", "-nolisten", "tcp"], pass_fds=(write,),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(write)
        with os.fdopen(read) as f:
            started = f.readline().strip()
        if started:
            break
        server.wait(TIMEOUT_S)
    else:
        raise AssertionError("Xvfb did not start")
    try:
        yield f":{started}"
    finally:
        server.terminate()
        server.wait(TIMEOUT_S)


def find_window(display: str, title: str, process: subprocess.Popen) -> int:
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline and process.poll() is None:
        found = subprocess.run(["xdotool", "search", "--name", f"^{title}$"],
                               capture_output=True, text=True,
                               env={**os.environ, "DISPLAY": display}).stdout.split()
        if found:
            return int(found[0])
        time.sleep(0.2)
    said = process.communicate(timeout=TIMEOUT_S)[1] if process.poll() is not None else ""
    raise AssertionError(f"no window {title!r} appeared {said}")


@contextlib.contextmanager
def live_window(display: str, *args: str):
    """`digitcam live ARGS` on `display` (stdout and stderr piped); killed if still running
    when the block ends."""
    env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}
    live = subprocess.Popen([sys.executable, "-m", "digitcam", "live", *args], env=env,
                            text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        yield live
    finally:
        if live.poll() is None:
            live.kill()
            live.communicate()


@pytest.mark.slow
def test_closing_the_window_ends_the_loop_cleanly():
    from digitcam.apps.live.window import WINDOW

    with xvfb() as display, live_window(display, "--source", "sample", "--loop",
                                        "--model", MODEL) as live:
        window = find_window(display, WINDOW, live)
        time.sleep(1.0)  # the loop is running
        assert live.poll() is None
        press_close_button(display, window)
        out, err = live.communicate(timeout=TIMEOUT_S)
    assert live.returncode == 0, err
    assert out.startswith("sample: ") and " frames in " in out
    assert "Traceback" not in err
