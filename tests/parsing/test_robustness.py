"""Whatever bytes arrive, parse_article returns a record and never raises."""
import codecs

from hypothesis import HealthCheck, given, settings, strategies as st

from scraper.items import Article
from scraper.parsing import parse_article
from scraper.parsing.document import decode_html

URL = "https://example.gov.vn/tin-tuc/bai-viet-thu-nghiem-12345.html"
ARTICLE = (
    "<html><head><title>Tiêu đề</title></head><body><h1>Tiêu đề bài viết thử nghiệm</h1>"
    "<div class='content'><p>Đoạn văn thứ nhất của bài viết, đủ dài để được coi là nội dung chính.</p>"
    "<p>Đoạn văn thứ hai, cũng khá dài, với dấu phẩy, và thêm chữ nữa cho đủ điểm.</p></div></body></html>"
)


def _parses(data, **kwargs) -> Article:
    article = parse_article(data, URL, **kwargs)
    assert isinstance(article, Article)
    assert article.url == URL and article.id
    return article


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4000))
def test_arbitrary_bytes_never_raise(data):
    _parses(data)


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("<>/=\"' abcdiv p h1 &;#x\u0300\u00e0ươ\n\x00")), max_size=3000))
def test_arbitrary_markup_soup_never_raises(text):
    _parses(text)


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=len(ARTICLE)))
def test_truncated_pages_never_raise(cut):
    _parses(ARTICLE.encode()[:cut])


def test_empty_and_binary_pages_give_warnings_not_errors():
    for data in (b"", b"   ", bytes(range(256)) * 10, b"\x89PNG\r\n\x1a\n" + b"\x00" * 500):
        article = _parses(data)
        assert article.title is None and article.body_text is None
        assert article.warnings


def test_deeply_nested_page():
    data = "<div>" * 20000 + "<p>Sâu quá, rất sâu, thật sâu trong cây tài liệu HTML này.</p>" + "</div>" * 20000
    _parses(data)


def test_twenty_megabyte_page():
    filler = "<p>Đoạn văn lặp lại, để trang nặng tới hai mươi megabyte, vẫn phải đọc được.</p>" * 240000
    data = ("<html><body><h1>Tiêu đề rất dài của một trang rất nặng</h1>" + filler + "</body></html>").encode()
    assert len(data) > 20_000_000
    article = _parses(data)
    assert article.title == "Tiêu đề rất dài của một trang rất nặng"


def test_wrong_declared_charset_utf8_wins():
    data = ARTICLE.replace("<head>", "<head><meta charset='iso-8859-1'>").encode("utf-8")
    assert _parses(data).title == "Tiêu đề bài viết thử nghiệm"


def test_mostly_utf8_with_broken_bytes_stays_utf8():
    data = ARTICLE.replace("<head>", "<head><meta charset='x-no-such'>").encode("utf-8")[:-30] + b"\xff\xfe"
    text, warnings = decode_html(data)
    assert warnings == ["2 invalid UTF-8 sequences replaced"]
    assert "Tiêu đề" in text


def test_utf16_with_bom():
    data = codecs.BOM_UTF16_LE + ARTICLE.encode("utf-16-le")
    assert _parses(data).title == "Tiêu đề bài viết thử nghiệm"


def test_broken_json_ld_and_bad_dates_are_warnings():
    data = ARTICLE.replace(
        "</head>",
        '<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "hôm nào đó",</script>'
        '<meta property="article:published_time" content="99/99/9999"></head>',
    )
    article = _parses(data)
    assert article.published_at is None
    assert any("unreadable meta date" in w for w in article.warnings)


def test_unknown_declared_charset_is_a_warning():
    data = b"<html><head><meta charset='x-no-such'></head><body>Th\xfd\xf5ng</body></html>"  # windows-1258
    text, warnings = decode_html(data)
    assert "unknown charset 'x-no-such'" in warnings
    assert "Thươ" in text


def test_broken_utf8_through_parse_article_is_read_as_utf8_with_a_warning():
    # libxml2 is given the bytes as UTF-8 first; its encoding error sends the page through
    # decode_page, whose warning the record carries.
    data = ARTICLE.encode("utf-8").replace(b"</body>", b"<p>\xff\xfe</p></body>")
    article = _parses(data)
    assert article.title == "Tiêu đề bài viết thử nghiệm"
    assert "2 invalid UTF-8 sequences replaced" in article.warnings


def test_windows_1258_bytes_through_parse_article_are_decoded_as_such():
    # Only letters windows-1258 has precomposed (ư, ơ, đ, â): its tone marks are combining.
    page = ("<html><head><meta charset='iso-8859-1'><title>Đương phương Tây</title></head><body><h1>Đương phương Tây</h1>"
            "<div class='content'><p>Phương Tây, phương Đông, phương Nam, thương yêu, đương nhiên, tương lai.</p>"
            "<p>Tương lai, phương án, tương đương, phương châm, đương nhiên, thương yêu.</p></div>"
            "</body></html>")
    article = _parses(page.encode("windows-1258"))
    assert article.title == "Đương phương Tây"
    assert any("windows-1258" in w for w in article.warnings)


def test_a_page_after_a_broken_one_is_not_misread():
    _parses(b"\xff\xfe\xfd" * 50)
    article = _parses(ARTICLE.encode("utf-8"))
    assert article.title == "Tiêu đề bài viết thử nghiệm"
    assert not any("UTF-8" in w or "charset" in w or "windows" in w for w in article.warnings)


def test_links_the_url_parser_rejects_cost_the_link_not_the_page():
    # urllib raises ValueError on these ("Invalid IPv6 URL", a port that is not a number).
    bad = ("http://[broken/tin-1.html", "http://]x/", "http://:8080http://", "https://baochinhphu.vn:port/a")
    links = "".join(f'<a href="{href}">Một liên kết hỏng tới bài viết khác</a><img src="{href}">' for href in bad)
    data = ARTICLE.replace("<p>Đoạn văn thứ hai", f"<p>{links} Đoạn văn thứ hai").replace(
        "</body>", f'<div class="related"><h3>Tin liên quan</h3>{links}'
        '<a href="/tin-tuc/bai-viet-khac-hoan-toan-67890.html">Bài viết khác hoàn toàn vẫn được đọc</a></div></body>')
    article = _parses(data)
    assert "Đoạn văn thứ hai" in article.body_text
    assert not any("[" in image.url or "]" in image.url for image in article.images)
    assert [item.url for item in article.sidebar] == ["https://example.gov.vn/tin-tuc/bai-viet-khac-hoan-toan-67890.html"]


def test_a_page_url_the_url_parser_rejects_still_gives_a_record():
    article = parse_article(ARTICLE, "http://[example.gov.vn/bai-viet-12345.html")
    assert article.title == "Tiêu đề bài viết thử nghiệm" and "Đoạn văn thứ nhất" in article.body_text
