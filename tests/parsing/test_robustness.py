"""Whatever bytes arrive, parse_article returns a record and never raises."""
import codecs
import random

import pytest

from hypothesis import HealthCheck, given, settings, strategies as st

from scraper.crawlstate import reject_policy
from scraper.items import Article, Fetch, record_problem
from scraper.parsing import parse_article
from scraper.parsing.document import decode_html, decode_page
from scraper.parsing.record import build_record

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


_VIETNAMESE = ("<html><head><title>Chính phủ ban hành nghị định</title></head><body><h1>Chính phủ ban hành nghị định</h1>"
               "<div class='content'><p>Phương án phát triển kinh tế được Thủ tướng phê duyệt, đời sống người dân "
               "được nâng cao.</p></div></body></html>")


@pytest.mark.parametrize("declared", ["gb2312", "big5", "utf-8", "shift_jis"])
def test_windows_1258_bytes_under_a_charset_that_garbles_them_are_repaired_naming_both(declared):
    data = _VIETNAMESE.encode("windows-1258", errors="xmlcharrefreplace")
    text, codec, warnings = decode_page(data, declared)
    assert (text, codec) == (data.decode("windows-1258"), "cp1258")
    label = "UTF-8" if declared == "utf-8" else declared
    assert warnings == [f"declared charset {declared!r} but the bytes are not {label}; decoded as windows-1258"]


def test_a_charset_no_declaration_names_is_detected_and_named():
    # UTF-16 without its byte-order mark, under a header that says windows-1258: that reading
    # is clean of U+FFFD but full of NULs; detection (bs4's UnicodeDammit) finds UTF-16.
    text, codec, warnings = decode_page(_VIETNAMESE.encode("utf-16-le"), "windows-1258")
    assert (text, codec) == (_VIETNAMESE, "utf-16-le")
    assert warnings == ["declared charset 'windows-1258' does not read them; the bytes are utf-16-le (detected)"]


def test_a_utf8_template_around_windows_1258_text_is_read_part_by_part():
    template = ("<html><head><meta charset='utf-8'><title>Chính phủ ban hành nghị định</title></head><body>"
                "<nav>Trang chủ | Chính trị | Kinh tế | Xã hội | Thế giới | Đời sống</nav>")
    article = "<p>Phương án phát triển kinh tế, đời sống người dân được nâng cao.</p></body></html>"
    data = template.encode() + article.encode("windows-1258", errors="xmlcharrefreplace")
    text, codec, warnings = decode_page(data, "utf-8")
    assert text == template + article.encode("windows-1258", errors="xmlcharrefreplace").decode("windows-1258")
    assert (codec, warnings) == ("utf-8+cp1258", ["page mixes UTF-8 and windows-1258 bytes; each part decoded as its own"])


def test_a_page_no_charset_reads_cleanly_is_an_unusable_page_fetched_again_later():
    noise = random.Random(7)
    data = b"<html><body><p>" + bytes(noise.randrange(256) for _ in range(3000)) + b"</p></body></html>"
    _, _, warnings = decode_page(data, "windows-1258")
    assert warnings == ["page is undecodable: no charset reads it cleanly (tried windows-1258, UTF-8, detection)"]
    record = build_record(Fetch(url="https://nhandan.vn/a-post1.html", body=data,
                                headers=[("Content-Type", "text/html; charset=windows-1258")]))
    problem = record_problem(record)
    assert problem.startswith("unusable page: page is undecodable")
    assert reject_policy(problem, None) is False  # transient: a later fetch may be whole


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
