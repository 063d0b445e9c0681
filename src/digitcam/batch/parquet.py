"""Write a batch's Parquet results from its spool of JSON lines (see writers.py)."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterable, Iterator

import pyarrow as pa
import pyarrow.parquet as pq

ROWS_PER_GROUP = 10_000
SCHEMA = pa.schema([
    ("path", pa.string()),
    ("text", pa.string()),
    ("digits", pa.list_(pa.struct([("digit", pa.int64()), ("confidence", pa.float64()),
                                   ("box", pa.list_(pa.int64()))]))),
    ("error", pa.string()),
])


def write_parquet(out: str, spool: str) -> None:
    """`out` := its previous rows + the spool's (those not already in it), atomically; then
    the spool is removed. Memory: one row group at a time, plus the set of previous paths."""
    from .writers import parquet_paths, read_jsonl

    previous = set(parquet_paths(out))
    tmp = out + ".tmp"
    with pq.ParquetWriter(tmp, SCHEMA) as writer:
        if os.path.exists(out):
            for batch in pq.ParquetFile(out).iter_batches(batch_size=ROWS_PER_GROUP):
                writer.write_table(pa.Table.from_batches([batch], SCHEMA))
        new_rows = (r for r in read_jsonl(spool) if r["path"] not in previous)
        for group in _groups(new_rows, ROWS_PER_GROUP):
            writer.write_table(pa.Table.from_pylist(group, SCHEMA))
    os.replace(tmp, out)
    os.remove(spool)


def _groups(rows: Iterable[dict], size: int) -> Iterator[list[dict]]:
    rows = iter(rows)
    while group := list(itertools.islice(rows, size)):
        yield group
