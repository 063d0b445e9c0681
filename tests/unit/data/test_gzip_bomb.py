"""A gzip bomb in the MNIST folder (issue 13, point 13): decompression is streamed and
stops at the size the IDX header declares, memory stays capped (measured in a subprocess),
and the error says 'corrupt', not 'missing'."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import zlib

import pytest

from digitcam.data import mnist as data

BOMB_MB = 400          # decompressed zeros after the header: about 0.4 MB compressed
PEAK_RSS_CAP_MB = 300  # python + numpy + the 47 MB the header declares, with room


def write_bomb(path, mb: int) -> None:
    header = (0x803).to_bytes(4, "big") + b"".join(n.to_bytes(4, "big") for n in (60000, 28, 28))
    comp = zlib.compressobj(1, zlib.DEFLATED, 31)  # gzip container
    zeros = bytes(1 << 20)
    with open(path, "wb") as f:
        f.write(comp.compress(header))
        for _ in range(mb):
            f.write(comp.compress(zeros))
        f.write(comp.flush())


def test_gzip_bomb_is_corrupt_and_memory_stays_capped(tmp_path):
    write_bomb(tmp_path / data.TRAIN_IMAGES, BOMB_MB)
    assert (tmp_path / data.TRAIN_IMAGES).stat().st_size < 2 << 20
    code = (
        "import json\n"
        "from digitcam.data.mnist import DataError, load_mnist_data\n"
        "try:\n"
        f"    load_mnist_data({str(tmp_path)!r}, download=False)\n"
        "except DataError as e:\n"
        "    message = str(e)\n"
        # VmHWM: this process's own peak (ru_maxrss would carry pytest's over exec)
        "status = open('/proc/self/status').read().split('VmHWM:')[1]\n"
        "peak = int(status.split()[0]) / 1024\n"
        "print(json.dumps({'message': message, 'peak_mb': peak}))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=True)
    result = json.loads(out.stdout)
    assert result["peak_mb"] < PEAK_RSS_CAP_MB, result
    assert f"{data.TRAIN_IMAGES} (corrupt: more data than its IDX header declares)" \
        in result["message"]
    assert f"{data.TEST_LABELS} (missing)" in result["message"]


@pytest.mark.parametrize("content, reason", [
    (gzip.compress(b"\x00\x00\x08\x03" + (70000).to_bytes(4, "big") * 3),
     "its header declares"),                                   # a header that asks for 1 EB
    (gzip.compress(b"<html>"), "not an IDX file"),
    (b"not gzip at all", "not a valid gzip file"),
    (gzip.compress(b"\x00\x00\x08\x01" + (10).to_bytes(4, "big") + b"123"), "truncated"),
], ids=["huge-header", "not-idx", "not-gzip", "truncated"])
def test_each_corruption_is_called_corrupt(tmp_path, content, reason):
    (tmp_path / data.TEST_LABELS).write_bytes(content)
    with pytest.raises(data.DataError) as err:
        data.fetch_file(data.TEST_LABELS, tmp_path, download=False)
    assert "corrupt" in str(err.value) and reason in str(err.value)
    assert "\n" not in str(err.value)


def test_a_named_data_folder_that_does_not_exist_is_not_created(tmp_path):
    with pytest.raises(data.DataError, match="no such folder"):
        data.load_mnist_data(tmp_path / "mistyped" / "mnist")
    assert not (tmp_path / "mistyped").exists()
