"""Reading the raw page snapshots that the writer keeps in WARC files beside the records."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator


@dataclass
class Snapshot:
    url: str
    body: bytes
    headers: list[tuple[str, str]]
    date: str | None


def read_snapshot(root: Path, warc_file: str, offset: int) -> Snapshot:
    """The response record at `offset` of `warc_file` (relative to the archive root)."""
    with open(Path(root) / warc_file, "rb") as handle:
        handle.seek(offset)
        for record in ArchiveIterator(handle):
            if record.rec_type != "response":
                continue
            headers = list(record.http_headers.headers) if record.http_headers else []
            return Snapshot(
                url=record.rec_headers.get_header("WARC-Target-URI"),
                body=record.content_stream().read(),
                headers=headers,
                date=record.rec_headers.get_header("WARC-Date"),
            )
    raise ValueError(f"no response record at {warc_file}:{offset}")
