"""Exporting a date range as JSON Lines, CSV or Parquet, streamed with constant memory, with a
manifest that lets a study cite exactly what it used."""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import sys
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import BinaryIO

import orjson

from ..schema import CSV_DEFAULT_FIELDS
from ..vietnam import fold_accents
from . import index as archive_index
from .history import withdrawn_ids
from .parquet import ParquetWriter
from .reader import Archive

FORMATS = ("jsonl", "csv", "parquet")
_SEARCHED = ("title", "sapo", "body_text")


@dataclass
class ExportRequest:
    date_from: date | None
    date_to: date | None
    sites: list[str] = field(default_factory=list)
    format: str = "jsonl"
    output: str = "-"
    fields: list[str] | None = None
    query: str | None = None
    all_versions: bool = False
    skip_damaged: bool = False  # export what damaged segments still hold instead of failing
    withdrawn: str = "include"  # articles the site withdrew: include, exclude or only (their last version)
    bom: bool = True  # CSV: a UTF-8 byte-order mark, by which Excel knows the file is UTF-8

    @property
    def asks_withdrawals(self) -> bool:
        """Whether withdrawals matter to this export: filtered by, or given as a column."""
        return self.withdrawn != "include" or "withdrawn_at" in (self.fields or ())


# Columns an export can add to the record's fields (--fields), with their schema kind: when the
# site withdrew the article (UTC), or null.
EXPORT_ONLY_FIELDS = {"withdrawn_at": "utc_timestamp"}
WITHDRAWN_CHOICES = ("include", "exclude", "only")  # --withdrawn


@dataclass
class ExportResult:
    rows: int = 0
    per_site: dict[str, int] = field(default_factory=dict)
    parser_versions: dict[str, int] = field(default_factory=dict)
    sha256: str = ""
    manifest_path: str | None = None
    damaged: list = field(default_factory=list)  # codec.DamagedSegment of the segments skipped past
    withdrawn: int = 0  # rows of articles the site withdrew (counted when asked about withdrawals)


class _HashingWriter(io.RawIOBase):
    """Counts and hashes every byte on its way to the real output."""

    def __init__(self, target: BinaryIO):
        self.target = target
        self.digest = hashlib.sha256()

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.digest.update(data)
        self.target.write(data)
        return len(data)


class _Progress:
    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.last = 0.0

    def update(self, rows: int, final: bool = False) -> None:
        now = time.monotonic()
        if self.enabled and (final or now - self.last > 0.25):
            self.last = now
            sys.stderr.write(f"\rexported {rows:,} articles" + ("\n" if final else ""))
            sys.stderr.flush()


def _matches(record: dict, folded_query: str | None) -> bool:
    if not folded_query:
        return True
    return any(folded_query in fold_accents(record.get(name) or "") for name in _SEARCHED)


def _project(record: dict, fields: list[str] | None) -> dict:
    return {name: record.get(name) for name in fields} if fields else record


def export(archive: Archive, request: ExportRequest, command: list[str], *, progress: bool = False) -> ExportResult:
    result = ExportResult()
    to_stdout = request.output == "-"
    # A file is written beside its name and renamed into place when whole: an export that
    # fails half-way leaves no file that could pass for a complete one (nor destroys the file
    # that --force would have replaced).
    partial = None if to_stdout else Path(request.output).with_name(f".{Path(request.output).name}.partial")
    folded = fold_accents(request.query) if request.query else None
    meter = _Progress(progress)
    marks = "withdrawn_at" in (request.fields or ())
    withdrawn = withdrawn_ids(archive.root) if request.asks_withdrawals else {}
    target = None
    try:  # from before the file exists: a Ctrl-C at any moment after leaves none
        target = sys.stdout.buffer if to_stdout else open(partial, "wb")
        hashing = _HashingWriter(target)
        writer = _make_writer(request, hashing)
        damaged = result.damaged if request.skip_damaged else None
        for line, record in archive.iter_lines(request.date_from, request.date_to, request.sites or None,
                                               request.all_versions, damaged):
            if not _matches(record, folded):
                continue
            if request.withdrawn != "include" and (record.get("id") in withdrawn) != (request.withdrawn == "only"):
                continue
            if marks:
                record = {**record, "withdrawn_at": withdrawn.get(record.get("id"))}
            if record.get("id") in withdrawn:
                result.withdrawn += 1
            writer.write(line, record)
            result.rows += 1
            site = record.get("site") or "_"
            result.per_site[site] = result.per_site.get(site, 0) + 1
            version = record.get("parser_version") or "unknown"
            result.parser_versions[version] = result.parser_versions.get(version, 0) + 1
            meter.update(result.rows)
        writer.close()
        meter.update(result.rows, final=True)
        result.sha256 = hashing.digest.hexdigest()
        if to_stdout:
            target.flush()
            return result
        target.flush()
        os.fsync(target.fileno())
        result.manifest_path = request.output + ".manifest.json"
        manifest = json.dumps(_manifest(archive, request, command, result), ensure_ascii=False, indent=2) + "\n"
    except BaseException:
        if not to_stdout:
            if target is not None:
                target.close()
            partial.unlink(missing_ok=True)
        raise
    target.close()
    os.replace(partial, request.output)
    write_atomically(Path(result.manifest_path), manifest.encode("utf-8"))
    return result


