"""The body cleaner as it was first written: copy the body, cut what is not article, walk the
rest. Slow (a deep copy and a tree edit per cut) but plain to read; the fast cleaner in
scraper.parsing.body, which cuts nothing and skips instead, must give the same Body. Test-only."""
from __future__ import annotations

import re
from copy import deepcopy
from urllib.parse import urljoin

from lxml import etree

from scraper.items import Image
from scraper.parsing.body import (AUTHOR_CLASS, BOILERPLATE, BOILERPLATE_TEXT, _REMOVE_TAGS, Block, Body,
                                  _take_trailing_byline, _to_html, image_url)
from scraper.parsing.document import BLOCK_TAGS, class_and_id, raw_text, select, text_length, text_of
from scraper.parsing.text import normalize_text
from scraper.parsing.urls import canonicalize_url

_MARKED_BLOCKS = etree.XPath("descendant::*[@class or @id]")


def drop_tree(element) -> None:
    """Remove an element and its children, keeping the text that follows it."""
    parent = element.getparent()
    if parent is None:
        return
    if element.tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)


def _caption(container, img) -> str | None:
    if container is img:
        return None
    for el in container.iter("figcaption", "td", "p", "div", "span", "em"):
        if el.tag == "figcaption" or re.search(r"caption|desc|chu-?thich", el.get("class") or "", re.I):
            text = text_of(el)
            if text:
                return text
    if container.tag == "table":
        text = text_of(container)
        return text or None
    return None


def _removable(element, body_text_len: int) -> bool:
    # Never cut a box that holds most of the article: class names lie more often than sizes.
    return len(raw_text(element)) < max(200, body_text_len * 0.4)


def clean_body(body_el, base_url: str, drop: tuple[str, ...] = (), known: tuple[str, ...] = (),
               header: list | None = None) -> Body:
    """Paragraphs, images and clean HTML of the article body. `known` holds title and sapo,
    which some CMSs repeat inside the body; `header` the headline and lead elements when a
    template places them inside the body container."""
    paths = [_path_from(body_el, element) for element in header or ()]
    body = deepcopy(body_el)
    body.tail = None
    _drop_header(body, paths)
    for element in list(body.iter(*_REMOVE_TAGS)):
        if element is not body and element.getparent() is not None:
            drop_tree(element)
    for css in drop:
        for element in select(body, css):
            if element is not body and element.getparent() is not None:
                drop_tree(element)
    result = Body()
    total = text_length(body)
    for element in _MARKED_BLOCKS(body):
        if element.getparent() is None or element.tag not in BLOCK_TAGS:
            continue  # an inline link classed "cms-relate" is still part of its sentence
        hints = class_and_id(element)
        if AUTHOR_CLASS.search(hints) and len(raw_text(element).strip()) <= 200:
            result.byline = result.byline or text_of(element) or None
            drop_tree(element)
        elif BOILERPLATE.search(hints) and _removable(element, total):
            drop_tree(element)
    blocks = _walk(body, base_url)
    known_set = {k for k in known if k}
    kept: list[Block] = []
    for block in blocks:
        if block.kind != "img" and (block.text in known_set or BOILERPLATE_TEXT.match(block.text)):
            continue
        kept.append(block)
    _take_trailing_byline(kept, result)
    result.paragraphs = [b.text for b in kept if b.kind != "img"]
    result.images = [b.image for b in kept if b.kind == "img" and b.image]
    result.html = _to_html(kept)
    result._inline_urls = {canonicalize_url(urljoin(base_url, a.get("href"))) for a in body.iter("a") if a.get("href")}
    return result


def _path_from(root, element) -> list[int]:
    """Child indexes leading from `root` down to `element`."""
    path = []
    while element is not root:
        parent = element.getparent()
        path.append(parent.index(element))
        element = parent
    return path[::-1]


def _drop_header(body, paths: list[list[int]]) -> None:
    """Remove the headline's block from the body copy: the body's child that holds it when
    that child is small (a header), else just the elements themselves."""
    total = text_length(body)
    targets = []
    for path in paths:
        node = body
        for index in path:
            node = node[index]
        block = body[path[0]] if path else node
        targets.append(block if len(raw_text(block)) < 0.4 * total else node)
    for target in targets:
        if target is not body and target.getparent() is not None:
            drop_tree(target)


def _walk(body, base_url: str) -> list[Block]:
    blocks: list[Block] = []
    buffer: list[str] = []
    current_kind = ["p"]
    current = [None]

    def flush() -> None:
        if not buffer:
            return
        raw = "".join(buffer)
        buffer.clear()
        if raw.isspace():
            return
        if "\u2028" in raw:
            text = "\n".join(line for line in map(normalize_text, raw.split("\u2028")) if line)
        else:
            text = normalize_text(raw)
        if text:
            blocks.append(Block(current_kind[0], text, element=current[0]))

    walker = etree.iterwalk(body, events=("start", "end"))
    for event, element in walker:
        tag = element.tag
        if not isinstance(tag, str):
            continue
        if event == "start":
            if tag == "img":
                flush()
                url = image_url(element, base_url)
                if url:
                    blocks.append(Block("img", image=Image(url=url, caption=None)))
                continue
            if tag in ("figure", "table") and element is not body and element.find(".//img") is not None \
                    and len(raw_text(element)) < 600:
                flush()
                img = element.find(".//img")
                url = image_url(img, base_url)
                if url:
                    blocks.append(Block("img", image=Image(url=url, caption=_caption(element, img))))
                walker.skip_subtree()
                continue
            if tag in BLOCK_TAGS:
                flush()
                current_kind[0] = tag if tag in ("h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre") else "p"
                current[0] = element
            elif tag == "br":
                buffer.append("\u2028")
            elif tag in ("td", "th"):
                buffer.append(" ")
            text = element.text
            if text:
                buffer.append(text)
        else:
            if tag in BLOCK_TAGS:
                flush()
            if element is not body:
                tail = element.tail
                if tail:
                    buffer.append(tail)
    flush()
    return blocks
