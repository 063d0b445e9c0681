"""Write a batch's Parquet results from its spool of JSON lines (see writers.py).

The columns are the rows' own (path, the reading's fields, error), their types inferred by
pyarrow from every row and unified with the previous file's: nested lists and structs
(digits with their boxes) stay typed, and a change of the reading's schema needs no change
here."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterable, Iterator

import pyarrow as pa
import pyarrow.parquet as pq

ROWS_PER_GROUP = 10_000


def write_parquet(out: str, spool: str) -> None:
    """`out` := its previous rows + the spool's (those not already in it), atomically; then
    the spool is removed. Memory: one row group at a time, plus the set of previous paths."""
    from .writers import parquet_paths, read_jsonl

    previous = set(parquet_paths(out))

    def new_groups() -> Iterator[list[dict]]:
        rows = (r for r in read_jsonl(spool) if r["path"] not in previous)
        return _groups(rows, ROWS_PER_GROUP)

    old = pq.ParquetFile(out) if os.path.exists(out) else None
    schema = _schema(new_groups(), old.schema_arrow if old else None)
    tmp = out + ".tmp"
    with pq.ParquetWriter(tmp, schema) as writer:
        for batch in old.iter_batches(batch_size=ROWS_PER_GROUP) if old else ():
            writer.write_table(pa.Table.from_batches([batch]).cast(schema))
        for group in new_groups():
            writer.write_table(pa.Table.from_pylist(group, schema))
    os.replace(tmp, out)
    os.remove(spool)


def _schema(groups: Iterable[list[dict]], previous: pa.Schema | None) -> pa.Schema:
    """Every row's fields, typed, path first and error last."""
    schemas = [previous] if previous else []
    schemas += [pa.schema(list(pa.array(group).type)) for group in groups]
    if not schemas:
        return pa.schema([("path", pa.string()), ("error", pa.string())])
    schema = pa.unify_schemas(schemas, promote_options="permissive")
    names = ["path"] + [n for n in schema.names if n not in ("path", "error")] + ["error"]
    return pa.schema([schema.field(n) if n in schema.names else pa.field(n, pa.string())
                      for n in names])


def _groups(rows: Iterable[dict], size: int) -> Iterator[list[dict]]:
    rows = iter(rows)
    while group := list(itertools.islice(rows, size)):
        yield group
