"""The one way to define a subcommand: `@command(name, help)` on a function that adds its
arguments to an argparse parser and sets its handler with `set_defaults(handler=...)`.

    @command("predict", "read the digits in image files")
    def _predict_args(p):
        p.add_argument(...)
        p.set_defaults(handler=_predict)   # handler(args) -> exit code

The module that defines it is listed in `digitcam.apps.cli.FRONT_ENDS`; keep its top level
light (no TensorFlow, FastAPI or matplotlib): `digitcam --help` imports them all.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

COMMANDS: dict[str, tuple[Callable[[argparse.ArgumentParser], None], str]] = {}


def command(name: str, help: str):
    """Register `add_arguments` for subcommand `name`; it sets the handler with set_defaults."""

    def register(add_arguments):
        COMMANDS[name] = (add_arguments, help)
        return add_arguments

    return register
