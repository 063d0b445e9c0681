"""The import graph the layout promises: the reading core imports no front end, no training
and no synthetic data; front ends never import the CLI; nothing at run time imports
TensorFlow or Keras."""

from __future__ import annotations

import subprocess
import sys

import pytest

CHECK = ("import importlib, sys; importlib.import_module({module!r}); "
         "print(sorted({{m.split('.')[0] for m in sys.modules}} & {{'tensorflow', 'keras'}}), "
         "sorted(m for m in sys.modules if m.startswith(({forbidden!r}))))")


def imported(module: str, forbidden: tuple[str, ...]) -> str:
    code = CHECK.format(module=module, forbidden=forbidden)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


@pytest.mark.parametrize("module", ["digitcam", "digitcam.reader", "digitcam.detect",
                                    "digitcam.recognize", "digitcam.layout", "digitcam.io"])
def test_the_reading_core_stands_alone(module):
    assert imported(module, ("digitcam.apps", "digitcam.training", "digitcam.synth")) \
        == "[] []"


@pytest.mark.parametrize("module", ["digitcam.apps.predict", "digitcam.apps.live.loop",
                                    "digitcam.apps.web.app", "digitcam.apps.evaluate.run"])
def test_front_ends_do_not_import_the_cli(module):
    pytest.importorskip("fastapi" if "web" in module else "numpy")
    assert imported(module, ("digitcam.apps.cli",)) == "[] []"
