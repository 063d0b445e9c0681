"""`digitcam batch`: images per second and peak memory, local engine (1 and 2 workers) and
Ray (2 actors), on cheque-sized scans and 640x480 photos; a projection for a million images.

    python benchmarks/bench_batch.py [--real-dev ../shared/data/real-dev] [--photos 450]
                                     [--repeat 2] [--trials 3] [--no-ray]

cheques  the ORAND-CAR-A amount fields of real-dev (grey scans about 40x110), each listed
         --repeat times (symbolic links, so every path is distinct)
photos   640x480 JPEG frames of 1-6 MNIST digits from the project's scene renderer
         (needs MNIST in $DIGITCAM_DATA), else real-dev photos resized to 640x480
12 MP    a few 4000x3000 phone photos of real-dev, read one by one on one core

Each run is a fresh process calling digitcam.batch.run_batch on the whole set and on its
first third, each --trials times in turn, the fastest kept. The whole run's rate includes
starting the workers and loading the model; the marginal rate (the images between the two
sizes over the difference in time) leaves that fixed cost out, as for a long batch. Ray's
own start is timed apart (a cluster is already up).
CPU per image (driver and workers, between the two sizes) and the cores a run obtained (its
CPU seconds over its wall time) tell a busy machine from a slow batch: Linux groups a
session's processes (autogroup), so while other sessions keep the cores busy, 2 workers
get about the CPU 1 worker gets, and only CPU per image shows the cost of the parallelism.
Peak memory: the driver's and the largest worker's RSS (Ray's actors are not its children).
Prints the tables recorded in BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUN = """
import json, logging, resource, sys, time
engine, workers, folder, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
from digitcam.batch import run_batch
started = 0.0
if engine == "ray":
    import ray
    t = time.perf_counter()
    ray.init(num_cpus=workers, include_dashboard=False, logging_level=logging.ERROR,
             log_to_driver=False)
    started = time.perf_counter() - t
s = run_batch([folder], out, engine=engine, workers=workers, progress=False, overwrite=True)
mb = lambda who: resource.getrusage(who).ru_maxrss / 1024
cpu = lambda who: resource.getrusage(who).ru_utime + resource.getrusage(who).ru_stime
print(json.dumps({"rows": s.rows, "seconds": s.seconds, "rate": s.rate, "ray_start": started,
                  "cpu": cpu(resource.RUSAGE_SELF) + cpu(resource.RUSAGE_CHILDREN),
                  "driver_mb": mb(resource.RUSAGE_SELF),
                  "worker_mb": mb(resource.RUSAGE_CHILDREN) if engine == "local" else None}))
