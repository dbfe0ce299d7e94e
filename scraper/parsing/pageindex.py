"""One walk of a parsed page that answers the whole-page queries extraction asks many times.

libxml2 evaluates an XPath predicate at roughly 100 ns an element, so every profile selector
and every "element whose class contains ..." search used to cost a scan of the whole page.
PageIndex walks the tree once (elements in document order, their classes and ids) and answers
the simple CSS selectors that site profiles use (tags, classes, ids, [attr] and [attr=value],
descendant and child combinators, comma groups) from it. Anything else falls back to XPath, so
a selector means the same thing whichever path answers it."""
from __future__ import annotations

import bisect
import re
import weakref
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from cssselect import SelectorError, parse as parse_css
from cssselect.parser import Attrib, Class, CombinedSelector, Element, Hash
from lxml import etree

from .document import select as xpath_select, text_length


@dataclass(frozen=True)
class _Compound:
    """One compound selector such as div.a.b#c[type=x]."""

    tag: str | None
    classes: tuple[str, ...]
    ids: tuple[str, ...]
    # (name as UTF-8 bytes, which lxml reads without encoding it, and the required value or
    # None for "exists")
    attrs: tuple[tuple[bytes, str | None], ...]

    def matches(self, element) -> bool:
        if self.tag is not None and element.tag != self.tag:
            return False
        # Loops, not any(): a generator costs more than the test (this runs for every candidate).
        if self.classes:
            have = (element.get(b"class") or "").split()
            for name in self.classes:
                if name not in have:
                    return False
        if self.ids:
            ident = element.get(b"id")
            for value in self.ids:
                if ident != value:
                    return False
        return self.has_attrs(element)

    def has_attrs(self, element) -> bool:
        """The attribute part of `matches`, for elements drawn by tag."""
        for name, value in self.attrs:
            actual = element.get(name)
            if actual is None or (value is not None and actual != value):
                return False
        return True


class HintPattern:
    """A regular expression over class and id strings ("article__body cms-body") whose
    answers are remembered. A site's pages repeat the same strings, and these patterns
    (alternations under IGNORECASE) cost 1 to 6 us a search here; a remembered answer, 0.1 us."""

    __slots__ = ("regex", "_memo", "__weakref__")
    MAX_REMEMBERED = 20_000  # unique ids ("post-12345") would otherwise grow it page after page
    ALL: "weakref.WeakSet[HintPattern]" = weakref.WeakSet()  # for clear_memos()

    def __init__(self, pattern: str, flags: int = 0):
        self.regex = re.compile(pattern, flags)
        self._memo: dict[str, bool] = {}
        HintPattern.ALL.add(self)

    def forget(self) -> None:
        self._memo.clear()

    def search(self, text: str) -> bool:
        """Whether the pattern occurs in `text` (a bool, not a match)."""
        known = self._memo.get(text)
        if known is None:
            if len(self._memo) >= self.MAX_REMEMBERED:
                self._memo.clear()
            known = self._memo[text] = self.regex.search(text) is not None
        return known


class _Chain(NamedTuple):
    """One selector of a comma group, read right to left."""

    subject: _Compound
    # What of the subject its class or id table leaves to test; None when it names neither (its
    # candidates are drawn by tag, and only its attributes are left to test).
    residual: _Compound | None
    rest: tuple[tuple[str, _Compound], ...]  # (combinator, compound) pairs leftwards
    # "X a", ".x .y": the only step leftwards is a descendant of a compound naming a class or id
    # (an unnamed subject is drawn from under each X; a named one is kept when inside one).
    anchored: bool


@lru_cache(maxsize=1024)
def _residual(compound: _Compound) -> _Compound | None:
    """What is left to test of an element drawn from the index's table for the compound's
    first id (or, with no id, its first class): None when the table answers it all."""
    if compound.ids:
        left = _Compound(compound.tag, compound.classes, compound.ids[1:], compound.attrs)
    else:
        left = _Compound(compound.tag, compound.classes[1:], (), compound.attrs)
    if left.tag is None and not (left.classes or left.ids or left.attrs):
        return None
    return left


def _compound(tree) -> _Compound | None:
    tag, classes, ids, attrs = None, [], [], []
    node = tree
    while not isinstance(node, Element):
        if isinstance(node, Class):
            classes.append(node.class_name)
        elif isinstance(node, Hash):
            ids.append(node.id)
        elif isinstance(node, Attrib) and node.namespace is None and node.operator in ("exists", "="):
            value = getattr(node.value, "value", node.value)
            attrs.append((node.attrib.lower().encode(), None if node.operator == "exists" else value))
        else:
            return None  # pseudo-classes, :not(), ~=, ^= ...: XPath answers those
        node = node.selector
    if node.namespace is not None:
        return None
    if node.element not in (None, "*"):
        tag = node.element.lower()
    return _Compound(tag, tuple(classes), tuple(ids), tuple(attrs))


