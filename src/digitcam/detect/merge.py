"""One digit, several components: broken strokes and detached caps merged into one box.

    boxes = merge_broken([[x, y, w, h, area, component id], ...])
"""

from __future__ import annotations

import numpy as np

from .config import DEFAULT_CONFIG, ComponentConfig


def merge_pairs(b: np.ndarray, cfg: ComponentConfig = DEFAULT_CONFIG) -> np.ndarray:
    """(n, n) bool: which boxes (rows x, y, w, h, area) belong to the same digit.

    A stroke broken across (overlapping columns, a small vertical gap); a small piece of
    stroke just beside a larger part (a gap under 15% of its height); or a small cap just
    above or below one, over some of its columns (the detached bar of a 5)."""
    x, y, w, h, area = (b[:, i, None].astype(np.float32) for i in range(5))
    xt, yt, wt, ht, at = x.T, y.T, w.T, h.T, area.T
    overlap_x = np.minimum(x + w, xt + wt) - np.maximum(x, xt)
    overlap_y = np.minimum(y + h, yt + ht) - np.maximum(y, yt)
    broken = ((overlap_x > cfg.broken_overlap * np.minimum(w, wt))
              & (-overlap_y < cfg.broken_gap * np.maximum(h, ht)))
    big_h = np.maximum(h, ht)
    small_h = np.minimum(h, ht)
    piece = ((small_h < cfg.piece_max_height * big_h) & (small_h >= cfg.piece_min_height * big_h)
             & (np.minimum(area, at) < cfg.piece_max_area * np.maximum(area, at))
             & (-overlap_x < cfg.piece_gap * big_h) & (overlap_y > cfg.piece_overlap * small_h))
    cap = ((small_h < cfg.cap_max_height * big_h) & (overlap_x > 0)
           & (-overlap_y < cfg.cap_gap * big_h) & (overlap_y < cfg.cap_overlap * small_h))
    pairs = broken | piece | cap
    np.fill_diagonal(pairs, False)
    return pairs


def groups(pairs: np.ndarray) -> list[list[int]]:
    """Connected groups of a symmetric adjacency matrix (union-find over its edges)."""
    parent = list(range(len(pairs)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in zip(*np.nonzero(np.triu(pairs))):
        parent[root(int(i))] = root(int(j))
    found: dict[int, list[int]] = {}
    for i in range(len(pairs)):
        found.setdefault(root(i), []).append(i)
    return list(found.values())


def merge_broken(boxes: list[list[int]],
                 cfg: ComponentConfig = DEFAULT_CONFIG) -> list[list[int]]:
    """Merge the boxes [x, y, w, h, area, *component ids] of one digit's broken strokes.

    Pairs are tested all at once (vectorised O(n^2)), merged groups tested again until
    nothing changes; a few rounds at most."""
    while len(boxes) > 1:
        found = groups(merge_pairs(np.array([b[:5] for b in boxes], np.int64), cfg))
        if len(found) == len(boxes):
            break
        merged = []
        for group in found:
            parts = [boxes[i] for i in group]
            x0 = min(p[0] for p in parts)
            y0 = min(p[1] for p in parts)
            x1 = max(p[0] + p[2] for p in parts)
            y1 = max(p[1] + p[3] for p in parts)
            ids = [c for p in parts for c in p[5:]]
            merged.append([x0, y0, x1 - x0, y1 - y0, sum(p[4] for p in parts), *ids])
        boxes = merged
    return boxes
