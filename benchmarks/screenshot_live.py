"""The README's screenshot (docs/live.png): the live window reading a page on a desk.

    python benchmarks/screenshot_live.py [--out docs/live.png] [--seed 4]

Draws a page of MNIST *test* digits lying on a desk (digitcam.synth.conditions, the
"desk" family with larger writing), opens `digitcam live --source PAGE` on a private Xvfb
display and photographs the screen with ImageMagick's `import` (Debian: xvfb, imagemagick).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from digitcam.data.mnist import load_mnist_data
from digitcam.synth.conditions import FAMILIES, render_spec, replace


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default="docs/live.png", help="where to write the screenshot")
    p.add_argument("--seed", type=int, default=4, help="the page drawn (4)")
    p.add_argument("--wait", type=float, default=8.0, help="seconds before the shot (8)")
    args = p.parse_args()
    _, (x, y) = load_mnist_data()
    spec = replace(FAMILIES["desk"], height=(40, 52))
    page, truth = render_spec(spec, x, y, np.random.default_rng(args.seed))
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "page-on-a-desk.png"
        cv2.imwrite(str(source), page)
        display = ":57"
        xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", "1280x720x24", "-nolisten",
                                 "tcp"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}
        try:
            time.sleep(1.0)
            live = subprocess.Popen([sys.executable, "-m", "digitcam", "live", "--source",
                                     str(source)], env=env)
            time.sleep(args.wait)
            subprocess.run(["import", "-window", "root", args.out], env=env, check=True)
            live.kill()
            live.wait()
        finally:
            xvfb.terminate()
            xvfb.wait()
    print(f"{args.out}: the live window on a page reading {truth}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
