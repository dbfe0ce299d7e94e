"""The generic extractor on templates it has no profile for: each class of miss seen on real pages
of Vietnamese publishers (issue 18), in the markup of two CMS families, neither of which any
profile or tuning saw. A provincial portal on Liferay (portlet boxes, `journal-content-article`)
and a news CMS of the kind many newspapers run (`detail__title`, `detail__content`)."""
from __future__ import annotations

import html
import json
from datetime import datetime
from pathlib import Path

import pytest

from scraper.items import Fetch, Hints
from scraper.parsing import parse_article
from scraper.parsing.record import build_record
from scraper.vietnam import VN_TZ

PARAGRAPHS = [
    "Sáng nay, Ủy ban nhân dân tỉnh tổ chức hội nghị đánh giá kết quả thực hiện nhiệm vụ phát triển kinh tế "
    "xã hội trong mười tháng đầu năm và bàn giải pháp cho những tháng cuối năm.",
    "Theo báo cáo, tổng sản phẩm trên địa bàn tăng trưởng ổn định, thu ngân sách đạt kế hoạch đề ra, "
    "các công trình trọng điểm được đẩy nhanh tiến độ thi công.",
    "Phát biểu kết luận, Chủ tịch Ủy ban nhân dân tỉnh đề nghị các sở, ngành tập trung tháo gỡ khó khăn "
    "cho doanh nghiệp, đẩy mạnh giải ngân vốn đầu tư công.",
    "Hội nghị cũng thống nhất các nhiệm vụ trọng tâm về chuyển đổi số, cải cách hành chính và bảo đảm an "
    "sinh xã hội cho người dân trong dịp cuối năm.",
]
TITLE = "Tỉnh đánh giá kết quả phát triển kinh tế xã hội mười tháng"
SAPO = "Kinh tế của tỉnh tiếp tục tăng trưởng ổn định, thu ngân sách đạt kế hoạch đề ra."


def page(family: str, *, body: list[str] | None = None, title: str = TITLE, head: str = "", date: str = "10/11/2026 08:30",
         byline: str = "", after_body: str = "", site: str = "Cổng thông tin điện tử tỉnh Bình Phước") -> str:
    """An article page of one CMS family: `body` holds the content container's inner HTML parts."""
    parts = "\n".join(body if body is not None else [f"<p>{p}</p>" for p in PARAGRAPHS])
    if family == "liferay":
        return f"""<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>{title} - {site}</title>
<meta property="og:site_name" content="{site}">{head}</head><body>
<div id="banner"><a href="/">{site}</a></div><div class="portlet-boundary"><div class="portlet-body">
<div class="news-detail"><h1 class="title-detail">{title}</h1><div class="date-detail">{date}</div>{byline}
<div class="summary-detail">{SAPO}</div>
<div class="journal-content-article">{parts}</div>{after_body}</div></div></div>
<div class="footer">Cơ quan chủ quản: Văn phòng Ủy ban nhân dân tỉnh</div></body></html>"""
    return f"""<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>{title} | {site}</title>
<meta property="og:site_name" content="{site}">{head}</head><body>
<header class="header"><a class="logo" href="/">{site}</a><nav><a href="/thoi-su">Thời sự</a></nav></header>
<main><article class="detail"><div class="detail__meta"><span class="detail__time">{date}</span>{byline}</div>
<h1 class="detail__title">{title}</h1><h2 class="detail__sapo">{SAPO}</h2>
<div class="detail__content">{parts}</div>{after_body}</article></main>
<footer>Giấy phép số 123/GP-BTTTT</footer></body></html>"""


FAMILIES = ["liferay", "newscms"]
URL = {"liferay": "https://binhphuoc.gov.vn/vi/news/kinh-te/tinh-danh-gia-ket-qua-12345.html",
       "newscms": "https://baomoi-tinh.vn/tinh-danh-gia-ket-qua-post123456.html"}


def parse(family: str, html_text: str, **options):
    return parse_article(html_text.encode(), URL[family],
                         reference_time=options.pop("reference_time", datetime(2026, 11, 12, 9, tzinfo=VN_TZ)), **options)


# -- 1. a byline closing the body -----------------------------------------------------------------

@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("line, author, source", [
    ("Minh Châu (tổng hợp)", "Minh Châu", None),
    ("Minh Anh (theo Reuters)", "Minh Anh", "Reuters"),
    ("PV", "PV", None),
    ("Nhóm PV", "Nhóm PV", None),
    ("TTXVN", "TTXVN", None),
    ("Theo Bộ Tài chính", None, "Bộ Tài chính"),
])
def test_class_1_a_byline_closing_the_body_goes_to_author_not_the_body(family, line, author, source):
    article = parse(family, page(family, body=[f"<p>{p}</p>" for p in PARAGRAPHS] + [f"<p>{line}</p>"]))
    assert article.body_text.split("\n\n") == PARAGRAPHS
    assert (article.author, article.source) == (author, source)