@lru_cache(maxsize=512)
def _compile(css: str) -> tuple[_Chain, ...] | None:
    try:
        selectors = parse_css(css)
    except SelectorError:
        return None
    chains = []
    for selector in selectors:
        if selector.pseudo_element is not None:
            return None
        steps = []
        node = selector.parsed_tree
        while isinstance(node, CombinedSelector):
            if node.combinator not in (" ", ">"):
                return None
            right = _compound(node.subselector)
            if right is None:
                return None
            steps.append((node.combinator, right))
            node = node.selector
        left = _compound(node)
        if left is None:
            return None
        steps.append((None, left))
        # steps: subject first, each with the combinator that links it to the next one leftwards.
        subject = steps[0][1]
        rest = tuple((steps[i][0], steps[i + 1][1]) for i in range(len(steps) - 1))
        named = bool(subject.ids or subject.classes)
        anchored = len(rest) == 1 and rest[0][0] == " " and bool(rest[0][1].ids or rest[0][1].classes)
        chains.append(_Chain(subject, _residual(subject) if named else None, rest, anchored))
    return tuple(chains)


class PageIndex:
    """Elements of one page in document order, by class token and by id."""

    def __init__(self, root):
        self.root = root
        self.elements: list = list(root.iter(etree.Element))
        self.position: dict = dict(zip(self.elements, range(len(self.elements))))
        self.classes: dict[str, list] = defaultdict(list)
        self.ids: dict[str, list] = defaultdict(list)
        self.hints: dict = {}  # element -> "class id" (either alone when only one is set)
        classes, ids, hints = self.classes, self.ids, self.hints
        for element in self.elements:
            # Byte-string keys: lxml skips encoding the attribute name, a quarter of each call.
            names = element.get(b"class")
            if not names:
                continue
            hints[element] = names  # most elements: no string to build
            split = _CLASS_LISTS.get(names)
            if split is None:
                if len(_CLASS_LISTS) >= _NAME_TESTS_MAX:
                    _CLASS_LISTS.clear()
                # Each name once ("item item" is one class): a table lists an element once.
                split = names.split()
                if len(split) > 1 and len(set(split)) < len(split):
                    split = list(dict.fromkeys(split))
                _CLASS_LISTS[names] = split
            for name in split:
                classes[name].append(element)
        # Ids from one XPath, in document order: a few elements a page have one, and an
        # element.get() costs about 800 instructions even when the attribute is absent.
        for ident in _ID_ATTRIBUTES(root):
            if ident:
                element = ident.getparent()
                ident = str(ident)  # the plain string, not lxml's result that holds the element
                names = hints.get(element)
                hints[element] = f"{names} {ident}" if names else ident
                ids[ident].append(element)
        self._ends: dict = {}
        self._lengths: dict = {}
        self._tagged: dict | None = None

    def tagged(self, tag: str) -> list:
        """The page's elements with this tag, in document order (do not change the list). The
        tags that extraction looks for across the whole page come from one walk of the tree in
        C on first use: nine single-tag walks cost twice as much."""
        if self._tagged is None:
            self._tagged = {name: [] for name in _WHOLE_PAGE_TAGS}
            for element in self.root.iter(*_WHOLE_PAGE_TAGS):
                self._tagged[element.tag].append(element)
        found = self._tagged.get(tag)
        if found is None:
            found = self._tagged[tag] = list(self.root.iter(tag))
        return found

    def length(self, element) -> int:
        """len(raw_text(element)), memoized: the tree is read, never changed, after indexing."""
        known = self._lengths.get(element)
        if known is None:
            known = self._lengths[element] = text_length(element)
        return known

    def hint(self, element) -> str:
        """The element's class and id, space-separated; either alone when only one is set, " "
        when neither is (what class-name patterns read: the same answers as class_and_id's)."""
        return self.hints.get(element, " ")

    # -- positions ---------------------------------------------------------------------------

    def end(self, element) -> int:
        """Position of the last element inside `element` (its own position when it has none)."""
        known = self._ends.get(element)
        if known is not None:
            return known
        node = element
        result = len(self.elements) - 1
        while node is not None:
            following = node.getnext()
            while following is not None and not isinstance(following.tag, str):
                following = following.getnext()
            # libxml2 puts what follows </html> in a second root element, which is not indexed.
            index = self.position.get(following) if following is not None else None
            if index is not None:
                result = index - 1
                break
            node = node.getparent()
        self._ends[element] = result
        return result

    def inside(self, element, container) -> bool:
        """Whether `element` is `container` or one of its descendants."""
        start = self.position[container]
        return start <= self.position[element] <= self.end(container)

    def preceding(self, element, n: int) -> list:
        """Up to n elements before `element` in document order, ancestors excluded (XPath's
        preceding:: axis), in document order."""
        if n <= 0:
            return []
        ancestors = set(element.iterancestors())
        position = self.position[element]
        # Every ancestor comes before the element, so the n + depth elements before it hold at
        # least n that are not ancestors (when the page has that many): one slice, no climb.
        window = self.elements[max(0, position - n - len(ancestors)):position]
        return [candidate for candidate in window if candidate not in ancestors][-n:]

    def following(self, element, n: int) -> list:
        """Up to n elements after `element`'s subtree (XPath's following:: axis)."""
        start = self.end(element) + 1
        return self.elements[start:start + n]

    def named(self, test, ids: bool = True) -> set:
        """Elements with a class name (or id) for which `test(name)` holds: one test per
        distinct name, remembered across pages (a site's pages share their class names).
        `test` must be a long-lived function, not a lambda made per call."""
        state = _NAME_TESTS.get(test)
        if state is None or len(state[0]) > _NAME_TESTS_MAX:
            state = _NAME_TESTS[test] = ({}, set())
        memo, passed = state  # name -> test(name); the names that passed
        found = set()
        for table in (self.classes, self.ids) if ids else (self.classes,):
            names = table.keys()
            # Set operations in C instead of a Python loop over the page's few hundred names.
            if not memo.keys() >= names:  # names not met on earlier pages
                for name in names:
                    if name not in memo and memo.setdefault(name, bool(test(name))):
                        passed.add(name)
            for name in names & passed:
                found.update(table[name])
        return found

    def with_hint(self, *fragments: str) -> list:
        """Elements whose class or id contains any of `fragments` (substring, case-sensitive),
        in document order."""
        found = self.named(_contains_any(fragments))
        return sorted(found, key=self.position.__getitem__)

    # -- selectors ---------------------------------------------------------------------------

    def select(self, css: str, within=None) -> list:
        """Elements matching `css` under `within` (default: the page), in document order,
        including `within` itself: the same answer as document.select."""
        scope = self.root if within is None else within
        if not css or scope is None:
            return []
        chains = _compile(css)
        if chains is None or scope not in self.position:
            return xpath_select(scope, css)
        start, stop = self.position[scope], self.end(scope)
        if len(chains) == 1:
            return self._chain(chains[0], scope, start, stop)  # in document order already
        found = set()
        for chain in chains:
            found.update(self._chain(chain, scope, start, stop))
        return sorted(found, key=self.position.__getitem__)

    def select_one(self, css: str, within=None):
        found = self.select(css, within)
        return found[0] if found else None

    def _chain(self, chain: _Chain, scope, start: int, stop: int) -> list:
        """Elements matching one selector, in document order and each once."""
        subject, residual, rest, anchored = chain
        if subject.ids or subject.classes:
            candidates = self._named(subject, start, stop)
        else:
            candidates = self._candidates(subject, rest, start, stop)  # each has the subject's tag
            if anchored or not rest:  # anchored: each lies under a matching anchor too
                return [c for c in candidates if subject.has_attrs(c)] if subject.attrs else candidates
            return [candidate for candidate in candidates
                    if (not subject.attrs or subject.has_attrs(candidate)) and _match_left(candidate, rest, 0, scope)]
        if residual is None and not rest:
            return candidates  # ".article__body": the class table is the answer
        if anchored:
            # ".article__author .name": inside an element of the anchor's table, by position,
            # not by a climb from every candidate through all its ancestors.
            boxes = Subtrees(self)
            boxes.add_all(self._matching(rest[0][1], start, stop))
            return [candidate for candidate in candidates
                    if (residual is None or residual.matches(candidate)) and boxes.holds(candidate)]
        return [candidate for candidate in candidates
                if (residual is None or residual.matches(candidate)) and _match_left(candidate, rest, 0, scope)]

    def _candidates(self, subject: _Compound, rest, start: int, stop: int) -> list:
        """Elements with the tag of `subject`, which names no class or id, that may match it, in
        document order: from under the elements matching the nearest compound to its left that
        names one (".breadcrumb a" looks under each .breadcrumb, not at every link), else by tag."""
        for _, anchor in rest:
            if anchor.ids or anchor.classes:
                tag = subject.tag or etree.Element
                found = {}  # anchors come in document order; a nested one adds nothing new
                for element in self._matching(anchor, start, stop):
                    for candidate in element.iter(tag):
                        if candidate is not element:
                            found[candidate] = None
                return list(found)
        if subject.tag is not None:
            # The scope's subtree is elements[start:stop + 1]: iter() finds the tag in it in C.
            return list(self.tagged(subject.tag)) if start == 0 else list(self.elements[start].iter(subject.tag))
        return self.elements[start:stop + 1]

    def _matching(self, compound: _Compound, start: int, stop: int) -> list:
        """The elements between two positions that match a compound naming an id or class, in
        document order."""
        left = _residual(compound)
        found = self._named(compound, start, stop)
        return found if left is None else [element for element in found if left.matches(element)]

    def _named(self, compound: _Compound, start: int, stop: int) -> list:
        """The elements of the table for the compound's first id or class between two
        positions, in document order (a new list: callers may keep it)."""
        pool = self.ids.get(compound.ids[0], ()) if compound.ids else self.classes.get(compound.classes[0], ())
        if start == 0 and stop == len(self.elements) - 1:
            return list(pool)
        position = self.position
        return [element for element in pool if start <= position[element] <= stop]


