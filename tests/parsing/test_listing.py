"""Article discovery on listing pages: real saved listings of the shared corpus (skipped when
absent) and a listing fixture of our own."""
import json
import re

import pytest

from scraper.parsing.listing import parse_listing
from scraper.sites import profile_for_url


def _same(url: str) -> str:
    return url.replace("http://", "https://", 1)


def _is_subsequence(wanted: list[str], found: list[str]) -> bool:
    position = 0
    for url in found:
        if position < len(wanted) and url == wanted[position]:
            position += 1
    return position == len(wanted)


def _gold(corpus):
    with (corpus / "listing_gold.jsonl").open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


@pytest.mark.corpus
def test_listing_gold_first_items_in_order_and_next_page(corpus):
    for gold in _gold(corpus):
        url = gold["url"]
        profile = profile_for_url(url)
        page = parse_listing((corpus / gold["file"]).read_bytes(), url, profile=profile)
        found = [_same(item.url) for item in page.items]
        assert _is_subsequence([_same(u) for u in gold["main_list_first10"]], found), gold["file"]
        pattern = re.compile(gold["article_url_pattern"].split(" ")[0])
        assert sum(1 for u in found if pattern.search(u) or pattern.search(u.replace("https://", "http://", 1))) \
            >= gold["main_list_count"], gold["file"]
        if "timelinelist" in (gold["next_page"] or ""):
            listing = profile.listings[0]
            assert listing.next_page.format(zone=page.zone, n=2, url=url) == gold["next_page"]
        else:
            assert _same(page.next_page or "") == _same(gold["next_page"]), gold["file"]
        dates = [item.published.strftime("%d/%m/%Y") if item.published else None for item in page.items[:3]]
        for printed, ours in zip(gold["item_dates"][:3], dates):
            assert (printed is None) == (ours is None) or printed is None
            if printed and ours:
                assert ours in printed


def test_listing_without_links_or_markup():
    assert parse_listing(b"", "https://nhandan.vn/chinhtri/").items == []
    html = b"<html><body><div class='box'><a href='/x-post12.html'>Bai viet thu nghiem so mot</a></div>" \
           b"<div class='pagination'><a href='?page=1'>1</a><a href='?page=2'>2</a></div></body></html>"
    page = parse_listing(html, "https://nhandan.vn/chinhtri/", profile=profile_for_url("https://nhandan.vn/"))
    assert [i.url for i in page.items] == ["https://nhandan.vn/x-post12.html"]
    assert page.next_page == "https://nhandan.vn/chinhtri/?page=2"