@pytest.mark.parametrize("family", FAMILIES)
def test_class_1_a_short_closing_sentence_is_not_a_byline(family):
    closing = "Hội nghị kết thúc tốt đẹp."
    article = parse(family, page(family, body=[f"<p>{p}</p>" for p in PARAGRAPHS] + [f"<p>{closing}</p>"]))
    assert article.body_text.endswith(closing) and article.author is None


# -- 2. several authors ---------------------------------------------------------------------------

@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("names", ["THANH HÀ - QUỐC KHÁNH", "Anh Thư, Minh Khôi", "Lê Hà và Thu Trang"])
def test_class_2_several_authors_are_kept_whole(family, names):
    closing = parse(family, page(family, body=[f"<p>{p}</p>" for p in PARAGRAPHS] + [f"<p><strong>{names}</strong></p>"]))
    assert closing.author == names and closing.body_text.split("\n\n") == PARAGRAPHS
    boxed = parse(family, page(family, byline=f'<div class="author">{names}</div>'))
    assert boxed.author == names


# -- 3. the publisher named as author -------------------------------------------------------------

@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("brand", ["Cổng thông tin điện tử tỉnh Bình Phước", "Báo Bình Phước", "Bình Phước Online",
                                   "binhphuoc.gov.vn", "BINHPHUOC"])
def test_class_3_a_publisher_named_as_author_is_not_a_person(family, brand):
    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": TITLE,
          "author": {"@type": "Organization", "name": brand}, "publisher": {"@type": "Organization", "name": "Báo Bình Phước"}}
    head = f'<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script><meta name="author" content="{brand}">'
    assert parse(family, page(family, head=head)).author is None
    with_byline = parse(family, page(family, head=head, byline='<div class="author">Ngọc Lan</div>'))
    assert with_byline.author == "Ngọc Lan"


# -- 4. related-article boxes inside the body ----------------------------------------------------

def _related(family: str, n: int) -> str:
    href = f"/tin-lien-quan-so-{n}-post99{n:04d}.html"
    title = f"Tỉnh khởi công dự án đường giao thông liên huyện số {n}"
    teaser = f"Dự án có tổng mức đầu tư hơn {n}00 tỷ đồng, dự kiến hoàn thành trong năm tới."
    if family == "liferay":
        return (f'<table class="tbl-news-relate" align="right"><tr><td><a href="{href}"><img src="/img/{n}.jpg"></a>'
                f'</td><td><a href="{href}">{title}</a><p>{teaser}</p></td></tr></table>')
    return (f'<div class="box-embed"><a class="box-embed__thumb" href="{href}"><img src="/img/{n}.jpg"></a>'
            f'<h4><a href="{href}">{title}</a></h4><p class="box-embed__sapo">{teaser}</p></div>')


@pytest.mark.parametrize("family", FAMILIES)
def test_class_4_a_related_box_inside_the_body_goes_to_the_sidebar(family):
    body = [f"<p>{PARAGRAPHS[0]}</p>", f"<p>{PARAGRAPHS[1]}</p>", _related(family, 7), f"<p>{PARAGRAPHS[2]}</p>",
            f"<p>{PARAGRAPHS[3]}</p>"]
    article = parse(family, page(family, body=body))
    assert article.body_text.split("\n\n") == PARAGRAPHS
    item = next(i for i in article.sidebar if "liên huyện số 7" in i.title)
    assert item.url.endswith("/tin-lien-quan-so-7-post990007.html")
    assert item.teaser == "Dự án có tổng mức đầu tư hơn 700 tỷ đồng, dự kiến hoàn thành trong năm tới."


# -- 5. double-escaped entities in structured data ------------------------------------------------

@pytest.mark.parametrize("family", FAMILIES)
def test_class_5_double_escaped_structured_data_is_decoded_until_no_entity_remains(family):
    def twice(text: str) -> str:
        once = "".join(c if ord(c) < 128 else f"&#{ord(c)};" for c in text)
        return once.replace("&", "&amp;")
    ld = (f'{{"@context": "https://schema.org", "@type": "NewsArticle", "headline": "{twice(TITLE)}", '
          f'"description": "{twice(SAPO)}", "author": {{"@type": "Person", "name": "{twice("Ngọc Lan")}"}}, '
          f'"articleSection": "{twice("Kinh tế")}", "keywords": "{twice("kinh tế, ngân sách")}"}}')
    bare = page(family, head=f'<script type="application/ld+json">{ld}</script>').replace(
        f'<h1 class="title-detail">{TITLE}</h1>', "").replace(f'<h1 class="detail__title">{TITLE}</h1>', "")
    article = parse(family, bare.replace(f"<title>{TITLE} - ", "<title>").replace(f"<title>{TITLE} | ", "<title>"))
    assert article.title == TITLE
    assert article.author == "Ngọc Lan"
    assert article.category == "Kinh tế"
    assert "&#" not in json.dumps(article.to_dict(), ensure_ascii=False)


