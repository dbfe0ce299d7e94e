"""The raw pages kept in WARC files beside the records: the one place that encodes WARC records
(ISO 28500 WARC/1.0, one gzip member per record) and reads a fetch back by offset.

Each fetch is a `response` record followed by a `metadata` record tied to it
(WARC-Concurrent-To) that holds what the record is built from besides the page: the URL that
was requested and the hints discovery gave. Each file starts with a `warcinfo` record.

The stored payload is the body as the crawler saw it after transfer decoding (gzip/deflate/br
and chunking undone), so the HTTP headers stored beside it describe that body: Content-Length
is its length, and the headers that described the wire form (Content-Encoding,
Transfer-Encoding, the wire's Content-Length) are kept renamed with the `X-Archive-Orig-`
prefix, as pywb and other replay tools expect.

Records are encoded here rather than with warcio's writer because encoding is on the crawl's
hot path: this builds the same records with SHA-1 digests and one deflate, all of which release
the GIL, so a caller may run it on a thread beside the crawl. warcio reads the files back, and
the tests run its `check` and `index` over crawled archives."""
from __future__ import annotations

import base64
import hashlib
import json
import uuid
import zlib
from datetime import datetime, timezone
from http import HTTPStatus
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from ..items import Fetch, Hints

# Level 1 instead of the usual 6-9: a somewhat larger file for a fraction of the CPU.
GZIP_LEVEL = 1
# Transfer framing that describes the wire form, not the stored (decoded) body.
_WIRE_HEADERS = {"content-encoding", "transfer-encoding", "content-length"}
ORIGINAL_PREFIX = "X-Archive-Orig-"
METADATA_TYPE = "application/vnd.vngov.fetch+json"


def _sha1(data: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode("ascii")


def warc_date(fetched_at: str | None) -> str:
    """WARC-Date for a fetch time in ISO 8601 UTC ("...+00:00" becomes "...Z"); now when None."""
    if not fetched_at:
        return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    moment = datetime.fromisoformat(fetched_at.replace("Z", "+00:00"))
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _record(headers: list[tuple[str, str]], block: list[bytes], level: int) -> bytes:
    """One gzip member: WARC headers (Content-Length and block digest added) and the block."""
    digest = hashlib.sha1()
    for part in block:
        digest.update(part)
    lines = ["WARC/1.0", *(f"{name}: {value}" for name, value in headers),
             "WARC-Block-Digest: sha1:" + base64.b32encode(digest.digest()).decode("ascii"),
             f"Content-Length: {sum(len(part) for part in block)}"]
    compressor = zlib.compressobj(level, zlib.DEFLATED, zlib.MAX_WBITS + 16)
    pieces = [compressor.compress(("\r\n".join(lines) + "\r\n\r\n").encode("utf-8"))]
    pieces += [compressor.compress(part) for part in block]
    pieces += [compressor.compress(b"\r\n\r\n"), compressor.flush()]
    return b"".join(pieces)


def http_head(fetch: Fetch) -> bytes:
    """The status line and headers as received, framing headers renamed for the decoded body.
    HTTP/1.1: what Scrapy speaks to every server."""
    try:
        reason = HTTPStatus(fetch.status).phrase
    except ValueError:
        reason = ""
    lines = [f"HTTP/1.1 {fetch.status} {reason}".rstrip()]
    for name, value in fetch.headers:
        lines.append(f"{ORIGINAL_PREFIX}{name}: {value}" if name.lower() in _WIRE_HEADERS else f"{name}: {value}")
    lines.append(f"Content-Length: {len(fetch.body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", errors="replace")


def encode_fetch(fetch: Fetch, level: int = GZIP_LEVEL) -> bytes:
    """The response record of `fetch` and the metadata record tied to it, two gzip members."""
    date = warc_date(fetch.fetched_at)
    response_id = f"<urn:uuid:{uuid.uuid4()}>"
    head = http_head(fetch)
    response = _record([
        ("WARC-Type", "response"), ("WARC-Record-ID", response_id), ("WARC-Date", date),
        ("WARC-Target-URI", fetch.url), ("WARC-Payload-Digest", _sha1(fetch.body)),
        ("Content-Type", "application/http; msgtype=response"),
    ], [head, fetch.body], level)
    about = {"requested_url": fetch.asked_for, "fetched_at": fetch.fetched_at, "hints": fetch.hints.to_dict()}
    metadata = _record([
        ("WARC-Type", "metadata"), ("WARC-Record-ID", f"<urn:uuid:{uuid.uuid4()}>"), ("WARC-Date", date),
        ("WARC-Target-URI", fetch.url), ("WARC-Concurrent-To", response_id), ("Content-Type", METADATA_TYPE),
    ], [json.dumps(about, ensure_ascii=False, sort_keys=True).encode("utf-8")], level)
    return response + metadata


def encode_warcinfo(filename: str, software: str) -> bytes:
    """The record that opens every WARC file: what wrote it."""
    fields = f"software: {software}\r\nformat: WARC File Format 1.0\r\nconformsTo: https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.0/\r\n"
    return _record([
        ("WARC-Type", "warcinfo"), ("WARC-Record-ID", f"<urn:uuid:{uuid.uuid4()}>"), ("WARC-Date", warc_date(None)),
        ("WARC-Filename", filename), ("Content-Type", "application/warc-fields"),
    ], [fields.encode("utf-8")], GZIP_LEVEL)


def _original_headers(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The headers as the crawler received them, from those stored beside the decoded body."""
    kept = []
    for name, value in headers:
        if name.startswith(ORIGINAL_PREFIX):
            kept.append((name[len(ORIGINAL_PREFIX):], value))
        elif name.lower() != "content-length":
            kept.append((name, value))
    return kept


def read_fetch(root: Path, warc_file: str, offset: int) -> Fetch:
    """The fetch stored at `offset` of `warc_file` (relative to the archive root): the response
    and, when the file has one (archives written before 0.2 do not), its metadata record."""
    with open(Path(root) / warc_file, "rb") as handle:
        handle.seek(offset)
        fetch = None
        response_id = None
        for record in ArchiveIterator(handle):
            if fetch is None:
                if record.rec_type != "response":
                    continue
                status = record.http_headers.get_statuscode() if record.http_headers else "200"
                fetch = Fetch(url=record.rec_headers.get_header("WARC-Target-URI"),
                              body=record.content_stream().read(), status=int(status or 200),
                              headers=_original_headers(list(record.http_headers.headers) if record.http_headers else []),
                              fetched_at=_iso(record.rec_headers.get_header("WARC-Date")))
                response_id = record.rec_headers.get_header("WARC-Record-ID")
                continue
            if record.rec_type == "metadata" and record.rec_headers.get_header("WARC-Concurrent-To") == response_id:
                about = json.loads(record.content_stream().read())
                fetch.requested_url = about.get("requested_url")
                fetch.fetched_at = about.get("fetched_at") or fetch.fetched_at
                fetch.hints = Hints.from_dict(about.get("hints"))
            break
    if fetch is None:
        raise ValueError(f"no response record at {warc_file}:{offset}")
    return fetch


def _iso(warc_date_value: str | None) -> str:
    return warc_date_value.replace("Z", "+00:00") if warc_date_value else ""
