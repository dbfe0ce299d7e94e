"""Every fixture folder parses to its expected.json (see fixture_cases.py to regenerate)."""
import gc
import json

import pytest

from scraper.parsing import parse_article

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
