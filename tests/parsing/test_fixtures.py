"""Every fixture folder parses to its expected.json (see fixture_cases.py to regenerate)."""
import gc
import json

import pytest

from scraper.items import SECTION_PAGE
from scraper.parsing import LISTED_HEADLINE, parse_article

from .fixture_cases import cases, run_case


@pytest.mark.parametrize("case", cases(), ids=lambda p: p.name)
def test_fixture_matches_expected(case):
    expected = json.loads((case / "expected.json").read_text(encoding="utf-8"))
    assert run_case(case) == expected


def test_fixtures_cover_each_family_and_failure_mode():
    names = {case.name for case in cases()}
    assert {"detail_family", "article_family", "post_family", "liferay_portal",
            "generic_rating_widget", "legacy_charset", "missing_date"} <= names


def test_widgets_comments_and_bylines_stay_out_of_the_body():
    record = run_case(next(c for c in cases() if c.name == "generic_rating_widget"))
    body = record["body_text"]
    for junk in ("Bài viết hay", "Ý KIẾN", "Bài viết rất hay", "Minh Tuấn", "Trung đoàn Quyết Thắng"):
        assert junk not in body
    assert record["author"] == "Minh Tuấn"
    assert {"Tin khác", "Đọc nhiều"} == {item["list"] for item in record["sidebar"]}
    assert record["published_at"] == "2026-11-12T15:20:00+07:00"  # "Chiều 12/11", year from reference


def test_missing_date_is_null_with_a_warning_not_a_guess():
    record = run_case(next(c for c in cases() if c.name == "missing_date"))
    assert record["published_at"] is None and record["date_source"] is None
    assert "published_at not found" in record["warnings"]


def test_parsing_makes_no_reference_cycles():
    # parse_article pauses the cyclic collector, which is only sound while it leaves nothing
    # for the collector to find.
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        for case in cases():
            run_case(case)
        assert gc.collect() == 0, [type(obj).__name__ for obj in gc.garbage[:20]]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()


@pytest.mark.parametrize("enabled", [True, False])
def test_parsing_leaves_the_collector_as_it_found_it(enabled):
    (gc.enable if enabled else gc.disable)()
    try:
        run_case(cases()[0])
        assert gc.isenabled() is enabled
    finally:
        gc.enable()


def test_a_headline_outside_h1_is_found_by_its_folded_text():
    # No <h1>: the headline is the class-"title" element whose words are the meta title's,
    # whatever its case and punctuation; box titles before it do not match.
    page = """<html><head><meta property="og:title" content="Chính phủ họp phiên thường kỳ tháng 3"></head><body>
<div class="box-title">Tin mới</div><div class="box-title">Chính phủ</div>
<div class="title-detail">Chính phủ họp: phiên thường kỳ tháng 3</div>
<div class="content">""" + "<p>Chiều 5/3, Thủ tướng chủ trì phiên họp Chính phủ thường kỳ, bàn nhiều nội dung.</p>" * 3 + \
        "</div></body></html>"
    article = parse_article(page, "https://example.gov.vn/tin-tuc/chinh-phu-hop-thuong-ky-10001.html")
    assert article.title == "Chính phủ họp: phiên thường kỳ tháng 3"


_BODY = "<div class=\"content\">" + "<p>Chiều 5/3, Thủ tướng chủ trì phiên họp Chính phủ thường kỳ, bàn nhiều nội dung.</p>" * 3 + "</div>"


def _headline_page(head: str, before: str, headline: str) -> str:
    return (f"<html><head>{head}</head><body><header><h1 class=\"logo\"><a href=\"/\">Báo Chính Phủ</a></h1>"
            f"</header>{before}<article>{headline}{_BODY}</article></body></html>")


@pytest.mark.parametrize("headline", [
    '<h1 class="article-title">Chính phủ họp phiên thường kỳ tháng 3</h1>',
    '<div class="article__title">Chính phủ họp phiên thường kỳ tháng 3</div>',
    '<h2 class="title-detail">Chính phủ họp phiên thường kỳ tháng 3</h2>',
])
def test_a_title_tag_naming_only_the_site_gives_way_to_the_articles_headline_box(headline):
    # Templates and some portals fill <title> with the site's or the page's name, and no heading
    # shows it: the box classed as the article's headline names the article, not the list
    # items ("story__title") or portal boxes ("portlet-title") before it.
    before = ('<h2 class="portlet-title">Tin nổi bật</h2>'
              '<div class="story"><h3 class="story__title"><a href="/a-1.html">Tin khác trong ngày</a></h3></div>')
    page = _headline_page("<title>Báo Chính Phủ - Detail</title>", before, headline)
    article = parse_article(page, "https://example.gov.vn/tin-tuc/chinh-phu-hop-thuong-ky-10001.html")
    assert article.title == "Chính phủ họp phiên thường kỳ tháng 3"
    assert "title not found" not in article.warnings


