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


FRONT_ENDS = ("predict", "live", "web", "evaluate", "batch")


def _imports(path) -> set[str]:
    """Absolute names of the digitcam modules a source file imports (lazily too)."""
    import ast
    from pathlib import Path

    from digitcam import __file__ as root_init

    root = Path(root_init).parent
    package = ["digitcam", *path.relative_to(root).with_suffix("").parts[:-1]]
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            names.add(".".join([*base, *(node.module or "").split(".")]).strip("."))
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return {n for n in names if n.startswith("digitcam")}


@pytest.mark.parametrize("front", FRONT_ENDS)
def test_front_ends_do_not_import_each_other(front):
    """A front end imports the reader and shared modules (apps.annotate, apps.options),
    never another front end, even inside a function."""
    from pathlib import Path

    import digitcam

    root = Path(digitcam.__file__).parent
    files = [root / "apps" / f"{front}.py"] if (root / "apps" / f"{front}.py").exists() \
        else sorted((root / "apps" / front).rglob("*.py"))
    if front == "batch":
        files = sorted((root / "batch").rglob("*.py"))
    assert files
    others = [f"digitcam.apps.{o}" for o in FRONT_ENDS if o != front] + \
        (["digitcam.batch"] if front != "batch" else [])
    for path in files:
        bad = [n for n in _imports(path) if any(n == o or n.startswith(o + ".") for o in others)]
        assert not bad, f"{path.name} imports {bad}"
