"""build_record: the one path from a fetched page to a record. What the fetch carries besides the
page (the response's charset, the time it was fetched, discovery's hints, the URL asked for)
decides the record as the page does, so a re-parse of the stored fetch gives the same record."""
import pytest

from scraper.items import REDIRECTED_AWAY, Fetch, Hints, record_problem
from scraper.parsing.record import build_record, declared_charset

URL = "https://quocphongthudo.vn/quoc-phong/luc-luong-vu-trang-thu-do-dien-tap-khu-vuc-phong-thu-12345.html"
PAGE = """<html><head><meta charset="utf-8"><title>Lực lượng vũ trang Thủ đô diễn tập khu vực phòng thủ</title></head>
<body><h1 class="article-title">Lực lượng vũ trang Thủ đô diễn tập khu vực phòng thủ</h1>{date}
<div class="article-content">
<p>Bộ Tư lệnh Thủ đô Hà Nội tổ chức tổng kết diễn tập khu vực phòng thủ năm nay với sự tham gia của nhiều đơn vị.</p>
<p>Các đơn vị đã hoàn thành tốt nhiệm vụ được giao, bảo đảm an toàn tuyệt đối về người và vũ khí trang bị.</p>
<p>Phát biểu tại buổi lễ, đồng chí Tư lệnh biểu dương tinh thần trách nhiệm của cán bộ, chiến sĩ tham gia.</p>
</div></body></html>"""
DATED = PAGE.format(date='<div class="post-date">Thứ Tư, 11/10 - 14:30</div>').encode()
UNDATED = PAGE.format(date="").encode()
FEED = Hints(source="feed", published_at="2023-10-11T16:05:00+07:00")


def test_a_date_without_a_year_is_read_against_the_fetch_time_not_the_parse_time():
    # The seed page's shape: "11/10" with no year. Fetched in January 2024 it is October 2023,
    # and a re-parse in any later year must say the same.
    january = build_record(Fetch(url=URL, body=DATED, fetched_at="2024-01-15T03:00:00+00:00"))
    assert january["published_at"] == "2023-10-11T14:30:00+07:00"
    november = build_record(Fetch(url=URL, body=DATED, fetched_at="2024-11-15T03:00:00+00:00"))
    assert november["published_at"] == "2024-10-11T14:30:00+07:00"


@pytest.mark.parametrize("hints, published, source", [
    (FEED, "2023-10-11T16:05:00+07:00", "feed"),
    (Hints(source="sitemap", published_at="2023-10-11T16:05:00+07:00"), "2023-10-11T16:05:00+07:00", "sitemap"),
    # A listing's printed date is no publication time (often the day only, or "2 giờ trước").
    (Hints(source="listing", published_at="2023-10-11T00:00:00+07:00"), None, None),
    (Hints(source="sitemap", lastmod="2023-10-12T09:00:00+07:00"), None, None),  # an edit time
])
def test_discovery_dates_fill_a_page_without_its_own(hints, published, source):
    record = build_record(Fetch(url=URL, body=UNDATED, fetched_at="2024-01-15T03:00:00+00:00", hints=hints))
    assert (record["published_at"], record["date_source"]) == (published, source)


def test_the_pages_own_date_wins_over_the_feeds():
    record = build_record(Fetch(url=URL, body=DATED, fetched_at="2024-01-15T03:00:00+00:00", hints=FEED))
    assert (record["published_at"], record["date_source"]) == ("2023-10-11T14:30:00+07:00", "visible")


def test_the_response_charset_decides_bytes_the_page_does_not_declare():
    # nhandan.vn's Chinese edition in GBK, its charset only in the response header: without it
    # the bytes would be taken for windows-1258 Vietnamese, the fallback for undeclared pages.
    text = "越南与中国加强全面战略合作伙伴关系，双方同意推动贸易、投资和农业领域的合作。"
    page = (f"<html><head><title>越南与中国加强合作</title></head><body><h1 class='article-title'>越南与中国加强合作</h1>"
            f"<div class='article-content'><p>{text}</p><p>{text}</p><p>{text}</p></div></body></html>").encode("gbk")
    url = "https://cn.nhandan.vn/politics/viet-nam-trung-quoc-tang-cuong-hop-tac-post12345.html"
    declared = build_record(Fetch(url=url, body=page, headers=[("Content-Type", "text/html; charset=GBK")]))
    assert declared["title"] == "越南与中国加强合作" and text in declared["body_text"]
    guessed = build_record(Fetch(url=url, body=page))
    assert guessed["title"] != "越南与中国加强合作"


@pytest.mark.parametrize("headers, charset", [
    ([("Content-Type", "text/html; charset=windows-1258")], "windows-1258"),
    ([("content-type", 'text/html;charset="UTF-8"')], "UTF-8"),
    ([("Content-Type", "text/html")], None),
    ([], None),
])
def test_declared_charset(headers, charset):
    assert declared_charset(headers) == charset


