"""Compressed JSON Lines segments: zstd by default (measured ~8x faster to write than gzip at the
same ratio), gzip on request (readable by every tool); the reader picks by file suffix."""
from __future__ import annotations

import gzip
import os
import zlib
from pathlib import Path
from typing import BinaryIO, Iterator

import orjson
import zstandard

CODECS = {"zstd": ".jsonl.zst", "gzip": ".jsonl.gz", "none": ".jsonl"}
ZSTD_LEVEL = 3
GZIP_LEVEL = 6


def dumps(record: dict) -> bytes:
    """One line: UTF-8, not ASCII-escaped, no newline inside."""
    return orjson.dumps(record, option=orjson.OPT_NON_STR_KEYS)


class SegmentWriter:
    """Writes lines to `path` through the codec; `close()` flushes and fsyncs."""

    def __init__(self, path: Path, codec: str = "zstd"):
        self.path = path
        self.codec = codec
        self.lines = 0
        self._raw: BinaryIO = open(path, "wb")
        if codec == "zstd":
            self._out = zstandard.ZstdCompressor(level=ZSTD_LEVEL).stream_writer(self._raw, closefd=False)
        elif codec == "gzip":
            self._out = gzip.GzipFile(fileobj=self._raw, mode="wb", compresslevel=GZIP_LEVEL, mtime=0)
        else:
            self._out = self._raw

    def write(self, line: bytes) -> None:
        self._out.write(line + b"\n")
        self.lines += 1

    def close(self) -> None:
        if self._out is not self._raw:
            self._out.close()  # ends the compressed frame
        self._raw.flush()
        os.fsync(self._raw.fileno())
        self._raw.close()


class DamagedSegment(ValueError):
    """A committed segment that does not read back whole: cut short, overwritten, or followed by
    bytes that are no part of it. The lines before the damage were read."""

    def __init__(self, path: Path, reason: str):
        super().__init__(f"damaged segment {path}: {reason}")
        self.path = path
        self.reason = reason


def read_lines(path: Path) -> Iterator[bytes]:
    """The lines of a segment, each with its newline, streamed with constant memory. A segment
    that does not read back whole raises DamagedSegment after the lines before the damage."""
    with open(path, "rb") as raw:
        if path.name.endswith(".zst"):
            yield from _zstd_lines(raw, path)
            return
        stream = gzip.GzipFile(fileobj=raw, mode="rb") if path.name.endswith(".gz") else raw
        try:
            for line in stream:
                if not line.endswith(b"\n"):  # committed segments end with a newline
                    raise DamagedSegment(path, "its last line is cut short")
                yield line
        except (EOFError, gzip.BadGzipFile, zlib.error) as error:
            raise DamagedSegment(path, f"undecodable ({error})") from None


def read_records(path: Path) -> Iterator[tuple[bytes, dict]]:
    """(line, record) for each line of a segment; a line that is not a JSON record is damage."""
    for number, line in enumerate(read_lines(path), 1):
        try:
            yield line, orjson.loads(line)
        except orjson.JSONDecodeError:
            raise DamagedSegment(path, f"line {number} is not a JSON record") from None


def _zstd_lines(raw: BinaryIO, path: Path) -> Iterator[bytes]:
    decompressor = zstandard.ZstdDecompressor().decompressobj()
    tail = b""
    while not decompressor.eof:
        chunk = raw.read(1 << 20)
        if not chunk:
            raise DamagedSegment(path, "cut short (its compressed stream does not end)")
        try:
            data = decompressor.decompress(chunk)
        except zstandard.ZstdError as error:
            raise DamagedSegment(path, f"undecodable ({error})") from None
        if data:
            lines = (tail + data).splitlines(keepends=True)
            tail = lines.pop() if not lines[-1].endswith(b"\n") else b""
            yield from lines
    if tail:
        raise DamagedSegment(path, "its last line is cut short")
    if decompressor.unused_data or raw.read(1):
        raise DamagedSegment(path, "bytes after its end")
