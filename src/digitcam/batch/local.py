"""The local engine: a pool of worker processes, one recogniser each, loaded once.

Paths are sent in chunks, and at most `in_flight` chunks are out at a time, so the paths
waiting and the rows not yet written are bounded whatever the number of inputs. Rows come
back in input order and are yielded as each chunk completes.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from .inputs import BatchError

CHUNK = 16  # paths per task: enough to make the inter-process cost small next to reading
_recognizer = None  # the worker's own, set by _start_worker


def run_local(paths: Iterable[str], settings: dict, workers: int, chunk: int = CHUNK,
              in_flight: int | None = None) -> Iterator[dict]:
    """Rows for `paths`, in order, read by `workers` processes."""
    chunks = _chunks(paths, chunk)
    in_flight = in_flight or 4 * workers
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_start_worker, initargs=(settings, os.getpid()))
    pending: deque[Future] = deque(pool.submit(_read_chunk, c)
                                   for c in itertools.islice(chunks, in_flight))
    try:
        while pending:
            try:
                rows = pending.popleft().result()
            except BrokenProcessPool:
                raise BatchError("a worker process died (out of memory, or killed); rerun "
                                   "with --resume to continue from the rows written") from None
            following = next(chunks, None)
            if following:
                pending.append(pool.submit(_read_chunk, following))
            yield from rows
    finally:
        for future in pending:
            future.cancel()
        pool.shutdown(wait=not pending, cancel_futures=True)


def _chunks(paths: Iterable[str], size: int) -> Iterator[list[str]]:
    paths = iter(paths)
    while chunk := list(itertools.islice(paths, size)):
        yield chunk


def _start_worker(settings: dict, parent: int) -> None:
    """In each worker: ignore Ctrl-C (the parent stops the pool), one thread for OpenCV and
    ONNX Runtime (the processes are the parallelism), load the recogniser once."""
    global _recognizer
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    import cv2

    from .reading import load_recognizer

    cv2.setNumThreads(1)
    _recognizer = load_recognizer(settings)
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()


def _exit_with_parent(parent: int) -> None:
    """A parent killed outright (SIGKILL) cannot stop its pool: the workers stop themselves."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(0)


def _read_chunk(paths: list[str]) -> list[dict]:
    from .reading import read_row

    return [read_row(_recognizer, path) for path in paths]
