"""Load test of `digitcam serve` on 127.0.0.1: WebSocket streams plus HTTP posters.

    python benchmarks/bench_serve.py [--streams 20] [--fps 10] [--posters 50]
                                     [--post-every 1.0] [--seconds 60] [--model NAME]

Starts the real server in a subprocess on a free loopback port, then runs, for a bounded
time, STREAMS WebSocket clients that behave like the page's webcam mode (a 640x480 JPEG
every 1/FPS s, the next one only once the last is answered) and POSTERS clients that upload
a photo to /api/read every POST_EVERY s. Frames are camera-like pages made from MNIST test
digits (digitcam.synth.scenes). Prints throughput, p50/p99 latency, errors, and the server's
memory (RSS) over the run; exits 1 when any request failed. Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import httpx
import numpy as np
from websockets.asyncio.client import connect

from digitcam.apps.web.spawn import spawn_server
from digitcam.data.mnist import load_mnist_data
from digitcam.io.machine import machine_description
from digitcam.synth.scenes import number_scene

FRAMES = 24              # distinct pages, cycled by every client
JPEG_QUALITY = 80        # as the page sends
TIMEOUT_S = 10.0         # a reply slower than this is an error
RSS_EVERY_S = 0.5
WARMUP_S = 3.0


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)  # seconds, measured part only
    errors: dict[str, int] = field(default_factory=dict)
    skipped: int = 0      # stream ticks missed because the previous frame was still out

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1


def encoded_frames(data_dir: str | None, n: int, seed: int = 0) -> list[bytes]:
    _, (x, y) = load_mnist_data(data_dir, download=False)
    rng = np.random.default_rng(seed)
    return [cv2.imencode(".jpg", number_scene(x, y, int(rng.integers(1, 6)), rng).frame,
                         [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])[1].tobytes()
            for _ in range(n)]


async def stream(url: str, frames: list[bytes], fps: float, start: float, measure_from: float,
                 end: float, stats: Stats, phase: float) -> None:
    """One webcam client: a frame per tick, never more than one waiting for its reply."""
    interval = 1.0 / fps
    try:
        async with connect(url, max_size=2**22) as ws:
            await asyncio.wait_for(ws.recv(), TIMEOUT_S)  # hello
            tick, i = start + phase * interval, 0
            while tick < end:
                await asyncio.sleep(max(0.0, tick - time.perf_counter()))
                sent = time.perf_counter()
                await ws.send(frames[i % len(frames)])
                reply = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT_S))
                done = time.perf_counter()
                if reply["type"] != "reading":
                    stats.error(f"ws {reply['type']}")
                elif sent >= measure_from:
                    stats.latencies.append(done - sent)
                i += 1
                tick += interval
                while tick < done:  # a tick that passed while waiting is skipped
                    tick += interval
                    stats.skipped += sent >= measure_from
    except (OSError, TimeoutError, ValueError) as e:
        stats.error(f"ws {type(e).__name__}")


async def poster(client: httpx.AsyncClient, url: str, frames: list[bytes], every: float,
                 start: float, measure_from: float, end: float, stats: Stats,
                 phase: float) -> None:
    """One uploader: a photo to /api/read every `every` seconds."""
    tick, i = start + phase * every, 0
    while tick < end:
        await asyncio.sleep(max(0.0, tick - time.perf_counter()))
        sent = time.perf_counter()
        try:
            answer = await client.post(url, files={"file": (f"{i}.jpg", frames[i % len(frames)],
                                                            "image/jpeg")})
            if answer.status_code != 200:
                stats.error(f"http {answer.status_code}")
            elif sent >= measure_from:
                stats.latencies.append(time.perf_counter() - sent)
        except httpx.HTTPError as e:
            stats.error(f"http {type(e).__name__}")
        i += 1
        tick = max(tick + every, time.perf_counter())


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process `pid` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def sample_rss(pid: int, end: float, samples: list[tuple[float, float]]) -> None:
    while time.perf_counter() < end:
        samples.append((time.perf_counter(), rss_mib(pid)))
        await asyncio.sleep(RSS_EVERY_S)


async def run_load(server, args, frames: list[bytes]) -> tuple[Stats, Stats, list, dict]:
    """Run the clients; (stream stats, poster stats, RSS samples, CPU seconds used)."""
    streams, posters, rss = Stats(), Stats(), []
    start = time.perf_counter() + 0.5
    measure_from = start + WARMUP_S
    end = measure_from + args.seconds
    rng = np.random.default_rng(1)
    limits = httpx.Limits(max_connections=args.posters + 5)
    async with httpx.AsyncClient(timeout=TIMEOUT_S, limits=limits) as client:
        tasks = [stream(server.ws_url, frames, args.fps, start, measure_from, end, streams,
                        rng.random()) for _ in range(args.streams)]
        tasks += [poster(client, server.url + "api/read", frames, args.post_every, start,
                         measure_from, end, posters, rng.random()) for _ in range(args.posters)]
        tasks.append(sample_rss(server.pid, end, rss))
        await asyncio.sleep(max(0.0, measure_from - time.perf_counter()))
        cpu = {"server": cpu_seconds(server.pid), "client": cpu_seconds(os.getpid())}
        await asyncio.gather(*tasks)
    cpu = {k: cpu_seconds(server.pid if k == "server" else os.getpid()) - v
           for k, v in cpu.items()}
    return streams, posters, [(t - measure_from, m) for t, m in rss], cpu


def describe(name: str, stats: Stats, seconds: float) -> str:
    if not stats.latencies:
        return f"{name}: no replies"
    ms = np.array(stats.latencies) * 1000
    return (f"{name}: {len(ms)} replies, {len(ms) / seconds:.1f}/s; latency p50 "
            f"{np.percentile(ms, 50):.1f} ms, p99 {np.percentile(ms, 99):.1f} ms, "
            f"max {ms.max():.1f} ms")


def report(args, streams: Stats, posters: Stats, rss, cpu, load_before, model: str) -> int:
    print(f"machine: {machine_description()}; load average before {load_before[0]:.2f}, "
          f"after {os.getloadavg()[0]:.2f}")
    print(f"load: {args.streams} WebSocket streams at {args.fps:g} FPS + {args.posters} posters "
          f"every {args.post_every:g} s, {args.seconds:g} s measured after {WARMUP_S:g} s "
          f"warm-up, model {model}")
    print(describe("streams", streams, args.seconds))
    if args.streams:
        achieved = len(streams.latencies) / args.seconds / args.streams
        print(f"  per stream {achieved:.1f} FPS of {args.fps:g}; {streams.skipped} ticks "
              "skipped while a frame was out")
    print(describe("posters", posters, args.seconds))
    everything = Stats(streams.latencies + posters.latencies)
    print(describe("all", everything, args.seconds))
    replies = max(len(everything.latencies), 1)
    print(f"CPU while measured: server {cpu['server']:.1f} s ({1000 * cpu['server'] / replies:.1f} "
          f"ms per reply), these clients {cpu['client']:.1f} s, in "
          f"{args.seconds:g} s on {os.cpu_count()} cores")
    errors = {**streams.errors, **posters.errors}  # "ws ..." and "http ..." kinds
    print(f"errors: {sum(errors.values())} {errors if errors else ''}".rstrip())
    measured = [m for t, m in rss if t >= 0]
    if measured:
        tenth = max(1, len(measured) // 10)
        print(f"server RSS: {measured[0]:.0f} MiB at start, peak {max(m for _, m in rss):.0f} "
              f"MiB, {measured[-1]:.0f} MiB at end; mean of the first tenth "
              f"{np.mean(measured[:tenth]):.0f} MiB, last tenth {np.mean(measured[-tenth:]):.0f} "
              "MiB")
    return 1 if errors else 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--streams", type=int, default=20)
    p.add_argument("--fps", type=float, default=10.0)
    p.add_argument("--posters", type=int, default=50)
    p.add_argument("--post-every", type=float, default=1.0, help="seconds between uploads")
    p.add_argument("--seconds", type=float, default=60.0, help="measured time")
    p.add_argument("--model", default=None, help="default: the server's (the shipped default)")
    p.add_argument("--threads", type=int, default=2, help="the server's recognition threads")
    p.add_argument("--data-dir", default=None, help="MNIST folder (default $DIGITCAM_DATA)")
    args = p.parse_args()
    frames = encoded_frames(args.data_dir, FRAMES)
    server_args = ["--threads", str(args.threads)]
    if args.model:
        server_args += ["--model", args.model]
    load_before = os.getloadavg()
    with spawn_server(server_args) as server:
        model = server.output[0].split("(model ", 1)[1].split(";", 1)[0]
        streams, posters, rss, cpu = asyncio.run(run_load(server, args, frames))
    return report(args, streams, posters, rss, cpu, load_before, model)


if __name__ == "__main__":
    raise SystemExit(main())
