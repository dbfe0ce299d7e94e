"""The WARC records the archive writes are valid WARC/1.0 that warcio reads, digests and all."""
import gzip
import io

import pytest
from warcio.archiveiterator import ArchiveIterator

from scraper.archive.warc import encode_response

BODY = "<html><body><h1>Tiêu đề bài viết</h1><p>Nội dung.</p></body></html>".encode()


def _read(data: bytes):
    records = []
    for record in ArchiveIterator(io.BytesIO(data), check_digests="raise"):
        records.append((record, record.content_stream().read()))
    return records


def test_record_reads_back_with_digests_checked():
    member = encode_response("https://baochinhphu.vn/a-1.htm", BODY, 200,
                             [("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "gzip"),
                              ("Content-Length", "999"), ("X-Cache", "HIT")], "2026-11-28T01:02:03Z")
    [(record, payload)] = _read(member)
    assert record.rec_type == "response" and record.digest_checker.passed is not False
    assert record.rec_headers.get_header("WARC-Target-URI") == "https://baochinhphu.vn/a-1.htm"
    assert record.rec_headers.get_header("WARC-Date") == "2026-11-28T01:02:03Z"
    assert record.rec_headers.get_header("WARC-Record-ID").startswith("<urn:uuid:")
    assert payload == BODY
    headers = dict(record.http_headers.headers)
    assert record.http_headers.get_statuscode() == "200"
    assert headers["Content-Type"] == "text/html; charset=utf-8" and headers["X-Cache"] == "HIT"
    assert "Content-Encoding" not in headers and "Content-Length" not in headers  # the body is stored decoded


def test_members_concatenate_into_one_file_and_each_is_a_gzip_member():
    first = encode_response("https://x.vn/1.html", BODY, 200, [], "2026-11-28T01:00:00Z")
    second = encode_response("https://x.vn/2.html", b"", 404, [("Server", "nginx")])
    assert gzip.decompress(first).startswith(b"WARC/1.0\r\n")
    records = _read(first + second)
    assert [r.rec_headers.get_header("WARC-Target-URI") for r, _ in records] == ["https://x.vn/1.html", "https://x.vn/2.html"]
    assert records[1][0].http_headers.get_statuscode() == "404" and records[1][1] == b""
    assert records[1][0].rec_headers.get_header("WARC-Date").endswith("Z")  # now, when not given


def test_a_corrupted_body_fails_the_digest_check():
    member = encode_response("https://x.vn/1.html", BODY, 200, [], "2026-11-28T01:00:00Z")
    raw = gzip.decompress(member).replace(b"<p>", b"<b>")  # same length: only the digest can tell
    with pytest.raises(Exception, match="digest"):
        _read(gzip.compress(raw))
