"""The Ray engine: Ray Data reads the paths and `map_batches` runs `ReadDigits`, an actor
class holding one recogniser per actor (one actor per worker CPU); rows stream back to the
driver, which writes them with the same writers as the local engine.

Paths are handed to Ray in windows of WINDOW (one `ray.data.from_items` dataset each), so
the driver never holds the whole list; each window starts its actors afresh (a model loads
in well under a second, against minutes of reading per window).
"""

from __future__ import annotations

import json
import logging
import warnings
from collections.abc import Iterable, Iterator

from .inputs import BatchError
from .local import _chunks

WINDOW = 20_000   # paths per Ray dataset
BATCH = 64        # paths per map_batches call (16 was slower: more Ray tasks)


class ReadDigits:
    """One recogniser per Ray actor; a batch of paths -> a batch of rows as JSON strings
    (JSON keeps the nested digits exact through Ray's columnar blocks)."""

    settings: dict = {}

    def __init__(self):
        import cv2

        from .reading import load_recognizer

        cv2.setNumThreads(1)
        self.recognizer = load_recognizer(self.settings)

    def __call__(self, batch: dict) -> dict:
        from .reading import read_row

        rows = [json.dumps(read_row(self.recognizer, str(p))) for p in batch["path"]]
        return {"row": rows}


def run_ray(paths: Iterable[str], settings: dict, workers: int | None,
            address: str | None = None) -> Iterator[dict]:
    """Rows for `paths` (in no set order), read by `workers` Ray actors. Ray is imported
    and joined (or started) now, so that a missing extra or cluster is an error at once."""
    ray = _import_ray()
    started_here = not ray.is_initialized()
    if started_here:
        _connect(ray, address, workers)
    if workers is None:
        workers = max(1, int(ray.cluster_resources().get("CPU", 1)))
    return _rows(ray, paths, settings, workers, started_here)


def _rows(ray, paths: Iterable[str], settings: dict, workers: int,
          started_here: bool) -> Iterator[dict]:
    try:
        for paths_window in _chunks(paths, WINDOW):
            yield from _read_window(ray, paths_window, settings, workers)
    finally:
        if started_here:
            ray.shutdown()


def _read_window(ray, paths: list[str], settings: dict, workers: int) -> Iterator[dict]:
    blocks = -(-len(paths) // BATCH)  # one batch a block: actors take them as they free up
    dataset = ray.data.from_items([{"path": p} for p in paths], override_num_blocks=blocks)
    # The settings ride in a subclass, not as constructor arguments, and actors are not
    # restarted (a failed batch is rerun with --resume): else Ray warns on stderr about
    # constructor arguments kept in its object store for restarts.
    actor = type("ReadDigitsWith", (ReadDigits,), {"settings": settings})
    pool = ray.data.ActorPoolStrategy(size=min(workers, blocks))
    with warnings.catch_warnings():  # max_restarts has no named parameter yet (Ray 2.60)
        warnings.filterwarnings("ignore", message=".*ray_remote_args")
        rows = dataset.map_batches(actor, batch_size=BATCH, batch_format="numpy",
                                   compute=pool, num_cpus=1, max_restarts=0)
    for batch in rows.iter_batches(batch_size=None, batch_format="numpy"):
        for row in batch["row"]:
            yield json.loads(row)


def _import_ray():
    try:
        import ray
        import ray.data
    except ImportError as e:
        raise BatchError(f"the ray engine needs the ray extra: pip install "
                           f"'digitcam[ray]' ({e})") from None
    return ray


def _connect(ray, address: str | None, workers: int | None) -> None:
    """Join the cluster at `address`, else start a local Ray of `workers` CPUs."""
    quiet = {"logging_level": logging.ERROR, "log_to_driver": False}
    try:
        if address:
            ray.init(address=address, **quiet)
        else:
            ray.init(num_cpus=workers, include_dashboard=False, **quiet)
    except Exception as e:  # noqa: BLE001 - Ray raises many kinds; the user needs one line
        where = f"the Ray cluster at {address}" if address else "a local Ray instance"
        raise BatchError(f"cannot start or join {where}: {' '.join(str(e).split())}") from None
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    context.print_on_execution_start = False
    for name in ("ray", "ray.data"):
        logging.getLogger(name).setLevel(logging.ERROR)