def test_a_declared_headline_is_still_preferred_to_a_headline_box():
    # og:title names the article: a box classed "article-title" that says something else (a
    # template's placeholder) does not replace it.
    head = '<title>Báo Chính Phủ</title><meta property="og:title" content="Chính phủ họp phiên thường kỳ tháng 3">'
    page = _headline_page(head, "", '<div class="article-title">Tiêu đề mẫu</div>')
    article = parse_article(page, "https://example.gov.vn/tin-tuc/chinh-phu-hop-thuong-ky-10001.html")
    assert article.title == "Chính phủ họp phiên thường kỳ tháng 3"


@pytest.mark.parametrize("head", ["<title>03-article-text.html</title>", ""])
def test_no_headline_is_null_with_a_warning_not_a_file_name_or_the_logo(head):
    # A <title> that is a file's name is a template's placeholder, and an <h1> classed "logo"
    # holds the site's name: with nothing else the title is null and the record says why.
    page = _headline_page(head, "", "<h2 class=\"heading\">Lý luận và thực tiễn</h2>")
    article = parse_article(page, "https://example.gov.vn/tin-tuc/ly-luan-10002.html")
    assert article.title is None
    assert "title not found" in article.warnings


def test_a_logo_h1_with_the_sites_name_is_not_the_headline():
    # "<title>Headline - Báo Chính Phủ</title>": the logo's <h1> text is in the <title> too, and
    # it comes first; the headline is the other <h1>.
    page = _headline_page("<title>Chính phủ họp phiên thường kỳ tháng 3 - Báo Chính Phủ</title>", "",
                          "<h1>Chính phủ họp phiên thường kỳ tháng 3</h1>")
    article = parse_article(page, "https://example.gov.vn/tin-tuc/chinh-phu-hop-thuong-ky-10001.html")
    assert article.title == "Chính phủ họp phiên thường kỳ tháng 3"


def test_a_box_of_top_stories_classed_headline_is_not_the_title():
    stories = "".join(f'<h3><a href="/tin-{n}.html">Tin nổi bật số {n} trong ngày hôm nay về kinh tế và xã hội</a></h3>'
                      for n in range(8))
    page = _headline_page("<title>Báo Chính Phủ</title>", f'<div class="headline">{stories}</div>',
                          '<h2 class="article-title">Chính phủ họp phiên thường kỳ tháng 3</h2>')
    article = parse_article(page, "https://example.gov.vn/tin-tuc/chinh-phu-hop-thuong-ky-10001.html")
    assert article.title == "Chính phủ họp phiên thường kỳ tháng 3"


_PAGE_URL = "https://example.gov.vn/tin-tuc/chinh-phu-hop-thuong-ky-10001.html"


_LIFERAY_URL = "https://sotttt.hanoi.gov.vn/web/sotttt-eng/hot-news/-/view_content/3019611-exhibition-of-french-architecture.html/en"


@pytest.mark.parametrize("url, headline, target", [
    # The Liferay profile's title selector (.asset-title) meets the list's first item.
    (_LIFERAY_URL, '<h3 class="asset-title"><a href="../3159627-promoting-propaganda.html">Promoting propaganda results</a></h3>',
     "https://sotttt.hanoi.gov.vn/web/sotttt-eng/hot-news/-/view_content/3159627-promoting-propaganda.html"),
    (_PAGE_URL, '<a href="/tin-tuc/bo-truong-tiep-doan-20002.html"><h1>Chính phủ họp phiên thường kỳ tháng 3</h1></a>',
     "https://example.gov.vn/tin-tuc/bo-truong-tiep-doan-20002.html"),
    (_PAGE_URL, '<h1><a href="https://example.gov.vn/su-kien/hoi-nghi">Chính phủ họp phiên thường kỳ tháng 3</a></h1>',
     "https://example.gov.vn/su-kien/hoi-nghi"),
])
def test_a_headline_that_links_to_another_article_is_a_list_not_the_article(url, headline, target):
    # A portal's list view or a soft 404 at an article's URL: the first item's title would name
    # a record whose body is a list. Null, and the warning names where the headline leads.
    article = parse_article(_headline_page("", "", headline), url)
    assert article.title is None
    listed = [w for w in article.warnings if w.startswith(LISTED_HEADLINE)]
    assert listed == [f"{LISTED_HEADLINE}: the headline links to {target}"]


