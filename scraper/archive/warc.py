"""The raw page snapshots kept in WARC files beside the records: encoding one response record
(ISO 28500 WARC/1.0, one gzip member per record) and reading one back by offset.

Records are encoded here rather than with warcio's writer because encoding is on the crawl's
hot path: this builds the same record with two SHA-1 digests and one deflate, all of which
release the GIL, so the store pipeline can run it on a thread beside the crawl. warcio reads
the files back (and the tests check its digests)."""
from __future__ import annotations

import base64
import hashlib
import uuid
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

# Level 1 instead of the usual 6-9: a somewhat larger file for a fraction of the CPU.
GZIP_LEVEL = 1
# Transfer framing that no longer describes the stored (decoded) body.
_TRANSFER_HEADERS = {"content-encoding", "transfer-encoding", "content-length"}
_REASONS = {200: "OK", 203: "Non-Authoritative Information", 206: "Partial Content"}


def _sha1(data: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode("ascii")


def encode_response(url: str, body: bytes, status: int = 200, headers=(), date: str | None = None,
                    level: int = GZIP_LEVEL) -> bytes:
    """One gzip member holding a WARC response record for `body` as fetched from `url`.
    `date` is ISO 8601 UTC ("2026-11-28T10:00:00Z"); `headers` are (name, value) pairs."""
    lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'OK')}"]
    lines += [f"{name}: {value}" for name, value in headers if name.lower() not in _TRANSFER_HEADERS]
    http_head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", errors="replace")
    block_digest = hashlib.sha1(http_head)
    block_digest.update(body)
    warc_head = [
        "WARC/1.0",
        "WARC-Type: response",
        f"WARC-Record-ID: <urn:uuid:{uuid.uuid4()}>",
        f"WARC-Target-URI: {url}",
    ]
    warc_head += [
        f"WARC-Date: {date or datetime.now(timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')}",
        f"WARC-Payload-Digest: {_sha1(body)}",
        "WARC-Block-Digest: sha1:" + base64.b32encode(block_digest.digest()).decode("ascii"),
        "Content-Type: application/http; msgtype=response",
        f"Content-Length: {len(http_head) + len(body)}",
    ]
    head = ("\r\n".join(warc_head) + "\r\n\r\n").encode("utf-8")
    compressor = zlib.compressobj(level, zlib.DEFLATED, zlib.MAX_WBITS + 16)
    return b"".join((compressor.compress(head), compressor.compress(http_head), compressor.compress(body),
                     compressor.compress(b"\r\n\r\n"), compressor.flush()))


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
