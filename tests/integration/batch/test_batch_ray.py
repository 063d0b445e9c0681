"""The Ray engine (Ray Data, one recogniser per actor) gives the local engine's rows, on a
local Ray started on 127.0.0.1 with 2 CPUs."""

from __future__ import annotations

import logging

import pytest

from digitcam.batch import run_batch

from .helpers import by_path, make_images, rows_of

ray = pytest.importorskip("ray", reason="the ray engine needs the ray extra: "
                                        "pip install 'digitcam[ray]'")


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, _node_ip_address="127.0.0.1",
             logging_level=logging.ERROR, log_to_driver=False)
    yield ray
    ray.shutdown()


def test_ray_rows_equal_local_rows(local_ray, tmp_path, monkeypatch):
    paths = make_images(tmp_path / "imgs", 300, kinds=15)
    (tmp_path / "imgs" / "broken.png").write_bytes(b"GIF89a\x01\x00")
    inputs = [str(tmp_path / "imgs"), str(tmp_path / "missing.jpg")]
    local = run_batch(inputs, tmp_path / "local.jsonl", workers=2, progress=False)
    from digitcam.batch import ray_engine

    monkeypatch.setattr(ray_engine, "WINDOW", 128)  # several Ray datasets, as a long batch
    remote = run_batch(inputs, tmp_path / "ray.parquet", engine="ray", workers=2,
                       progress=False)
    local_rows, ray_rows = rows_of(tmp_path / "local.jsonl"), rows_of(tmp_path / "ray.parquet")
    assert len(ray_rows) == len(local_rows) == len(paths) + 2
    assert by_path(ray_rows) == by_path(local_rows)
    assert (remote.read, remote.unreadable) == (local.read, local.unreadable) == (300, 2)
    assert local_ray.is_initialized()  # a Ray it did not start is left running


def test_ray_resume_skips_the_rows_done(local_ray, tmp_path):
    paths = make_images(tmp_path / "imgs", 40, kinds=5)
    out = tmp_path / "r.csv"
    run_batch(paths[:25], out, engine="ray", workers=2, progress=False)
    summary = run_batch([str(tmp_path / "imgs")], out, engine="ray", workers=2,
                        resume=True, progress=False)
    assert (summary.skipped, summary.rows) == (25, 15)
    assert sorted(r["path"] for r in rows_of(out)) == sorted(paths)
