"""Sidebar lists: each link's box and the box's visible name."""
import pytest

from scraper.parsing import parse_article

URL = "https://example.gov.vn/tin-tuc/bai-viet-chinh-thuc-10001.html"
BODY = ("<h1>Bài viết chính thức của trang thử nghiệm</h1><div class='content'>"
        + "<p>Đoạn văn đủ dài của bài viết, với dấu phẩy, để được coi là nội dung chính của trang.</p>" * 3
        + "</div>")


def _link(n: int) -> str:
    return f'<a href="/tin-tuc/bai-viet-lien-quan-so-{n}-{20000 + n}.html">Bài viết liên quan số {n} trong danh sách</a>'


def test_a_heading_names_the_links_within_reach_and_only_those():
    box = "<div class='box'><h3>Đọc nhiều</h3>" + "".join(_link(n) for n in range(1, 26)) + "</div>"
    article = parse_article(f"<html><body>{BODY}{box}</body></html>", URL)
    names = {item.url.rsplit("-", 1)[-1]: item.list for item in article.sidebar}
    assert len(names) == 25
    # The heading is the 1st to 21st sibling before links 1 to 21; link 22 is beyond its reach.
    assert all(names[f"{20000 + n}.html"] == "Đọc nhiều" for n in range(1, 22))
    assert all(names[f"{20000 + n}.html"] is None for n in range(22, 26))


def test_list_items_take_the_nearest_heading_before_their_list():
    boxes = ("<section><h2>Tin liên quan</h2><ul>" + "".join(f"<li>{_link(n)}</li>" for n in range(1, 4))
             + "</ul><h2>Tin mới</h2><ul>" + "".join(f"<li>{_link(n)}</li>" for n in range(4, 7)) + "</ul></section>")
    article = parse_article(f"<html><body>{BODY}{boxes}</body></html>", URL)
    assert [(item.list, item.position) for item in article.sidebar] == [
        ("Tin liên quan", 0), ("Tin liên quan", 1), ("Tin liên quan", 2), ("Tin mới", 0), ("Tin mới", 1), ("Tin mới", 2)]


def test_the_site_link_memo_stays_bounded(monkeypatch):
    from scraper.parsing import sidebar

    monkeypatch.setattr(sidebar, "_SITE_LINKS", {})
    monkeypatch.setattr(sidebar, "_SITE_LINKS_MAX", 5)
    page = f"<html><body>{BODY}<div class='box'><h3>Đọc nhiều</h3>" + "".join(_link(n) for n in range(1, 13)) + "</div></body></html>"
    for site in range(40):
        article = parse_article(page, f"https://site{site}.gov.vn/tin-tuc/bai-viet-chinh-thuc-10001.html")
        assert len(article.sidebar) == 12  # the memo forgets; the answers do not change
    assert len(sidebar._SITE_LINKS) <= sidebar._SITES_REMEMBERED
    assert all(len(links) <= 5 + 12 for links in sidebar._SITE_LINKS.values())


_HREFS = ["/tin-tuc/bai-mot-hai-ba-20001.html", "/tin-tuc/bai-bon-nam-sau-20002.html", "/chu-de/x", "#top",
          "/tin-tuc/bai-viet-chinh-thuc-10001.html", None]  # the last two: the page itself, no href


def _link_trees():
    from hypothesis import strategies as st

    def link(href):
        return f'<a href="{href}">x</a>' if href else "<a>x</a>"

    leaves = st.sampled_from(_HREFS).map(link) | st.just("<span>t</span>")
    return st.recursive(leaves, lambda inner: st.lists(inner, max_size=4).flatmap(
        lambda kids: st.sampled_from(["div", "li", "p"]).map(lambda tag: f"<{tag}>{''.join(kids)}</{tag}>")),
        max_leaves=12)


