"""The page index answers selectors and axes exactly as the XPath it replaces would."""
import pytest
from hypothesis import given, settings, strategies as st
from lxml import etree

from scraper.parsing.document import parse_tree, select
from scraper.parsing.pageindex import PageIndex, _contains_any

PAGE = """<html><body>
<header class="site-header"><nav class="menu"><a href="/">Trang chủ</a></nav></header>
<div class="breadcrumb"><ul><li class="breadcrumb-item"><a href="/a">A</a></li>
  <li class="breadcrumb-item active"><a href="/b">B</a><ul class="sub"><li><a href="/c">C</a></li></ul></li></ul></div>
<div class="b-maincontent"><div class="entry detail"><h1 class="article__title">Tiêu đề</h1>
  <div class="article__meta"><span class="article__author"><b class="name">Thu Hà</b></span><time datetime="x">t</time></div>
  <div class="article__body" id="body"><p>Một</p><div class="entry"><p>Hai</p></div>
    <div type="RelatedNewsBox" data-role="box"><a href="/r1" class="title">R1</a></div></div>
  <div class="article__tag"><a href="/tag/x">x</a><a href="/tag/y">y</a></div></div>
  <div class="entry">outside</div></div>
<footer class="site-footer"><div class="entry"><a href="/f">F</a></div></footer>
</body></html>"""

SELECTORS = [
    "h1", "a", ".entry", "div.entry", ".entry.detail", "#body", "div#body p", "[type=RelatedNewsBox]",
    "div[type=RelatedNewsBox]", "[data-role]", "[data-role=nope]", ".breadcrumb a", ".breadcrumb .breadcrumb-item a",
    ".breadcrumb > ul > li > a", ".breadcrumb > a", "div.b-maincontent > .entry", ".article__meta time",
    ".article__author .name, .article__author", ".article__tag a, h1", "p, h1, .name", ".missing", ".missing a",
    "li:first-child a", "p:not(.x)", "a[href^='/tag']", "footer .entry a", "body > header", "div div div p",
    ".article__body [data-role]", ".entry [href]", "#body [type=RelatedNewsBox]", ".breadcrumb *", "#body p",
]


@pytest.fixture(scope="module")
def page():
    return PageIndex(parse_tree(PAGE))


@pytest.mark.parametrize("css", SELECTORS)
def test_select_matches_xpath_on_the_page(page, css):
    assert page.select(css) == select(page.root, css)


@pytest.mark.parametrize("css", SELECTORS)
def test_select_within_an_element_matches_xpath(page, css):
    for scope in page.elements:
        assert page.select(css, scope) == select(scope, css), etree.tostring(scope)[:80]


def test_selectors_outside_the_index_fall_back_to_xpath(page):
    copy = etree.fromstring(etree.tostring(page.root))  # not the indexed tree
    assert page.select("p", copy) == select(copy, "p")
    assert page.select("") == [] and page.select_one(".missing") is None


def test_axes_match_xpath(page):
    preceding = etree.XPath("preceding::*[position() <= $n]")
    following = etree.XPath("following::*[position() <= $n]")
    for element in page.elements:
        for n in (1, 3, 60):
            assert page.preceding(element, n) == preceding(element, n=n)
            assert page.following(element, n) == following(element, n=n)


def test_inside_and_hints(page):
    body = page.select_one("#body")
    assert all(page.inside(p, body) for p in body.iter("p"))
    assert not page.inside(page.select_one("h1"), body)
    hinted = page.with_hint("rumb")
    assert [e.get("class") for e in hinted] == ["breadcrumb", "breadcrumb-item", "breadcrumb-item active"]


_TAGS = st.sampled_from(["div", "p", "span", "a", "ul", "li"])
_CLASSES = st.lists(st.sampled_from(["a", "b", "c", "a-b"]), max_size=3).map(" ".join)  # "a a" too
_IDS = st.sampled_from(["", "", "x", "y"])


@st.composite
def _trees(draw, depth=0):
    tag = draw(_TAGS)
    classes = draw(_CLASSES)
    ident = draw(_IDS)
    children = draw(st.lists(_trees(depth + 1), max_size=3)) if depth < 4 else []
    attribute = (f' class="{classes}"' if classes else "") + (f' id="{ident}"' if ident else "")
    return f"<{tag}{attribute}>{''.join(children)}</{tag}>"