def write_atomically(path: Path, data: bytes) -> None:
    """`data` in `path`, written under a hidden name and renamed into place when whole."""
    partial = path.with_name(f".{path.name}.partial")
    with open(partial, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, path)


def _manifest(archive: Archive, request: ExportRequest, command: list[str], result: ExportResult) -> dict:
    connection = archive_index.connect(archive.root, readonly=True)
    try:
        articles, versions = connection.execute(
            "SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM versions)").fetchone()
        segments, last_commit = connection.execute("SELECT count(*), max(committed_at) FROM segments").fetchone()
    finally:
        connection.close()
    from .. import __version__

    return {
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "vngov_version": __version__,
        "command": command,
        "filters": {
            "from": request.date_from.isoformat() if request.date_from else None,
            "to": request.date_to.isoformat() if request.date_to else None,
            "dates": "inclusive publication dates in Asia/Ho_Chi_Minh",
            "sites": request.sites or "all",
            "query": request.query,
            "fields": request.fields or "all",
            "all_versions": request.all_versions,
            "withdrawn": request.withdrawn,
        },
        "archive": {"path": str(archive.root.resolve()), "articles": articles, "versions": versions,
                    "segments": segments, "last_commit": last_commit},
        "output": {"path": request.output, "format": request.format, "rows": result.rows, "sha256": result.sha256},
        # Rows of articles the site withdrew since (only counted when --withdrawn or the
        # withdrawn_at column was asked for; null otherwise).
        "withdrawn_rows": result.withdrawn if request.asks_withdrawals else None,
        "rows_per_site": dict(sorted(result.per_site.items())),
        "parser_versions": result.parser_versions,
        # Segments that did not read back whole (--skip-damaged): their records past the damage
        # are missing from the output. `vngov check` repairs the archive.
        "damaged_segments": [{"path": str(error.path), "reason": error.reason} for error in result.damaged],
    }


def _make_writer(request: ExportRequest, out: _HashingWriter):
    if request.format == "jsonl":
        return _JsonlWriter(out, request.fields)
    if request.format == "csv":
        return _CsvWriter(out, request.fields or CSV_DEFAULT_FIELDS, request.bom)
    if request.format == "parquet":
        return _ParquetWriter(out, request.fields)
    raise ValueError(f"unknown format {request.format!r}")


class _JsonlWriter:
    def __init__(self, out, fields):
        self.out = io.BufferedWriter(out, buffer_size=1 << 20)
        self.fields = fields

    def write(self, line: bytes, record: dict) -> None:
        # Without a projection the stored line is copied as it is: no re-encoding.
        self.out.write(line if not self.fields else orjson.dumps(_project(record, self.fields)) + b"\n")

    def close(self) -> None:
        self.out.flush()


class _CsvWriter:
    def __init__(self, out, fields, bom: bool = True):
        # With a byte-order mark Excel reads the file as UTF-8 (without, as the system's code
        # page); LibreOffice, pandas, DuckDB and Python's csv with utf-8-sig take it either way.
        self.out = io.TextIOWrapper(out, encoding="utf-8-sig" if bom else "utf-8", newline="", write_through=False)
        self.fields = fields
        self.writer = csv.writer(self.out)
        self.writer.writerow(fields)

    def write(self, line: bytes, record: dict) -> None:
        row = []
        for name in self.fields:
            value = record.get(name)
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                value = "; ".join(value)
            elif isinstance(value, (list, dict)):
                value = json.dumps(value, ensure_ascii=False)
            row.append("" if value is None else value)
        self.writer.writerow(row)

    def close(self) -> None:
        self.out.flush()
        self.out.detach()


class _ParquetWriter:
    """Row groups of at most BATCH rows or BATCH_BYTES of records (long articles make few rows
    weigh much), written by our own Parquet writer (archive/parquet.py: no pyarrow): the
    export's memory stays bounded whatever the range."""

    BATCH = 2000
    BATCH_BYTES = 4 << 20

    def __init__(self, out, fields):
        self.writer = ParquetWriter(out, fields, extra=EXPORT_ONLY_FIELDS)
        self.fields = fields
        self.rows: list[dict] = []
        self.pending_bytes = 0

    def write(self, line: bytes, record: dict) -> None:
        self.rows.append(_project(record, self.fields))
        self.pending_bytes += len(line)
        if len(self.rows) >= self.BATCH or self.pending_bytes >= self.BATCH_BYTES:
            self._flush()

    def _flush(self) -> None:
        self.writer.write_rows(self.rows)
        self.rows.clear()
        self.pending_bytes = 0

    def close(self) -> None:
        self._flush()
        self.writer.close()
