"""The fast body cleaner (skips what it cuts, never copies the tree) agrees with the plain
copy-and-cut reference on real pages and on random bodies full of things to cut."""
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from scraper.parsing.body import clean_body
from scraper.parsing.document import parse_tree
from scraper.parsing.pageindex import PageIndex

from .reference_body import clean_body as reference_clean_body

URL = "https://example.gov.vn/tin-tuc/bai-1.html"
CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"

_TEXT = st.sampled_from(["Đoạn văn bản", "Hà Nội, ngày 5/3", "  ", "\n", "Thu Hà", "(Theo TTXVN)", "Tham khảo thêm",
                         "Bài viết hay? Hãy đánh giá bài viết", "một câu rất dài, có dấu phẩy, để đủ độ dài cho đoạn văn"])
_CLASSES = st.sampled_from(["", "", "share-tools", "related-news", "author", "byline", "content", "tag-list", "caption",
                            "note", "box-news"])
_TAGS = st.sampled_from(["p", "div", "span", "b", "em", "a", "figure", "figcaption", "table", "td", "script", "style",
                         "h2", "li", "ul", "br", "img", "blockquote", "strong"])


@st.composite
def _node(draw, depth=0):
    tag = draw(_TAGS)
    attributes = ""
    classes = draw(_CLASSES)
    if classes:
        attributes += f' class="{classes}"'
    if tag == "img":
        return f'<img src="/anh/{draw(st.integers(0, 9))}.jpg">{draw(_TEXT)}'
    if tag == "a":
        attributes += f' href="/bai-{draw(st.integers(0, 9))}.html"'
    if tag == "p" and draw(st.booleans()):
        attributes += ' style="text-align: right"'
    children = draw(st.lists(_node(depth + 1), max_size=3)) if depth < 4 and tag != "br" else []
    inner = draw(_TEXT) + "".join(children)
    return f"<{tag}{attributes}>{inner}</{tag}>{draw(_TEXT)}"


def _same(body_el, root, **kwargs):
    fast = clean_body(body_el, URL, PageIndex(root), **kwargs)
    slow = reference_clean_body(body_el, URL, **kwargs)
    assert fast.paragraphs == slow.paragraphs
    assert fast.images == slow.images
    assert fast.html == slow.html
    assert fast.inline_urls == slow.inline_urls
    assert fast.byline == slow.byline


@settings(max_examples=250, deadline=None)
@given(st.lists(_node(), min_size=1, max_size=6), st.sampled_from([(), (".note",), (".note", "figure")]))
def test_random_bodies_clean_alike(children, drop):
    root = parse_tree(f"<html><body><h1>Tiêu đề</h1><div id='body'>{''.join(children)}</div></body></html>")
    body_el = root.find(".//div[@id='body']")
    _same(body_el, root, drop=drop, known=("Tiêu đề",))


@settings(max_examples=100, deadline=None)
@given(st.lists(_node(), min_size=1, max_size=5))
def test_random_bodies_with_the_headline_inside_clean_alike(children):
    root = parse_tree(f"<html><body><div id='body'><div class='head'><h1>Tiêu đề</h1><p>Sapo dài</p></div>"
                      f"{''.join(children)}</div></body></html>")
    body_el = root.find(".//div[@id='body']")
    header = [root.find(".//h1"), root.find(".//div[@class='head']/p")]
    _same(body_el, root, header=header)


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")
def test_corpus_bodies_clean_alike():
    from scraper.parsing.body import find_body_generic

    checked = 0
    for path in sorted(CORPUS.rglob("*.htm*")):
        root = parse_tree(path.read_bytes())
        body_el = find_body_generic(root) if root is not None else None
        if body_el is None:
            continue
        _same(body_el, root, drop=(".sda_middle", ".related-news", "[type=RelatedNewsBox]"))
        checked += 1
    assert checked >= 20


LONG = "<p>Một đoạn văn đủ dài của bài viết, có dấu phẩy, và kết thúc bằng dấu chấm.</p>"


@pytest.mark.parametrize("markup, drop", [
    # A bold-only last line is a byline even with a script beside the bold.
    (LONG + "<p><b>Thu Hà</b><script>var x = 1;</script></p>", ()),
    (LONG + "<p><script>var x = 1;</script> <b>Thu Hà</b> </p>", ()),
    # Captions leave out what is cut inside the figure.
    (LONG + "<figure><img src='/a.jpg'><figcaption>Ảnh: TTXVN<script>var x;</script></figcaption></figure>", ()),
    (LONG + "<figure><img src='/a.jpg'><div class='note'><figcaption>Ẩn</figcaption></div>"
            "<figcaption>Hiện</figcaption></figure>", (".note",)),
    (LONG + "<figure><div class='note'><img src='/an.jpg'></div><img src='/hien.jpg'></figure>", (".note",)),
    (LONG + "<table><tr><td><img src='/a.jpg'></td></tr><tr><td>Chú thích<style>p{}</style></td></tr></table>", ()),
])
def test_cuts_inside_kept_elements(markup, drop):
    root = parse_tree(f"<html><body><div id='body'>{markup}</div></body></html>")
    body_el = root.find(".//div[@id='body']")
    _same(body_el, root, drop=drop)
    result = clean_body(body_el, URL, PageIndex(root), drop=drop)
    assert not any("var x" in p or "p{}" in p or "Ẩn" in p for p in result.paragraphs)
    assert not any(i.caption and ("var" in i.caption or "Ẩn" in i.caption or "{}" in i.caption) for i in result.images)


def _reference_text_holders(root):
    """_text_holders' definition: paragraphs and headings, and the <div>s and <td>s with text of
    their own (their text or a child's tail) and no block children."""
    from scraper.parsing.body import _CONTAINER_TAGS

    found = []
    for element in root.iter("p", "h2", "h3", "pre", "blockquote", "div", "td"):
        if element.tag in ("div", "td"):
            own = [element.text] + [child.tail for child in element]
            if not any(text and not text.isspace() for text in own):
                continue
            if any(child.tag in _CONTAINER_TAGS for child in element):
                continue
        found.append(element)
    return found


@settings(max_examples=150, deadline=None)
@given(st.lists(_node(), min_size=1, max_size=5))
def test_text_holders_are_their_definition(children):
    from scraper.parsing.body import _text_holders

    root = parse_tree(f"<html><body><div>{''.join(children)}</div><td>x</td></body></html>")
    assert list(_text_holders(root)) == _reference_text_holders(root)
