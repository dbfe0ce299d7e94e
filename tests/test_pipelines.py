import unicodedata

from pipelines.normalize import NormalizePipeline
from scraper.items import CrawledPage, Fetch


def test_normalize_repairs_what_needs_it_and_keeps_clean_text():
    decomposed = unicodedata.normalize("NFD", "Thủ tướng chủ trì hội nghị")
    record = {"title": f" {decomposed}\u200b ", "sapo": "(Chinhphu.vn) - Chiều 5/3, Thủ tướng chủ trì hội nghị trực tuyến.",
              "body_text": f"Đoạn  một.\n\n\n{decomposed}\u00a0nữa.", "tags": [" a ", ""], "images": [], "sidebar": []}
    item = NormalizePipeline().process_item(CrawledPage(record=record, fetch=Fetch(url="https://x.vn/a.html")))
    assert item.record["title"] == "Thủ tướng chủ trì hội nghị"
    assert item.record["sapo"] == "Chiều 5/3, Thủ tướng chủ trì hội nghị trực tuyến."
    assert item.record["body_text"] == "Đoạn một.\n\nThủ tướng chủ trì hội nghị nữa."
    assert item.record["tags"] == ["a"]
    clean = {"title": "Tiêu đề", "body_text": "Một.\n\nHai.", "tags": [], "images": [], "sidebar": []}
    assert NormalizePipeline().process_item(CrawledPage(record=dict(clean), fetch=Fetch(url="https://x.vn/a.html"))).record == clean


def test_validate_names_what_is_wrong_with_a_record():
    from scraper.items import record_problem as problem
    from scraper.parsing import parse_article

    good = {"url": "https://nhandan.vn/a-post1.html", "title": "Tiêu đề", "body_text": "Một.",
            "published_at": "2026-03-01T09:51:00+07:00", "updated_at": None, "warnings": []}
    assert problem(good) is None
    assert problem({**good, "title": None, "warnings": ["title not found"]}) == "missing title"
    assert problem({**good, "body_text": ""}) == "missing body_text"
    assert problem({**good, "published_at": "01/03/2026"}).startswith("bad published_at")
    assert problem({**good, "updated_at": "2026-03-01T09:54:00"}).startswith("bad updated_at: no offset")
    # A portal's list served at an article's URL: rejected as what it is, not as a missing title.
    page = ("<html><body><div class='asset-title'><a href='../3159627-promoting-propaganda-results.html'>"
            "Promoting propaganda results on ten years of the Capital</a></div><div class='asset-content'>"
            + "<p>Hanoi, after ten years, has achieved outstanding results in many areas of development.</p>" * 3
            + "</div></body></html>")
    record = parse_article(page, "https://sotttt.hanoi.gov.vn/web/sotttt-eng/hot-news/-/view_content/"
                                 "3019611-exhibition-of-french-architecture.html/en").to_dict()
    reason = problem(record)
    assert reason.startswith("not an article: page lists articles: the headline links to https://sotttt.hanoi.gov.vn/")
    assert reason.endswith("/view_content/3159627-promoting-propaganda-results.html")
    # A section answering at an article's URL (a soft 404): named so, and no date of its own.
    section = ('<html><head><link rel="canonical" href="https://vietnamnet.vn/kinh-doanh"><title>Kinh doanh</title>'
               "</head><body><h1>Kinh doanh</h1><div class='content'>"
               + "<p>Tin kinh doanh trong ngày, cập nhật liên tục từ các phóng viên của báo.</p>" * 3 + "</div></body></html>")
    record = parse_article(section, "https://vietnamnet.vn/co-phieu-flc-duoc-giao-dich-tro-lai-2495349.html").to_dict()
    assert problem(record) == ("not an article: page names a home or section page as its address: "
                               "https://vietnamnet.vn/kinh-doanh, and shows no publication date")
    # A home page answering there without naming itself: its title says what it is.
    home = section.replace('<link rel="canonical" href="https://vietnamnet.vn/kinh-doanh">', "").replace(
        "Kinh doanh", "Trang chủ")
    record = parse_article(home, "https://vietnamnet.vn/co-phieu-flc-duoc-giao-dich-tro-lai-2495349.html").to_dict()
    assert problem(record) == "not an article: page is titled as a home page: 'Trang chủ'"
