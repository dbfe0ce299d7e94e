"""The WARC records the archive writes are valid WARC/1.0 that warcio reads, digests and all:
a response record with the status line and headers as received, and a metadata record tied to
it that keeps what the record was built from besides the page."""
import gzip
import io
import json

import pytest
from warcio.archiveiterator import ArchiveIterator

from scraper.archive.warc import METADATA_TYPE, encode_fetch, encode_warcinfo
from scraper.items import Fetch, Hints

BODY = "<html><body><h1>Tiêu đề bài viết</h1><p>Nội dung.</p></body></html>".encode()


def _read(data: bytes):
    records = []
    for record in ArchiveIterator(io.BytesIO(data), check_digests="raise"):
        records.append((record, record.content_stream().read()))
    return records


def test_fetch_reads_back_with_digests_checked():
    fetch = Fetch(url="https://baochinhphu.vn/a-1.htm", body=BODY,
                  headers=[("Content-Type", "text/html; charset=utf-8"), ("Content-Length", "999"), ("X-Cache", "HIT")],
                  fetched_at="2026-11-28T01:02:03+00:00", requested_url="http://www.baochinhphu.vn/a-1.htm",
                  hints=Hints(source="feed", published_at="2026-11-27T20:00:00+07:00"))
    [(response, payload), (metadata, about)] = _read(encode_fetch(fetch))
    assert response.rec_type == "response" and response.digest_checker.passed is not False
    assert response.rec_headers.get_header("WARC-Target-URI") == "https://baochinhphu.vn/a-1.htm"
    assert response.rec_headers.get_header("WARC-Date") == "2026-11-28T01:02:03Z"
    assert response.rec_headers.get_header("WARC-Payload-Digest").startswith("sha1:")
    assert payload == BODY
    headers = dict(response.http_headers.headers)
    assert response.http_headers.statusline == "200 OK"
    assert headers["Content-Type"] == "text/html; charset=utf-8" and headers["X-Cache"] == "HIT"
    # The payload is the decoded body: its length, and the wire's framing kept under another name.
    assert headers["Content-Length"] == str(len(BODY)) and headers["X-Archive-Orig-Content-Length"] == "999"
    assert metadata.rec_type == "metadata"
    assert metadata.rec_headers.get_header("WARC-Concurrent-To") == response.rec_headers.get_header("WARC-Record-ID")
    assert metadata.rec_headers.get_header("Content-Type") == METADATA_TYPE
    assert json.loads(about) == {"requested_url": "http://www.baochinhphu.vn/a-1.htm",
                                 "fetched_at": "2026-11-28T01:02:03+00:00",
                                 "hints": {"source": "feed", "published_at": "2026-11-27T20:00:00+07:00", "lastmod": None}}


@pytest.mark.parametrize("status, line", [(200, "200 OK"), (404, "404 Not Found"), (410, "410 Gone"),
                                          (301, "301 Moved Permanently"), (599, "599")])
def test_status_line_is_the_real_one(status, line):
    [(response, _), _] = _read(encode_fetch(Fetch(url="https://x.vn/1.html", body=b"", status=status)))
    assert response.http_headers.statusline == line and response.http_headers.protocol == "HTTP/1.1"


def test_records_concatenate_into_one_file_each_a_gzip_member():
    first = encode_fetch(Fetch(url="https://x.vn/1.html", body=BODY, fetched_at="2026-11-28T01:00:00+00:00"))
    second = encode_fetch(Fetch(url="https://x.vn/2.html", body=b"", status=404, headers=[("Server", "nginx")]))
    info = encode_warcinfo("x.warc.gz", "vngov/test")
    assert gzip.decompress(info).startswith(b"WARC/1.0\r\n")
    records = _read(info + first + second)
    assert [r.rec_type for r, _ in records] == ["warcinfo", "response", "metadata", "response", "metadata"]
    assert records[3][0].rec_headers.get_header("WARC-Date").endswith("Z")  # now, when not given
    # warcio splits the file at gzip member boundaries: each record is a member of its own.
    assert len(gzip.decompress(first).split(b"WARC/1.0\r\n")) == 3


def test_a_corrupted_body_fails_the_digest_check():
    member = encode_fetch(Fetch(url="https://x.vn/1.html", body=BODY, fetched_at="2026-11-28T01:00:00+00:00"))
    raw = gzip.decompress(member).replace(b"<p>", b"<b>")  # same length: only the digest can tell
    with pytest.raises(Exception, match="digest"):
        _read(gzip.compress(raw))
