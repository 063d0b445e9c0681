"""The driver of a batch: inputs -> engine -> writer, with progress, summary and signals."""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import sys
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from .inputs import BatchError, check_output, expand_inputs, same_file_filter
from .writers import done_paths, leftovers, open_results, results_format

ENGINES = ("local", "ray")


@dataclass
class Summary:
    """What a batch did; `line()` is the summary printed at the end."""

    out: str
    read: int = 0          # rows with a reading (possibly no digits)
    unreadable: int = 0    # rows with an error
    skipped: int = 0       # inputs already in RESULTS (--resume)
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return self.read + self.unreadable

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0

    def line(self) -> str:
        skipped = f", {self.skipped} already in {self.out}" if self.skipped else ""
        return (f"{self.read} read, {self.unreadable} unreadable{skipped}; "
                f"{self.seconds:.1f} s, {self.rate:.1f} images/s -> {self.out}")


class Interrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM stopped the batch; the results file holds every row done."""

    def __init__(self, how: str, summary: Summary | None = None):
        super().__init__(how)
        self.how, self.summary = how, summary


def run_batch(inputs: Sequence[str | os.PathLike], out: str | os.PathLike, *,
              workers: int | None = None, engine: str = "local",
              ray_address: str | None = None, resume: bool = False, overwrite: bool = False,
              model: str | os.PathLike | None = None, mode: str | None = None,
              threshold: int | str | None = None, min_confidence: float | None = None,
              progress: bool | None = None) -> Summary:
    """Read every image named by `inputs` into the results file `out` (see digitcam.batch);
    model, mode, threshold, min_confidence: the Recognizer's (None: its default).

    Raises BatchError (one line) when the batch cannot start, ValueError for a bad setting
    of the recogniser, Interrupted on Ctrl-C or SIGTERM (after closing `out` with the rows
    done)."""
    inputs, out = [os.fspath(i) for i in inputs], os.fspath(out)
    _check(inputs, out, engine, resume, overwrite, workers)
    settings = {"model": None if model is None else os.fspath(model), "mode": mode,
                "threshold": threshold, "min_confidence": min_confidence}
    if engine == "local" or not ray_address:  # a bad setting: one line now, not in a worker
        from .reading import load_recognizer

        load_recognizer(settings)
    done = done_paths(out) if resume else set()
    summary = Summary(out)
    paths = _fresh(same_file_filter(out, expand_inputs(inputs)), done, summary)
    first = list(itertools.islice(paths, 1))  # a bad manifest fails before RESULTS is opened
    paths = itertools.chain(first, paths)
    start = time.perf_counter()
    try:
        rows = _engine(engine, paths, settings, workers, ray_address)
        with _stop_on_sigterm(), open_results(out, append=resume) as writer, \
                _progress(progress, inputs, out, done) as bar:
            for row in rows:
                writer.write(row)
                if "error" in row:
                    summary.unreadable += 1
                else:
                    summary.read += 1
                bar.update(1)
    except KeyboardInterrupt as e:
        summary.seconds = time.perf_counter() - start
        raise Interrupted(getattr(e, "how", "Ctrl-C"), summary) from None
    summary.seconds = time.perf_counter() - start
    return summary


def _check(inputs: list[str], out: str, engine: str, resume: bool, overwrite: bool,
           workers: int | None) -> None:
    if not inputs:
        raise BatchError("no inputs: name image files, folders, globs or manifests")
    if engine not in ENGINES:
        raise BatchError(f"--engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    if workers is not None and workers < 1:
        raise BatchError(f"--workers must be at least 1, got {workers}")
    if resume and overwrite:
        raise BatchError("--resume and --overwrite exclude each other")
    results_format(out)
    check_output(out, inputs)
    if leftovers(out) and not (resume or overwrite):
        raise BatchError(f"{out} exists: --resume to read only the inputs not yet in it, "
                         "or --overwrite to start again")
    if not os.path.isdir(os.path.dirname(os.path.abspath(out))):
        raise BatchError(f"the folder of --out {out} does not exist")


def _fresh(paths: Iterable[str], done: set[str], summary: Summary) -> Iterator[str]:
    """Each path once, less those already done (counted in summary.skipped)."""
    seen: set[str] = set()
    for path in paths:
        if path in done:
            summary.skipped += 1
        elif path not in seen:
            seen.add(path)
            yield path


def _engine(engine: str, paths: Iterator[str], settings: dict, workers: int | None,
            ray_address: str | None) -> Iterator[dict]:
    if engine == "ray":
        from .ray_engine import run_ray

        return run_ray(paths, settings, workers or (None if ray_address else cores()),
                       ray_address)
    from .local import run_local

    return run_local(paths, settings, workers or cores())


def cores() -> int:
    """The CPUs this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@contextlib.contextmanager
def _stop_on_sigterm():
    """SIGTERM raises Interrupted (like Ctrl-C), so the writer closes its file properly."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        raise Interrupted("SIGTERM")

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def _progress(show: bool | None, inputs: list[str], out: str, done: set[str]):
    """A tqdm bar on stderr (images/s; an ETA once a background count of the inputs ends)."""
    from tqdm import tqdm

    show = sys.stderr.isatty() if show is None else show
    bar = tqdm(total=None, unit="img", disable=not show, file=sys.stderr, smoothing=0.05,
               dynamic_ncols=True, desc="digitcam batch")
    if show:
        threading.Thread(target=_count, args=(bar, inputs, out, done), daemon=True).start()
    try:
        yield bar
    finally:
        bar.close()


def _count(bar, inputs: list[str], out: str, done: set[str]) -> None:
    try:
        total = sum(1 for p in same_file_filter(out, expand_inputs(inputs)) if p not in done)
    except Exception:  # noqa: BLE001 - the reading itself reports a bad input
        return
    bar.total = total
    bar.refresh()
