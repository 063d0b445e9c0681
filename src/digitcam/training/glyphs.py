"""Real handwritten digits cut from labelled real fields, for synthetic lines to write with.

A labelled field (a cheque amount, "10359") says which digits it shows but not where. The
shipped line model reads it; where its reading equals the label, CTC's alignment gives each
digit its columns (from midway after the previous character to midway before the next),
and the ink in those columns, printed background and specks removed, is that writer's
digit. synth.lines.write then draws some digits of its lines from this bank instead of
MNIST: real writers' shapes (looped 9s, hooked 1s, open 4s) in new strings, on new paper,
so the recogniser learns the shapes, not the fields they came in.

    bank = glyph_bank(real_split("real-dev", held=False, sources="orand_car_a"))
    save_bank(bank, "runs/glyphs.npz"); bank = load_bank("runs/glyphs.npz")

Only the training part of a folder (real_split) is ever cut; the held-out part stays unseen.
"""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

from ..recognize.lines import STRIDE, decode, ink_strength, line_input

INK_LEVEL = 0.4     # coverage above the paper (line_input's scale) that counts as ink
MIN_PIECE = 0.08    # pieces of ink smaller than this share of a glyph's largest are specks
DOUBTFUL = 0.3     # a glyph leaving out a piece this big (of its largest) is not kept
MIN_HEIGHT = 0.3    # a digit's ink is at least this share of the field's ink height


def ink_cover(gray: np.ndarray, level: float = INK_LEVEL) -> np.ndarray:
    """A field (ink dark, uint8) as ink coverage [0, 1] at its own size: scaled between the
    paper and the ink as line_input does, then light printed matter (below `level` of the
    ink's strength) dropped, so what remains is the pen's."""
    return np.clip((ink_strength(gray) - level) / (1.0 - level), 0.0, 1.0)


def clean_glyph(cover: np.ndarray, min_piece: float = MIN_PIECE, doubtful: float = DOUBTFUL,
                ) -> np.ndarray | None:
    """A digit's strip of coverage -> its ink trimmed to its box; None when none is left.
    Kept: the largest piece of ink and the pieces with it, i.e. not specks (under
    `min_piece` of its area), not beside it (less than half their width within its
    columns: a neighbour's edge, a separator, a dash) and not wholly below it (an
    underline, a comma). A strip with a big piece beside the largest (over `doubtful` of
    its area: a digit in two strokes cut apart, or a neighbour's half) is doubtful: None."""
    mask = (cover > 0.3).astype(np.uint8)
    n, lab, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if n <= 1:
        return None
    x, y, w, h, areas = (stats[:, k] for k in range(5))
    main = 1 + int(areas[1:].argmax())
    within = np.minimum(x + w, x[main] + w[main]) - np.maximum(x, x[main])
    above = y < y[main] + h[main]
    beside = above & (within < 0.5 * w)
    if (beside & (areas > doubtful * areas[main]))[1:].any():
        return None
    keep = (areas >= min_piece * areas[main]) & above & ~beside
    keep[0] = False
    kept = np.where(keep[lab], cover, 0.0)
    ys, xs = np.nonzero(kept > 0.3)
    if len(ys) == 0:
        return None
    return kept[ys.min(): ys.max() + 1, xs.min(): xs.max() + 1].astype(np.float32)


def cut_field(gray: np.ndarray, label: str, model) -> list[tuple[int, np.ndarray]]:
    """(digit, coverage) of each digit of one field whose reading by `model` (a
    recognize.lines model with .run) equals `label`; [] when it does not."""
    x = line_input(gray)
    stride = int(model.card.get("input", {}).get("stride", STRIDE))
    probs = model.run(x[None, :, :, None])[0][: x.shape[1] // stride]
    chars = [c for c in decode(probs, x.shape[1], stride) if c.text.isdigit()]
    if "".join(c.text for c in chars) != label:
        return []
    cover = ink_cover(gray)
    scale = gray.shape[1] / x.shape[1]
    rows = np.nonzero((cover > 0.3).any(1))[0]
    ink_height = rows[-1] - rows[0] + 1 if len(rows) else gray.shape[0]
    out = []
    for c in chars:
        glyph = clean_glyph(cover[:, int(c.x0 * scale): int(np.ceil(c.x1 * scale))])
        if glyph is not None and glyph.shape[0] >= MIN_HEIGHT * ink_height:
            out.append((int(c.text), glyph))
    return out


def glyph_bank(pairs: list[tuple[Path, str]], model: str | os.PathLike | None = None,
               ) -> list[list[np.ndarray]]:
    """Per digit class, the glyphs cut from the fields `pairs` ((path, label), the
    training part of a labelled folder) read right by the line model (default shipped)."""
    from ..assets.registry import Model

    reader = Model(model, "line-ctc")
    bank: list[list[np.ndarray]] = [[] for _ in range(10)]
    fields = 0
    for path, label in pairs:
        gray = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
        if gray is None:
            continue
        cut = cut_field(gray, label, reader)
        fields += bool(cut)
        for digit, glyph in cut:
            bank[digit].append(glyph)
    print(f"glyph bank: {sum(map(len, bank))} digits from {fields} of {len(pairs)} fields "
          f"({', '.join(str(len(b)) for b in bank)} of 0-9)", flush=True)
    return bank


def save_bank(bank: list[list[np.ndarray]], path: str | os.PathLike) -> None:
    """The bank as an .npz of uint8 coverage arrays named d{digit}_{index}."""
    np.savez_compressed(path, **{f"d{d}_{i}": (g * 255).astype(np.uint8)
                                 for d, glyphs in enumerate(bank) for i, g in enumerate(glyphs)})


def load_bank(path: str | os.PathLike) -> list[list[np.ndarray]]:
    bank: list[list[np.ndarray]] = [[] for _ in range(10)]
    with np.load(path) as data:
        for name in sorted(data.files, key=lambda n: (int(n[1]), int(n.split("_")[1]))):
            bank[int(name[1])].append(data[name].astype(np.float32) / 255)
    return bank