@settings(max_examples=200, deadline=None)
@given(_trees(), st.sampled_from([
    ".a", ".a .b", ".a > .b", "div .c", "span.a", ".a-b p", ".b > a, .c", ".a .b .c", "li", ".a.b", "div.a.b",
    ".b.a > p", "#x", "div#x", "#x.a", "#y .a", ".a #x, #y", "p, .a", "#x#y", ".a [id]", "#x li", ".a-b *",
    ".a.c span", "div.b a[id=y]", "a[id=y]", "[id=x]", "li [id]", "div > span[id]", "span *", "div.a .b", ".a.c .b",
    "#y.a .c", "span[id] .a",
]))
def test_random_trees_agree_with_xpath(markup, css):
    root = parse_tree(f"<html><body>{markup}</body></html>")
    page = PageIndex(root)
    for scope in page.elements:
        assert page.select(css, scope) == select(scope, css)


HEAD = """<html><head><title>Trang</title><meta name="a" content="1"><link rel="canonical" href="/x">
<script>var a;</script></head><body><header><nav><a href="/">Trang chủ</a></nav></header>
<h1>Tiêu đề</h1><time datetime="2026-01-01">1/1</time><svg><title>icon</title></svg>
<div><script type="application/ld+json">{}</script><a href="/b">B</a></div><footer><a href="/f">F</a></footer>
</body></html>"""


@pytest.mark.parametrize("markup", [PAGE, HEAD])
def test_tagged_lists_what_iter_finds(markup):
    from scraper.parsing.pageindex import _WHOLE_PAGE_TAGS

    root = parse_tree(markup)
    page = PageIndex(root)
    for tag in (*_WHOLE_PAGE_TAGS, "div", "li", "svg", "missing"):
        assert page.tagged(tag) == list(root.iter(tag)), tag
        assert page.tagged(tag) == list(root.iter(tag)), tag  # asked again: the same answer


def test_structured_data_reads_the_same_with_or_without_the_index():
    from scraper.parsing.structured import read_structured

    root = parse_tree(HEAD)
    alone, indexed = read_structured(root), read_structured(root, PageIndex(root).tagged)
    assert alone == indexed and alone.page_title == "Trang" and alone.canonical == "/x"


@settings(max_examples=100, deadline=None)
@given(_trees())
def test_tagged_lists_what_iter_finds_on_random_trees(markup):
    root = parse_tree(f"<html><body>{markup}<a>x</a></body></html>")
    page = PageIndex(root)
    for tag in ("a", "li", "div", "span", "h1"):
        assert page.tagged(tag) == list(root.iter(tag))


def test_subtrees_keep_the_outermost_and_answer_by_position(page):
    from scraper.parsing.pageindex import Subtrees

    body, entry = page.select_one("#body"), page.select_one(".entry.detail")
    inner = page.select_one("#body div.entry")
    boxes = Subtrees(page)
    assert boxes.add(inner) and not boxes.covers(body)
    assert boxes.roots_inside(entry) == [inner]
    assert boxes.add(body)  # swallows the inner one
    assert not boxes.add(inner) and boxes.roots_inside(entry) == [body]
    assert all(boxes.covers(e) for e in body.iter()) and not boxes.covers(page.select_one("h1"))


@settings(max_examples=100, deadline=None)
@given(_trees(), st.data())
def test_add_all_keeps_what_adding_one_by_one_in_document_order_keeps(markup, data):
    from scraper.parsing.pageindex import Subtrees

    page = PageIndex(parse_tree(f"<html><body>{markup}</body></html>"))
    picks = data.draw(st.lists(st.sampled_from(page.elements), max_size=8))
    one_by_one, at_once = Subtrees(page), Subtrees(page)
    added = [e for e in sorted(picks, key=page.position.__getitem__) if one_by_one.add(e)]
    assert at_once.add_all(reversed(picks)) == added  # any order, repeats included
    assert (at_once._starts, at_once._ends) == (one_by_one._starts, one_by_one._ends)
    # On a set that holds subtrees already: each added as `add` would, in the order given.
    first = data.draw(st.sampled_from(page.elements))
    before, batch = Subtrees(page), Subtrees(page)
    before.add(first), batch.add(first)
    assert batch.add_all(picks) == [e for e in picks if before.add(e)]
    assert (batch._starts, batch._ends) == (before._starts, before._ends)


