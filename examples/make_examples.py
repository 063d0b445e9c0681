"""Make the example photos in this folder: numbers written with MNIST *test* digits on paper.

    python examples/make_examples.py [--data-dir D]

Each file is named after the number it shows. The digits are real handwriting from the
MNIST test set (the model never trained on them), rendered on tinted paper under uneven
light with camera noise and JPEG compression by digitcam.synth.scenes.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np

from digitcam.data.mnist import load_mnist_data
from digitcam.synth.scenes import Look, render

HERE = Path(__file__).parent
EXAMPLES = {  # file stem -> (number lines, look)
    "2026": (["2026"], Look(light_gradient=0.3, noise=3, blur=0.6, rotation=-2,
                            jpeg_quality=85)),
    "7": (["7"], Look(paper=(200, 225, 235), shadow=0.35, noise=3, jpeg_quality=85)),
    "31415": (["31415"], Look(ink=(30, 30, 30), light_gradient=0.4, noise=4, blur=0.8,
                              rotation=3, jpeg_quality=80)),
    "86_2049": (["86", "2049"], Look(paper=(215, 230, 240), ink=(120, 50, 20), noise=3,
                                     light_gradient=0.2, jpeg_quality=85)),
    "590": (["590"], Look(dark_ink=False, noise=3, blur=0.5, jpeg_quality=85)),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default=None, help="MNIST folder (default: $DIGITCAM_DATA)")
    args = parser.parse_args()
    _, (x_test, y_test) = load_mnist_data(args.data_dir)
    rng = np.random.default_rng(2026)
    by_label = {d: np.flatnonzero(y_test == d) for d in range(10)}
    for stem, (lines, look) in EXAMPLES.items():
        labels = [int(c) for line in lines for c in line]
        digits = [x_test[rng.choice(by_label[d])] for d in labels]
        scene = render(digits, rng, look, height=120 // len(lines) + 30, labels=labels,
                       lines=[len(line) for line in lines])
        path = HERE / f"{stem}.jpg"
        cv2.imwrite(str(path), scene.frame, [cv2.IMWRITE_JPEG_QUALITY, 90])
        print(f"{path}: {scene.text}")


if __name__ == "__main__":
    main()