# -- 6. a rewritten headline ----------------------------------------------------------------------

@pytest.mark.parametrize("family", FAMILIES)
def test_class_6_the_title_is_the_headline_a_reader_sees(family):
    seo = "Kinh tế Bình Phước 10 tháng 2026: tăng trưởng ổn định, thu ngân sách đạt kế hoạch"
    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": seo}
    head = (f'<meta property="og:title" content="{html.escape(seo)}">'
            f'<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script>')
    article = parse(family, page(family, head=head))
    assert article.title == TITLE
    assert f"headline rewritten for search engines: {seo!r}" in article.warnings


# -- 7. a year-less date --------------------------------------------------------------------------

@pytest.mark.parametrize("family", FAMILIES)
def test_class_7_a_year_less_date_takes_its_year_from_structured_data(family):
    head = '<meta property="article:published_time" content="2025-10-11T15:20:00+07:00">'
    article = parse(family, page(family, head=head, date="Chiều 11/10"), reference_time=datetime(2026, 12, 6, tzinfo=VN_TZ))
    assert article.published_at == "2025-10-11T15:20:00+07:00"


@pytest.mark.parametrize("family", FAMILIES)
def test_class_7_a_year_less_date_takes_its_year_from_the_url(family):
    url = URL[family].replace(".vn/", ".vn/2025/10/11/")
    article = parse_article(page(family, date="Chiều 11/10 lúc 15:20").encode(), url,
                            reference_time=datetime(2026, 12, 6, tzinfo=VN_TZ))
    assert article.published_at == "2025-10-11T15:20:00+07:00"
    assert article.date_source == "visible"


@pytest.mark.parametrize("family", FAMILIES)
def test_class_7_a_year_inferred_from_the_fetch_time_is_said(family):
    article = parse(family, page(family, date="Chiều 11/10 lúc 15:20"), reference_time=datetime(2026, 12, 6, tzinfo=VN_TZ))
    assert article.published_at == "2026-10-11T15:20:00+07:00"
    assert article.date_source == "visible-inferred-year"
    assert "published_at: the page shows no year; 2026 inferred from the fetch time" in article.warnings


# -- 8. US-culture timestamps ---------------------------------------------------------------------

@pytest.mark.parametrize("family", FAMILIES)
def test_class_8_an_en_us_timestamp_is_month_first(family):
    article = parse(family, page(family, date="9/5/2026 1:30:00 PM"), reference_time=datetime(2026, 11, 1, tzinfo=VN_TZ))
    assert article.published_at == "2026-09-05T13:30:00+07:00"
    vietnamese = parse(family, page(family, date="9/5/2026 13:30"), reference_time=datetime(2026, 11, 1, tzinfo=VN_TZ))
    assert vietnamese.published_at == "2026-05-09T13:30:00+07:00"


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("hint_source", ["feed", "listing", "sitemap"])
def test_class_7_a_year_less_date_takes_its_year_from_discovery(family, hint_source):
    # A page fetched fourteen months after publication: its listing or feed knew the year.
    fetch = Fetch(url=URL[family], body=page(family, date="Chiều 11/10 lúc 15:20").encode(),
                  fetched_at="2026-12-06T02:00:00+00:00",
                  hints=Hints(source=hint_source, published_at="2025-10-11T15:20:00+07:00"))
    record = build_record(fetch)
    assert (record["published_at"], record["date_source"]) == ("2025-10-11T15:20:00+07:00", "visible")
    assert not any("inferred" in w for w in record["warnings"])


# -- the seed page's shape ------------------------------------------------------------------------

SEED = Path(__file__).resolve().parents[3] / "shared" / "seed" / "page-text.txt"
SEED_FIXTURE = Path(__file__).parent / "fixtures" / "seed_shape"


def test_the_seed_pages_widgets_stay_out_of_the_body_of_a_page_in_its_shape():
    """The seed's text (third-party, read in place) shows a rating widget, a comments block and
    teasers after the article; the fixture in its shape (our own words) must give a body
    without any of them, and the teasers as sidebar items."""
    if not SEED.is_file():
        pytest.skip("../shared/seed is absent")
    seed = SEED.read_text(encoding="utf-8")
    widgets = ["Bài viết hay? Hãy đánh giá bài viết", "user image", "User", "Ý KIẾN"]
    assert all(line in seed.splitlines() for line in widgets)
    meta = json.loads((SEED_FIXTURE / "meta.json").read_text(encoding="utf-8"))
    article = parse_article((SEED_FIXTURE / "page.html").read_bytes(), meta["url"],
                            reference_time=datetime.fromisoformat(meta["reference_time"]))
    assert not any(widget.lower() in article.body_text.lower() for widget in widgets)
    assert len(article.body_text.split("\n\n")) == 4
    assert [item.teaser is not None for item in article.sidebar] == [True, True, True]
    assert article.date_source == "visible-inferred-year" and article.author is None