def test_links_only_to_answers_as_the_set_of_urls_under_each_element():
    from hypothesis import given, settings

    from scraper.parsing.document import parse_tree
    from scraper.parsing.pageindex import PageIndex
    from scraper.parsing.sidebar import _Page

    @settings(max_examples=150, deadline=None)
    @given(_link_trees())
    def check(markup):
        root = parse_tree(f"<html><body>{markup}<a href='/tin-tuc/bai-bon-nam-sau-20002.html'>y</a></body></html>")
        page = _Page(PageIndex(root), URL, None, [], {URL})
        found = page.read_links()
        assert found == [(a, page.resolve(a.get("href"))) for a in root.iter("a") if page.resolve(a.get("href"))]
        for element in page.index.elements:
            under = {page.resolve(a.get("href")) for a in element.iter("a")} - {None}
            for url in {url for _, url in found}:
                assert page.links_only_to(element, url) == (under == {url})

    check()


def test_the_first_worded_link_to_a_url_is_its_headline():
    href = "/tin-tuc/bai-viet-lien-quan-so-1-20001.html"
    item = (f'<li><a href="{href}"><img src="/anh.jpg"></a><a href="{href}">Tiêu đề của bài liên quan</a>'
            f'<a href="{href}">Đoạn giới thiệu dài hơn của bài liên quan, cũng là một liên kết.</a></li>')
    other = f"<li>{_link(2)}</li>"
    boxes = f"<div class='box'><h3>Tin liên quan</h3><ul>{item}{other}</ul></div>"
    article = parse_article(f"<html><body>{BODY}{boxes}</body></html>", URL)
    first = article.sidebar[0]
    assert (first.title, first.list) == ("Tiêu đề của bài liên quan", "Tin liên quan")
    assert [i.url for i in article.sidebar].count(first.url) == 1


def _responsive_box(show: str, name: str, numbers) -> str:
    """A list box as hanoimoi.vn writes it, once per screen size (class h-show-mobile / h-show-pc)."""
    items = "".join(f"<div class='b-grid'><div class='b-grid__title'>{_link(n)}</div></div>" for n in numbers)
    return (f"<div class='c-box {show}'><div class='c-box__title'><div class='c-box__title__name'>{name}</div></div>"
            f"<div class='c-box__content'><div class='c-news-topmore'>{items}</div></div></div>")


@pytest.mark.parametrize("first, second", [(range(1, 6), range(1, 7)), (range(1, 7), range(1, 6)), (range(1, 7), range(1, 7))])
def test_a_list_written_once_for_phones_and_once_for_wider_screens_is_one_list(first, second):
    page = (f"<html><body>{BODY}<aside>{_responsive_box('h-show-mobile', 'Đọc tiếp', first)}</aside>"
            f"<aside><div class='c-box'><h3>Đọc nhiều</h3>{_link(30)}{_link(31)}</div></aside>"
            f"<aside>{_responsive_box('h-show-pc', 'Đọc tiếp', second)}</aside></body></html>")
    article = parse_article(page, URL)
    got = [(item.list, item.position, item.url.rsplit("-", 1)[-1]) for item in article.sidebar]
    # The longer copy, where the first copy stood; the list between them keeps its place.
    assert got == [("Đọc tiếp", n - 1, f"{20000 + n}.html") for n in range(1, 7)] + [
        ("Đọc nhiều", 0, "20030.html"), ("Đọc nhiều", 1, "20031.html")]


def test_lists_sharing_a_name_but_not_their_links_are_kept_and_unnamed_boxes_left_alone():
    boxes = (f"<aside>{_responsive_box('a', 'Tin liên quan', range(1, 4))}</aside>"
             f"<aside>{_responsive_box('b', 'Tin liên quan', range(3, 6))}</aside>"  # overlaps the first, is not in it
             f"<aside><ul class='x'><li>{_link(8)}</li></ul></aside><aside><ul class='y'><li>{_link(8)}</li></ul></aside>")
    article = parse_article(f"<html><body>{BODY}{boxes}</body></html>", URL)
    named = [item.url.rsplit("-", 1)[-1] for item in article.sidebar if item.list == "Tin liên quan"]
    assert named == [f"{20000 + n}.html" for n in (1, 2, 3, 3, 4, 5)]
    assert [item.position for item in article.sidebar if item.list is None] == [0, 0]  # two boxes, both kept