def test_an_article_url_redirected_home_is_no_article():
    home = b"<html><head><title>Trang chu</title></head><body><h1>Trang chu</h1></body></html>"
    record = build_record(Fetch(url="https://quocphongthudo.vn/", body=home, requested_url=URL))
    assert record["url"] == URL and record["warnings"] == [f"{REDIRECTED_AWAY}: https://quocphongthudo.vn/"]
    assert "title" not in record  # not parsed: the page there is not the article


def test_an_article_redirected_to_its_new_slug_is_parsed_at_the_new_url():
    new_url = URL.replace("dien-tap", "tong-ket-dien-tap")
    record = build_record(Fetch(url=new_url, body=DATED, requested_url=URL, fetched_at="2024-01-15T03:00:00+00:00"))
    assert record["url"] == new_url and record["title"].startswith("Lực lượng vũ trang")


def test_windows_1258_bytes_declared_as_utf8_are_read_as_what_they_are():
    # A template's <meta charset="utf-8"> and a server's header both say UTF-8 over bytes an old
    # CMS wrote in windows-1258: read as UTF-8 they would be stored as U+FFFD.
    from scraper.mirror.site import encode_windows_1258

    body = encode_windows_1258(PAGE.format(date=""))
    assert b"\xd2" in body or b"\xec" in body  # combining tone marks: not UTF-8
    record = build_record(Fetch(url=URL, body=body, headers=[("Content-Type", "text/html; charset=utf-8")]))
    assert record["title"] == "Lực lượng vũ trang Thủ đô diễn tập khu vực phòng thủ"
    assert "\ufffd" not in record["body_text"]
    assert record["warnings"].count("declared charset 'utf-8' but the bytes are not UTF-8; decoded as windows-1258") == 1


@pytest.mark.parametrize("body, content_type, unusable", [
    (b"%PDF-1.4\n1 0 obj\n", "application/octet-stream", "page is not HTML: PDF"),  # by its bytes
    (b"\x89PNG\r\n\x1a\n....", "", "page is not HTML: PNG image"),
    (b'{"error": "not found"}', "application/json", "page is not HTML: application/json"),
    (UNDATED[:UNDATED.index(b"</p>") + 4], "text/html; charset=utf-8", "page is cut short"),
    (UNDATED + b"x" * 200, "text/html", None),  # a trailing byte or two past </html> is no cut
    (b"<html><body>" + b"<p>" + "Dữ liệu rất lớn. ".encode() * 200_000 + b"</p></body></html>", "text/html",
     "page is too large: 5.0 MB (limit 2.0 MB)"),
])
def test_what_an_articles_url_gave_in_place_of_its_page_is_named_and_not_parsed(body, content_type, unusable):
    fetch = Fetch(url=URL, body=body, headers=[("Content-Type", content_type)] if content_type else [])
    record = build_record(fetch, max_bytes=2_000_000)
    if unusable is None:
        assert record["title"] and not [w for w in record["warnings"] if w.startswith("page is")]
    else:
        assert record["warnings"][0].startswith(unusable) and not record.get("title")
        assert record_problem(record).startswith(f"unusable page: {unusable}")


def test_an_error_page_served_with_200_is_named_but_an_article_about_errors_is_not():
    error = (b"<html><head><title>L\xe1\xbb\x97i h\xe1\xbb\x87 th\xe1\xbb\x91ng</title></head><body>"
             + "<h1>Lỗi hệ thống</h1><p>Đã có lỗi xảy ra. Vui lòng thử lại sau.</p></body></html>".encode())
    assert record_problem(build_record(Fetch(url=URL, body=error))).startswith("unusable page: page is an error page")
    article = UNDATED.replace("Lực lượng vũ trang Thủ đô diễn tập".encode(), "Khắc phục lỗi hệ thống".encode())
    assert record_problem(build_record(Fetch(url=URL, body=article))) is None


def test_base_href_is_honoured_and_only_web_addresses_reach_images():
    paragraph = "<p>" + "Nội dung bài viết dài đủ để là một bài báo về phiên họp. " * 8 + "</p>"
    page = (f'<html><head><base href="https://cdn.quocphongthudo.vn/media/"><title>Diễn tập khu vực phòng thủ</title>'
            f'</head><body><h1>Diễn tập khu vực phòng thủ</h1><div class="article-content">{paragraph}'
            f'<img src="anh/1.jpg"><img src="javascript:alert(1)"><img src="vbscript:x">{paragraph}</div>'
            f'</body></html>').encode()
    record = build_record(Fetch(url=URL, body=page))
    assert [image["url"] for image in record["images"]] == ["https://cdn.quocphongthudo.vn/media/anh/1.jpg"]