@pytest.mark.parametrize("url, headline", [
    (_PAGE_URL, '<h1><a href="/amp/tin-tuc/chinh-phu-hop-thuong-ky-10001.html">Chính phủ họp phiên thường kỳ tháng 3</a></h1>'),
    (_PAGE_URL, '<h1><a href="chinh-phu-hop-thuong-ky-10001.html?ref=home">Chính phủ họp phiên thường kỳ tháng 3</a></h1>'),
    ("https://example.gov.vn/tin-tuc/chinh-phu-hop-thuong-ky/",
     '<h1 class="entry-title"><a href="/tin-tuc/chinh-phu-hop-thuong-ky">Chính phủ họp phiên thường kỳ tháng 3</a></h1>'),
    (_PAGE_URL, '<h1>Chính phủ họp phiên <a href="/su-kien/phien-hop-20003.html">thường kỳ</a> tháng 3</h1>'),
    (_PAGE_URL, '<h1><a href="#binh-luan">Chính phủ họp phiên thường kỳ tháng 3</a></h1>'),
])
def test_a_headline_linking_to_its_own_article_or_in_part_elsewhere_stays(url, headline):
    page = _headline_page("<title>Chính phủ họp phiên thường kỳ tháng 3 - Cổng thông tin</title>", "", headline)
    article = parse_article(page, url)
    assert article.title == "Chính phủ họp phiên thường kỳ tháng 3"
    assert not [w for w in article.warnings if w.startswith(LISTED_HEADLINE)]


def _items_alike(tag: str, classes: str, first: str, count: int) -> str:
    """A list's items: the first linking to `first`, the others to other articles."""
    hrefs = [first] + [f"/tin-tuc/bai-viet-khac-so-{n}-2000{n}.html" for n in range(1, count)]
    return "".join(f'<div class="item"><{tag} class="{classes}"><a href="{href}">Tiêu đề bài thứ {n} trong danh sách tin'
                   f"</a></{tag}><p>Tóm tắt của bài thứ {n}.</p></div>" for n, href in enumerate(hrefs))


@pytest.mark.parametrize("url, head, tag, classes, first, host", [
    # The Liferay profile's title selector (.asset-title) meets the list's first item.
    (_LIFERAY_URL, "", "h3", "asset-title", "../3019611-exhibition-of-french-architecture.html",
     "https://sotttt.hanoi.gov.vn"),
    # No profile: the <title> names the first item, whose heading is then the headline.
    (_PAGE_URL, "<title>Tiêu đề bài thứ 0 trong danh sách tin</title>", "h2", "post-title",
     "chinh-phu-hop-thuong-ky-10001.html", "https://example.gov.vn"),
])
def test_a_list_at_the_url_of_its_own_first_item_is_a_list(url, head, tag, classes, first, host):
    # sotttt.hanoi.gov.vn's list views answer at their first item's URL too: the headline links
    # to the page itself, and three more headings alike lead to other articles.
    article = parse_article(_headline_page(head, "", _items_alike(tag, classes, first, 4)), url)
    assert article.title is None
    assert article.warnings.count(
        f"{LISTED_HEADLINE}: the headline links to this page, and 3 headings alike to other articles "
        f"({host}/tin-tuc/bai-viet-khac-so-1-20001.html, ...)") == 1


@pytest.mark.parametrize("related", [
    _items_alike("h3", "entry-title", "/tin-tuc/bai-khac-20009.html", 4),  # other tag (h3 under an h1)
    _items_alike("h1", "entry-title title", "/tin-tuc/bai-khac-20009.html", 4),  # other classes
    _items_alike("h1", "entry-title", "/tin-tuc/bai-khac-20009.html", 1),  # one alike: not a list
])
def test_a_self_linked_headline_stays_beside_related_headings(related):
    # WordPress links its single post's h1.entry-title to the post; related posts below are
    # headings too, but not the headline's kind, or too few to make it a list's first item.
    headline = ('<h1 class="entry-title"><a href="/tin-tuc/chinh-phu-hop-thuong-ky-10001.html">'
                "Chính phủ họp phiên thường kỳ tháng 3</a></h1>")
    article = parse_article(_headline_page("", "", headline + related), _PAGE_URL)
    assert article.title == "Chính phủ họp phiên thường kỳ tháng 3"
    assert not [w for w in article.warnings if w.startswith(LISTED_HEADLINE)]


def test_a_self_linked_headline_whose_class_attribute_is_blank_stays():
    headline = '<h1 class=" "><a href="/tin-tuc/chinh-phu-hop-thuong-ky-10001.html">Chính phủ họp phiên thường kỳ tháng 3</a></h1>'
    related = _items_alike("h3", "entry-title", "/tin-tuc/bai-khac-20009.html", 4)
    article = parse_article(_headline_page("", "", headline + related), _PAGE_URL)
    assert article.title == "Chính phủ họp phiên thường kỳ tháng 3"