# Looked for across the whole page: links (sidebar), head metadata, dates, headlines, and the
# page's own header, navigation and footer.
_WHOLE_PAGE_TAGS = ("a", "meta", "link", "script", "title", "time", "h1", "header", "nav", "footer")
_ID_ATTRIBUTES = etree.XPath("descendant-or-self::*/@id")  # smart strings: each knows its element
_NAME_TESTS: dict = {}  # test -> ({class name or id: bool}, {the names for which it is True})
_CLASS_LISTS: dict[str, list[str]] = {}  # class attribute -> its names (templates repeat them)
_NAME_TESTS_MAX = 20_000


@lru_cache(maxsize=64)
def _contains_any(fragments: tuple[str, ...]):
    """The test "contains one of these fragments", one function per fragment list."""
    return lambda name: any(fragment in name for fragment in fragments)


def _match_left(element, rest, index: int, scope) -> bool:
    """Whether the compounds left of `element`'s match hold, never looking above `scope`."""
    if index == len(rest):
        return True
    combinator, compound = rest[index]
    if element is scope:
        return False
    parent = element.getparent()
    if combinator == ">":
        return parent is not None and compound.matches(parent) and _match_left(parent, rest, index + 1, scope)
    node = parent
    while node is not None:
        if compound.matches(node) and _match_left(node, rest, index + 1, scope):
            return True
        if node is scope:
            break
        node = node.getparent()
    return False


