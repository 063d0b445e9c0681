"""What reaches the terminal: names made printable, errors made one line.

    printable("evil\\x1b[2Jname.png")   # -> 'evil\\\\x1b[2Jname.png': no escape codes reach the tty
    error_line(OSError(28, "No space left on device", "out.json"))
                                       # -> 'out.json: No space left on device'
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def printable(text: object) -> str:
    """`text` with control characters (ANSI escapes, carriage returns, bidi overrides)
    shown as backslash escapes, so a file name cannot rewrite the terminal."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), str(text))


def error_line(e: BaseException) -> str:
    """One line for the user: an OSError names its file, a multi-line message (OpenCV's)
    keeps its last meaningful line, control characters are escaped."""
    if isinstance(e, OSError) and e.strerror:
        names = [str(n) for n in (e.filename, e.filename2) if n is not None]
        text = f"{': '.join(names)}: {e.strerror}" if names else e.strerror
    else:
        lines = [line.strip() for line in str(e).splitlines() if line.strip()]
        text = lines[-1] if lines else type(e).__name__
        if type(e).__module__.split(".")[0] == "cv2":
            text = f"OpenCV: {text.split('error: ')[-1]}"  # not its source file and line
    return printable(text)