def test_image_urls_have_their_host_in_lower_case():
    # baodautu.vn writes some image hosts as "media.Baodautu.vn"; the host compares without case.
    paragraph = "<p>Đoạn văn đủ dài của bài viết, với dấu phẩy, để được coi là nội dung chính của trang.</p>"
    page = ("<html><body><h1>Bài viết có ảnh của trang thử nghiệm</h1><div class='content'>" + paragraph * 2
            + "<figure><img src='https://media.Baodautu.vn/minhvui/2026/03/06/Anh-Man-Hinh.PNG'>"
            "<figcaption>Diễn biến cổ phiếu AAT</figcaption></figure>" + paragraph + "</div></body></html>")
    record = parse_article(page, "https://baodautu.vn/bai-viet-co-anh-d538952.html")
    assert [image.url for image in record.images] == ["https://media.baodautu.vn/minhvui/2026/03/06/Anh-Man-Hinh.PNG"]
    assert record.images[0].caption == "Diễn biến cổ phiếu AAT"


def _page_naming(canonical: str, dated: bool) -> str:
    date = '<meta property="article:published_time" content="2026-03-05T15:20:00+07:00">' if dated else ""
    return (f'<html><head><link rel="canonical" href="{canonical}">{date}<title>Kinh doanh - Báo điện tử</title></head>'
            f"<body><h1>Kinh doanh</h1>{_BODY}</body></html>")


def test_a_section_served_at_an_articles_url_is_not_that_article():
    # A soft 404: a withdrawn article's URL answers with its section, which names itself as the
    # section and shows no date. Not archived under the article's URL (the crawl rejects it).
    article = parse_article(_page_naming("https://example.gov.vn/kinh-doanh", dated=False), _PAGE_URL)
    assert article.canonical_url == _PAGE_URL  # not the section's: its records must not share an id
    assert f"{SECTION_PAGE}: https://example.gov.vn/kinh-doanh, and shows no publication date" in article.warnings


@pytest.mark.parametrize("canonical, kept, why", [
    # A template that names every article the home page.
    ("https://example.gov.vn/", _PAGE_URL, "a home or section page; its own URL is kept"),
    # Syndicated: the source's address is another site's article, not this page's id.
    ("https://www.qdnd.vn/thoi-su/hop-1012345", _PAGE_URL, "(another site); its own URL is kept"),
    # A template fault: every article names one article of the site as its canonical.
    ("https://example.gov.vn/tin-tuc/thu-tuong-chu-tri-hoi-nghi-truc-tuyen-10002.html", _PAGE_URL, "(another article's number); its own URL is kept"),
    # Its own address spelt otherwise (an old slug, http): adopted.
    ("http://www.example.gov.vn/tin-tuc/chinh-phu-hop-10001.html",
     "http://www.example.gov.vn/tin-tuc/chinh-phu-hop-10001.html", None),
])
def test_an_article_takes_a_canonical_url_only_when_it_is_its_own_address(canonical, kept, why):
    article = parse_article(_page_naming(canonical, dated=True), _PAGE_URL)
    assert article.canonical_url == kept and article.published_at == "2026-03-05T15:20:00+07:00"
    assert not [w for w in article.warnings if w.startswith(SECTION_PAGE)]
    warned = [w for w in article.warnings if "its own URL is kept" in w]
    assert (why in warned[0]) if why else not warned


@pytest.mark.parametrize("attribute, shown, published, source, warned", [
    # A date alone in the markup, the time of that day on the page: the page's time.
    ("2026-03-05", "Thứ Năm, 05/03/2026 15:20", "2026-03-05T15:20:00+07:00", "visible", False),
    # A date alone, and no time anywhere: midnight, said to be no time of day, not passed off as one.
    ("2026-03-05", "05/03/2026", "2026-03-05T00:00:00+07:00", "meta", True),
    # A date alone whose day the page does not show: the markup's date, with the warning.
    ("2026-03-05", "06/03/2026 09:00", "2026-03-05T00:00:00+07:00", "meta", True),
    ("2026-03-05T15:20:00+07:00", "05/03/2026", "2026-03-05T15:20:00+07:00", "meta", False),
])
def test_a_date_without_a_time_of_day_is_never_a_silent_midnight(attribute, shown, published, source, warned):
    page = (f"<html><body><h1>Chính phủ họp phiên thường kỳ tháng 3</h1><time datetime='{attribute}'>{shown}</time>"
            f"{_BODY}</body></html>")
    article = parse_article(page, _PAGE_URL)
    assert (article.published_at, article.date_source) == (published, source)
    assert ("published_at has a date but no time of day" in article.warnings) == warned
