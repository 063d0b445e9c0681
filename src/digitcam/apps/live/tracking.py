"""Temporal smoothing for video: each digit's box is tracked from frame to frame and its
class probabilities averaged over the last few frames, so the overlay does not flicker.

    smoother = Smoother(frames=5, min_confidence=0.5)
    for frame in video:
        raw = recognizer.read(frame, keep_rejected=True)
        shown = smoother.update(raw)     # smoothed Detections, reading order, confident only
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field, replace

import numpy as np

from ...layout import arrange
from ...reader import DEFAULT_MIN_CONFIDENCE
from ...regions import Detection, iou

SMOOTH_FRAMES = 5   # probabilities averaged over this many frames
MATCH_IOU = 0.3     # a detection continues a track if their boxes overlap at least this much
MATCH_SIMILARITY = 0.7  # ... and their 28x28 crops correlate at least this much: the same
                        # digit in two frames scores over 0.85, another in its place under 0.65
HOLD_FRAMES = 2     # a track missed for up to this many frames is kept, so a digit lost
                    # for a frame comes back with its history; it is still shown while a
                    # neighbour in its line is seen again (one digit of "8978" missed in a
                    # frame does not make it read "878"), not when the page is gone or
                    # another takes its place


@dataclass
class Track:
    last: Detection
    probs: deque = field(default_factory=deque)
    misses: int = 0
    born: int = 0       # the frame it was first seen in
    seen: int = 0       # the frame it was last seen in

    def smoothed(self) -> Detection:
        mean = np.mean(self.probs, axis=0)
        return replace(self.last, digit=int(mean.argmax()), confidence=float(mean.max()),
                       probs=mean)


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Correlation of two crops (-1 to 1): near 1 for the same digit seen again."""
    a = a.astype(np.float32).ravel()
    b = b.astype(np.float32).ravel()
    a -= a.mean()
    b -= b.mean()
    return float(a @ b / np.sqrt(float(a @ a) * float(b @ b) + 1e-6))


def match(tracks: list[Track], detections: list[Detection], min_iou: float = MATCH_IOU,
          min_similarity: float = MATCH_SIMILARITY) -> list[tuple[int, int]]:
    """Greedy one-to-one pairs (track index, detection index), best overlap first, of boxes
    that overlap and crops that look alike."""
    pairs = sorted(((iou(t.last.box, d.box), ti, di) for ti, t in enumerate(tracks)
                    for di, d in enumerate(detections)), reverse=True)
    used_t, used_d, out = set(), set(), []
    for overlap, ti, di in pairs:
        if overlap < min_iou:
            break
        if ti in used_t or di in used_d:
            continue
        if similarity(tracks[ti].last.crop, detections[di].crop) < min_similarity:
            continue
        used_t.add(ti)
        used_d.add(di)
        out.append((ti, di))
    return out


class Smoother:
    """Tracks detections across frames and averages each one's probabilities."""

    def __init__(self, frames: int = SMOOTH_FRAMES,
                 min_confidence: float = DEFAULT_MIN_CONFIDENCE, hold: int = HOLD_FRAMES):
        if frames < 1:
            raise ValueError(f"smoothing needs at least 1 frame, got {frames}")
        self.frames, self.min_confidence, self.hold = frames, min_confidence, hold
        self.tracks: list[Track] = []
        self.frame = 0

    def reset(self) -> None:
        self.tracks = []

    def update(self, detections: list[Detection]) -> list[Detection]:
        """Feed one frame's detections (all of them, rejected ones included); get the
        smoothed ones that pass min_confidence, in reading order."""
        self.frame += 1
        pairs = match(self.tracks, detections)
        seen_t = {ti for ti, _ in pairs}
        seen_d = {di for _, di in pairs}
        for ti, di in pairs:
            track = self.tracks[ti]
            track.last, track.misses, track.seen = detections[di], 0, self.frame
            track.probs.append(detections[di].probs)
        for ti, track in enumerate(self.tracks):
            if ti not in seen_t:
                track.misses += 1
        self.tracks = [t for t in self.tracks if t.misses <= self.hold]
        for di, d in enumerate(detections):
            if di not in seen_d:
                self.tracks.append(Track(d, deque([d.probs], maxlen=self.frames),
                                         born=self.frame, seen=self.frame))
        seen = [t for t in self.tracks if t.misses == 0]
        shown = [t.smoothed() for t in self.tracks if t.misses == 0 or self._held(t, seen)]
        shown = [d for d in shown if d.confidence >= self.min_confidence]
        return arrange(shown)


    @staticmethod
    def _held(track: Track, seen: list[Track]) -> bool:
        """Whether a track missed in this frame is still shown: nothing seen now stands
        where it was, and a digit seen beside it then is seen beside it now."""
        return (all(iou(track.last.box, t.last.box) < MATCH_IOU for t in seen)
                and any(t.born <= track.seen and beside(track.last.box, t.last.box)
                        for t in seen))


def beside(a: tuple, b: tuple, reach: float = 1.5) -> bool:
    """Whether box b is a neighbour of box a in a line of writing: level with it (rows
    overlapping by half the shorter height) and at most `reach` heights of a apart."""
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    rows = min(ay + ah, by + bh) - max(ay, by)
    gap = max(bx - (ax + aw), ax - (bx + bw), 0)
    return rows >= 0.5 * min(ah, bh) and gap <= reach * ah