class Subtrees:
    """A set of subtrees of an indexed page, kept as the position ranges of the outermost ones:
    "is this element in one of them?" is a binary search, not a climb through its ancestors."""

    def __init__(self, page: PageIndex):
        self.page = page
        self._starts: list[int] = []
        self._ends: list[int] = []

    def add(self, element) -> bool:
        """Add the element's subtree; False when an added subtree already holds it."""
        if self.covers(element):
            return False
        start, end = self.page.position[element], self.page.end(element)
        index = bisect.bisect_left(self._starts, start)
        stop = index  # an outer subtree swallows the ones inside it
        while stop < len(self._starts) and self._starts[stop] <= end:
            stop += 1
        self._starts[index:stop] = [start]
        self._ends[index:stop] = [end]
        return True

    def add_all(self, elements) -> list:
        """Add many subtrees at once; the elements whose subtrees were added (as `add` answers
        True). On an empty set, in document order: an element inside the last one added needs
        no search and no end position (menus list dozens of "menu-item"s)."""
        if self._starts:
            return [element for element in elements if Subtrees.add(self, element)]
        position, end = self.page.position, self.page.end
        starts, ends, added = self._starts, self._ends, []
        last = -1
        for element in sorted(elements, key=position.__getitem__):
            start = position[element]
            if start > last:  # not inside the last one added (nor the same element again)
                last = end(element)
                starts.append(start)
                ends.append(last)
                added.append(element)
        return added

    def holds(self, element) -> bool:
        """Whether the element is inside an added subtree, not its root."""
        position = self.page.position[element]
        index = bisect.bisect_left(self._starts, position) - 1
        return index >= 0 and position <= self._ends[index]

    def covers(self, element) -> bool:
        """Whether the element is the root of an added subtree or inside one."""
        position = self.page.position[element]
        index = bisect.bisect_right(self._starts, position) - 1
        return index >= 0 and position <= self._ends[index]

    def roots_inside(self, element) -> list:
        """The outermost added subtrees strictly inside the element."""
        start, end = self.page.position[element], self.page.end(element)
        first, last = bisect.bisect_right(self._starts, start), bisect.bisect_right(self._starts, end)
        return [self.page.elements[position] for position in self._starts[first:last]]