"""


def run(engine: str, workers: int, folder: Path, tmp: Path) -> dict:
    out = tmp / f"{folder.parent.name}-{folder.name}-{engine}-{workers}.jsonl"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, "-c", RUN, engine, str(workers), str(folder),
                           str(out)], capture_output=True, text=True, env=env, timeout=1800)
    if done.returncode:
        raise SystemExit(f"{engine} x{workers} failed: {done.stderr.strip()[-500:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def cheques(real_dev: Path, tmp: Path, repeat: int) -> Path:
    """The cheque scans `repeat` times, in part0 (the first third) and part1 (the rest)."""
    folder = tmp / "cheques"
    images = sorted((real_dev / "orand_car_a").glob("*.jpg")) * repeat
    for i, image in enumerate(images):
        part = folder / ("part0" if i < len(images) // 3 else "part1")
        part.mkdir(parents=True, exist_ok=True)
        (part / f"{i:06d}.jpg").symlink_to(image)
    return folder


def photos(real_dev: Path, tmp: Path, count: int) -> tuple[Path, str]:
    import cv2
    import numpy as np

    folder = tmp / "photos"
    (folder / "part0").mkdir(parents=True)
    (folder / "part1").mkdir()
    rng = np.random.default_rng(0)
    try:
        from digitcam import load_mnist_data
        from digitcam.synth.scenes import number_scene
        _, (x, y) = load_mnist_data(download=False)
        frames = (number_scene(x, y, int(rng.integers(1, 7)), rng).frame for _ in range(count))
        kind = "rendered scenes (digitcam's scene renderer, MNIST test digits)"
    except Exception as e:  # noqa: BLE001 - no MNIST here: real photos instead
        from digitcam.batch.reading import read_image

        print(f"(no scene renderer or MNIST: {e}; real-dev photos resized instead)")
        sources = sorted(p for p in real_dev.glob("*/*.jp*g") if "orand" not in str(p))
        frames = (cv2.resize(read_image(sources[i % len(sources)]), (640, 480))
                  for i in range(count))
        kind = "real-dev phone photos resized"
    for i, frame in enumerate(frames):
        part = folder / ("part0" if i < count // 3 else "part1")
        cv2.imwrite(str(part / f"frame{i:05d}.jpg"), frame, [cv2.IMWRITE_JPEG_QUALITY, 90])
    return folder, kind


def twelve_mp_rate(real_dev: Path, count: int = 4) -> float:
    """Images per CPU second for 4000x3000 photos (read, decode, recognise), one thread."""
    import cv2

    from digitcam.batch.reading import load_recognizer, read_row

    cv2.setNumThreads(1)
    big = [p for p in sorted(real_dev.glob("ujwalkasturi/f*.jp*g")) if p.stat().st_size > 1e6]
    recognizer = load_recognizer({})
    read_row(recognizer, str(big[0]))  # warm up
    start = time.process_time()  # CPU time: what the reading costs, whatever the load
    for path in big[:count]:
        read_row(recognizer, str(path))
    return min(count, len(big)) / (time.process_time() - start)


def measure(folder: Path, tmp: Path, with_ray: bool, trials: int) -> dict[str, dict]:
    """Each engine on the whole `folder` and on its first third (part0), `trials` times in
    turn; the best of each is kept (the least disturbed by other work on the machine)."""
    configs = [("local", 1), ("local", 2)] + ([("ray", 2)] if with_ray else [])
    best: dict[tuple, dict] = {}
    for _ in range(trials):
        for engine, n in configs:
            for part in (folder / "part0", folder):
                r = run(engine, n, part, tmp)
                if (engine, n, part) not in best or r["seconds"] < best[engine, n, part]["seconds"]:
                    best[engine, n, part] = r
    results = {}
    for engine, n in configs:
        third, whole = best[engine, n, folder / "part0"], best[engine, n, folder]
        extra, more = whole["seconds"] - third["seconds"], whole["rows"] - third["rows"]
        whole["marginal"] = more / extra if extra > 0 else None
        whole["ms_cpu"] = 1000 * (whole["cpu"] - third["cpu"]) / more  # driver + workers
        results[f"{engine} x{n}"] = whole
    return results


def table(name: str, results: dict[str, dict]) -> None:
    print(f"\n{name}\n\n| engine | images | time | images/s | marginal images/s | "
          "CPU per image | cores obtained | peak RSS driver / worker |\n"
          "| --- | --- | --- | --- | --- | --- | --- | --- |")
    for config, r in results.items():
        worker = f"{r['worker_mb']:.0f} MB" if r["worker_mb"] else "(Ray actors)"
        start = f" (+{r['ray_start']:.1f} s Ray start)" if r["ray_start"] else ""
        print(f"| {config} | {r['rows']} | {r['seconds']:.1f} s{start} | {r['rate']:.1f} | "
              f"{_rate(r['marginal'])} | {_cpu(r, engine=config)} | "
              f"{r['driver_mb']:.0f} MB / {worker} |")
    for key, what in (("rate", "whole run"), ("marginal", "marginal")):
        one, two = results["local x1"][key], results["local x2"][key]
        ray = results.get("ray x2", {}).get(key)
        if not (one and two):
            continue
        against = f"; Ray x2 against local x2: {ray / two - 1:+.0%} (goal: within 25%)" \
            if ray else ""
        print(f"\n{what}: 2 workers / 1: {two / one:.2f}x (goal >= 1.8x){against}", end="")
    cpu_one, cpu_two = results["local x1"]["ms_cpu"], results["local x2"]["ms_cpu"]
    print(f"\nCPU per image, 1 worker / 2 workers: {cpu_one / cpu_two:.2f} (1.0: no parallel "
          "overhead; 2 workers then reach 2x wherever they obtain 2 cores)")


def _cpu(r: dict, engine: str) -> str:
    """Marginal CPU per image and the cores the run obtained (not for Ray: its actors are
    not the driver's children)."""
    if engine.startswith("ray"):
        return "(Ray actors) | n/a"
    return f"{r['ms_cpu']:.2f} ms | {r['cpu'] / r['seconds']:.2f}"


def _rate(rate: float | None) -> str:
    return "n/a (noise)" if rate is None else f"{rate:.1f}"


def projection(cheque_core: float, photo_core: float) -> None:
    """Time for 1 million images from the measured rate of one core (a projection)."""
    print("\nProjection (not measured): time for 1,000,000 images from the images per CPU "
          "second of one worker (driver included), assuming it scales linearly with cores "
          "and machines (the workers share nothing but the storage, which must keep up)")
    print("\n| images | per core | 2 cores | 16 cores | 64 cores | 10 x 16 cores | "
          "100 x 16 cores |\n| --- | --- | --- | --- | --- | --- | --- |")
    for name, rate in (("cheque scans", cheque_core), ("12 MP photos", photo_core)):
        seconds = [1e6 / (rate * n) for n in (2, 16, 64, 160, 1600)]
        print(f"| {name} | {rate:.1f}/s | " + " | ".join(map(duration, seconds)) + " |")


def duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:,.1f} h"
    return f"{seconds / 60:.0f} min" if seconds >= 60 else f"{seconds:.0f} s"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--real-dev", type=Path, default=ROOT.parent / "shared/data/real-dev")
    p.add_argument("--photos", type=int, default=450)
    p.add_argument("--repeat", type=int, default=2)
    p.add_argument("--trials", type=int, default=3, help="runs of each, the best kept")
    p.add_argument("--no-ray", action="store_true")
    args = p.parse_args()
    if not (args.real_dev / "orand_car_a").is_dir():
        raise SystemExit(f"real-dev images not found in {args.real_dev}")
    from digitcam.io.machine import machine_description

    print(f"{machine_description()}; load average {os.getloadavg()[0]:.1f} at the start")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        cheque = measure(cheques(args.real_dev, tmp, args.repeat), tmp, not args.no_ray,
                         args.trials)
        table("Cheque amount scans (ORAND-CAR-A, about 40x110 grey)", cheque)
        folder, kind = photos(args.real_dev, tmp, args.photos)
        photo = measure(folder, tmp, not args.no_ray, args.trials)
        table(f"640x480 photos: {kind}", photo)
    big = twelve_mp_rate(args.real_dev)
    print(f"\n12 MP photos (4000x3000 JPEG), one core: {big:.2f} images per CPU second")
    projection(1000 / cheque["local x1"]["ms_cpu"], big)
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
