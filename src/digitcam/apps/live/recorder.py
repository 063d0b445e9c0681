"""What a live run writes: the annotated video (--record), the JSON lines log (--log),
snapshots (s key) and collected crops (digit keys, --collect)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import cv2
import numpy as np

from ...io.files import same_file
from ...io.images import quiet_opencv, write_image
from ...regions import Detection

CROP_MARGIN = 0.25          # collected crops keep this much paper around the digit
CODECS = {".mp4": "mp4v", ".avi": "MJPG"}  # --record's container -> OpenCV fourcc
PROBE_SIZE = (64, 48)       # --record opens a writer this size at the start, to fail early


class Recorder:
    """Writes annotated frames to OUT.mp4 (mp4v) or OUT.avi (MJPG), sized by the first
    frame. Frames go to a hidden .OUT.partial.mp4 beside OUT, renamed to OUT by close(), so
    an interrupted run leaves either no OUT or a whole one. Raises OSError (one line) at
    once when OUT cannot be written."""

    def __init__(self, path: str | os.PathLike, fps: float):
        self.path, self.fps = Path(path), fps
        codec = CODECS.get(self.path.suffix.lower())
        if codec is None:
            raise OSError(f"{self.path}: --record writes .mp4 or .avi videos "
                          f"(try {self.path.with_suffix('.mp4').name})")
        if not self.path.parent.is_dir():
            raise OSError(f"{self.path}: cannot write the video (no folder {self.path.parent})")
        if self.path.is_dir():
            raise OSError(f"{self.path}: cannot write the video (is a folder)")
        self.codec = codec
        self.partial = self.path.with_name(f".{self.path.stem}.partial{self.path.suffix}")
        self._size = PROBE_SIZE
        self._open().release()  # fail now, not at the first frame
        self.partial.unlink(missing_ok=True)
        self._writer: cv2.VideoWriter | None = None

    def _open(self) -> cv2.VideoWriter:
        with quiet_opencv():
            writer = cv2.VideoWriter(str(self.partial), cv2.VideoWriter_fourcc(*self.codec),
                                     self.fps, self._size)
        if not writer.isOpened():
            writer.release()
            self.partial.unlink(missing_ok=True)
            raise OSError(f"{self.path}: cannot write the video (OpenCV has no {self.codec} "
                          "encoder, or the folder is not writable)")
        return writer

    def write(self, image: np.ndarray) -> None:
        if self._writer is None:
            self._size = (image.shape[1], image.shape[0])
            self._writer = self._open()
        if (image.shape[1], image.shape[0]) != self._size:  # a folder's photos vary in size
            image = cv2.resize(image, self._size, interpolation=cv2.INTER_AREA)
        self._writer.write(image)

    def close(self) -> None:
        """Finish the video and move it into place (nothing is written without a frame)."""
        if self._writer is None:
            self.partial.unlink(missing_ok=True)
            return
        self._writer.release()
        self._writer = None
        os.replace(self.partial, self.path)


def refuse_overwrites(inputs: list[Path], outputs: dict[str, str | os.PathLike | None]) -> None:
    """OSError (one line) when an output (option -> path) is the same file as an input the
    source reads or as another output: the run would destroy what it reads or writes."""
    named = [(option, Path(path)) for option, path in outputs.items() if path]
    for i, (option, path) in enumerate(named):
        for other_option, other in named[:i]:
            if same_file(path, other):
                raise OSError(f"{path}: {other_option} and {option} name the same file; "
                              "give each its own")
        for source in inputs:
            if same_file(path, source):
                raise OSError(f"{path}: {option} would overwrite the source being read; "
                              "write it elsewhere")


def open_log(path: str | os.PathLike):
    """--log's file, line-buffered; OSError with one line when it cannot be written."""
    try:
        return open(path, "w", buffering=1)  # noqa: SIM115 (Runner.close closes it)
    except OSError as e:
        raise OSError(f"{path}: cannot write the log ({e.strerror or e})") from None


def save_crops(image: np.ndarray, detections: list[Detection], folder: Path,
               label: str) -> list[Path]:
    """Each detection's region of the frame, with some paper around it, as DIR/label/*.png:
    what the pipeline reads again when fine-tuning. OSError (one line) when one fails."""
    out_dir = folder / label
    stamp = f"{time.strftime('%Y%m%d-%H%M%S')}-{int(time.time() * 1000) % 1000:03d}"
    h, w = image.shape[:2]
    paths = []
    for k, d in enumerate(detections):
        x, y, bw, bh = d.box
        m = int(CROP_MARGIN * max(bw, bh))
        crop = image[max(y - m, 0) : min(y + bh + m, h), max(x - m, 0) : min(x + bw + m, w)]
        path = out_dir / f"{stamp}-{k}.png"
        write_image(path, crop, "the crop")
        paths.append(path)
    return paths


def save_snapshot(folder: Path, image: np.ndarray, annotated: np.ndarray,
                  mosaic: np.ndarray) -> Path:
    """The frame, the annotated frame and the model inputs as PNGs; OSError when one fails."""
    stem = folder / time.strftime("snapshot-%Y%m%d-%H%M%S")
    for part, picture in (("frame", image), ("annotated", annotated), ("processed", mosaic)):
        write_image(Path(f"{stem}-{part}.png"), picture, "the snapshot")
    return stem
