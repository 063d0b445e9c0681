"""Results files of `digitcam batch`, chosen by suffix: .jsonl, .csv or .parquet.

Every writer appends one row at a time and flushes it to the operating system, so a batch
stopped in any way (Ctrl-C, SIGTERM, even SIGKILL or a crash) leaves a valid file of the
rows done, and `--resume` finds them:

- JSON lines: one `predict --json` object per line (path, text, digits; or path, error).
  A line cut short by a kill is dropped when the file is resumed.
- CSV: columns path, the reading's fields (text, lines, digits: lists as JSON), error.
- Parquet: a Parquet file cannot be appended to or left half-written, so rows go to a
  spool of JSON lines beside it (RESULTS.partial.jsonl) as they come, and the Parquet file
  is written from the spool (plus the rows of the previous Parquet file on --resume) when
  the batch ends or is stopped by Ctrl-C/SIGTERM, into a temporary file renamed into
  place. After a SIGKILL the spool remains and `--resume` takes it up.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterator
from pathlib import Path

from .inputs import BatchError

SUFFIXES = (".jsonl", ".csv", ".parquet")


def results_format(out: str) -> str:
    suffix = Path(out).suffix.lower()
    if suffix not in SUFFIXES:
        raise BatchError(f"--out must end in {', '.join(SUFFIXES)} (got {out!r})")
    return suffix


def spool_path(out: str) -> str:
    return out + ".partial.jsonl"


def leftovers(out: str) -> list[str]:
    """The files of a previous batch into `out` (the results, a Parquet spool)."""
    return [p for p in (out, spool_path(out)) if os.path.exists(p)]


def open_results(out: str, append: bool):
    """A writer for `out` (its format from the suffix); `append` keeps the rows there."""
    kind = results_format(out)
    if kind == ".parquet":
        return ParquetWriter(out, append)
    return (CsvWriter if kind == ".csv" else JsonlWriter)(out, append)


def done_paths(out: str) -> set[str]:
    """The paths that already have a row in `out` (and its spool), for --resume."""
    kind = results_format(out)
    done: set[str] = set()
    if kind == ".parquet":
        done.update(parquet_paths(out))
        done.update(row["path"] for row in read_jsonl(spool_path(out)))
    elif kind == ".csv":
        done.update(row["path"] for row in read_csv(out))
    else:
        done.update(row["path"] for row in read_jsonl(out))
    return done


def drop_partial_line(path: str) -> None:
    """Cut a last line left without its newline by a kill (it is not a whole row)."""
    if not os.path.exists(path):
        return
    with open(path, "rb+") as f:
        size = f.seek(0, io.SEEK_END)
        end = size
        while end > 0:
            start = max(0, end - 65536)
            f.seek(start)
            chunk = f.read(end - start)
            if end == size and chunk.endswith(b"\n"):
                return
            cut = chunk.rfind(b"\n")
            if cut >= 0:
                f.truncate(start + cut + 1)
                return
            end = start
        f.truncate(0)


def read_jsonl(path: str) -> Iterator[dict]:
    if not os.path.exists(path):
        return
    drop_partial_line(path)
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                raise BatchError(f"{path}: line {number} is not a result row; "
                                 "is this a results file of digitcam batch?") from None
            if not isinstance(row, dict) or "path" not in row:
                raise BatchError(f"{path}: line {number} has no 'path'")
            yield row


def csv_columns() -> list[str]:
    from .reading import reading_fields

    return ["path", *reading_fields(), "error"]


def read_csv(path: str) -> Iterator[dict]:
    if not os.path.exists(path):
        return
    drop_partial_line(path)
    with open(path, newline="", encoding="utf-8") as f:
        rows = csv.DictReader(f)
        if rows.fieldnames and list(rows.fieldnames) != csv_columns():
            raise BatchError(f"{path}: not a results file of this digitcam batch "
                             f"(columns {rows.fieldnames}, expected {csv_columns()})")
        yield from rows


def parquet_paths(path: str) -> Iterator[str]:
    if not os.path.exists(path):
        return
    import pyarrow.parquet as pq

    for batch in pq.ParquetFile(path).iter_batches(columns=["path"], batch_size=65536):
        yield from batch.column(0).to_pylist()


class JsonlWriter:
    """Append rows as JSON lines, each flushed."""

    def __init__(self, out: str, append: bool):
        self.path = out
        if append:
            drop_partial_line(out)
        self.file = open(out, "a" if append else "w", encoding="utf-8")  # noqa: SIM115

    def write(self, row: dict) -> None:
        self.file.write(json.dumps(row, ensure_ascii=False) + "\n")
        self.file.flush()

    def close(self) -> None:
        self.file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class CsvWriter(JsonlWriter):
    """Append rows to a CSV file of CSV_COLUMNS, each flushed."""

    def __init__(self, out: str, append: bool):
        fresh = not append or not os.path.exists(out) or os.path.getsize(out) == 0
        if not fresh:
            next(read_csv(out), None)  # checks the header, cuts a partial last line
        self.path, self.columns = out, csv_columns()
        self.file = open(out, "a" if append else "w", newline="", encoding="utf-8")  # noqa: SIM115
        self.csv = csv.writer(self.file, lineterminator="\n")
        if fresh:
            self.csv.writerow(self.columns)

    def write(self, row: dict) -> None:
        cells = (row.get(c, "") for c in self.columns)
        self.csv.writerow([c if isinstance(c, str) else json.dumps(c) for c in cells])
        self.file.flush()


class ParquetWriter(JsonlWriter):
    """Rows spooled as JSON lines, written to Parquet on close (see the module's notes)."""

    def __init__(self, out: str, append: bool):
        import pyarrow  # noqa: F401 - fail now, not at the end, when pyarrow is missing

        if not append:
            for stale in leftovers(out):
                os.remove(stale)
        super().__init__(spool_path(out), append)
        self.out = out

    def close(self) -> None:
        super().close()
        from .parquet import write_parquet

        write_parquet(self.out, self.path)