def _is_entry(name: str) -> bool:
    return name == "entry"


def _has_b(name: str) -> bool:
    return "b" in name


def test_named_remembers_answers_per_test_not_across_tests(page):
    entries = page.named(_is_entry)
    assert len(entries) == 4 and all("entry" in e.get("class").split() for e in entries)
    # The same class names asked with another test: that test's own answers.
    with_b = page.named(_has_b)
    assert {e.get("class") or e.get("id") for e in with_b} == {"b-maincontent", "article__body", "breadcrumb",
                                                              "breadcrumb-item", "breadcrumb-item active", "sub"}
    # Another page with the same names: the remembered answers hold, the new page's elements come back.
    other = PageIndex(parse_tree('<html><body><p class="entry">x</p><p class="other">y</p></body></html>'))
    assert [e.text for e in other.named(_is_entry)] == ["x"]
    assert page.with_hint("rumb") == page.with_hint("rumb") and not other.with_hint("rumb")


def _brute_named(page, test, ids=True):
    def holds(element):
        ident = element.get("id")
        return any(test(name) for name in (element.get("class") or "").split()) or bool(ids and ident and test(ident))

    return {element for element in page.elements if holds(element)}


@settings(max_examples=60, deadline=None)
@given(_trees(), st.sampled_from(["a", "b", "a-b", "-"]))
def test_named_and_the_class_table_agree_with_each_elements_attributes(markup, fragment):
    page = PageIndex(parse_tree(f'<html><body><div id="a-b" class="c">{markup}</div></body></html>'))
    test = _contains_any((fragment,))
    assert page.named(test) == _brute_named(page, test)
    assert page.named(test, ids=False) == _brute_named(page, test, ids=False)
    for name in ("a", "b", "c", "a-b"):
        classed = {e for e in page.elements if name in (e.get("class") or "").split()}
        assert set(page.classes.get(name, ())) == classed


@settings(max_examples=100, deadline=None)
@given(_trees())
def test_hints_and_the_id_table_agree_with_each_elements_attributes(markup):
    # Empty class and id attributes count as absent; ids come from an XPath, classes from get().
    root = parse_tree(f'<html id="top"><body><p class="" id="">e</p><div id="x" class="">{markup}</div></body></html>')
    page = PageIndex(root)
    ids = {}
    for element in page.elements:
        names, ident = element.get("class"), element.get("id")
        expected = f"{names} {ident}" if names and ident else names or ident or " "
        assert page.hint(element) == expected and type(page.hint(element)) is str
        if ident:
            ids.setdefault(ident, []).append(element)
    assert page.ids == ids and all(type(ident) is str for ident in page.ids)


def test_hint_pattern_answers_as_its_regex_and_forgets_when_full(monkeypatch):
    from scraper.parsing.pageindex import HintPattern

    pattern = HintPattern(r"(?:^|[\s_-])(author\w*|byline)(?:$|[\s_-])", 2)  # re.IGNORECASE
    hints = ["article__author ", "box-Byline x", "authority-box", "coauthors ", " ", "news-author-name id"]
    for _ in range(2):  # asked again: the remembered answers
        assert [pattern.search(h) for h in hints] == [pattern.regex.search(h) is not None for h in hints]
        assert [pattern.search(h) for h in hints] == [True, True, True, False, False, True]
    monkeypatch.setattr(HintPattern, "MAX_REMEMBERED", 3)
    pattern.search("one more")
    assert len(pattern._memo) <= 3 and pattern.search("article__author ")


def test_clear_memos_forgets_and_records_do_not_change():
    from scraper.parsing import clear_memos, parse_article
    from scraper.parsing import pageindex, sidebar
    from scraper.parsing.article import _DATE_CLASS

    html = PAGE.replace("<h1", "<div class='article__date'>11/10/2023 14:30</div><h1")
    url = "https://example.vn/tin-tuc/tieu-de-12345.html"
    first = parse_article(html, url)
    assert _DATE_CLASS._memo and pageindex._NAME_TESTS and pageindex._CLASS_LISTS and sidebar._SITE_LINKS
    clear_memos()
    assert not (_DATE_CLASS._memo or pageindex._NAME_TESTS or pageindex._CLASS_LISTS or sidebar._SITE_LINKS)
    assert parse_article(html, url) == first == parse_article(html, url)
