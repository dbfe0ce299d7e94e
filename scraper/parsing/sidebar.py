"""The lists around an article (related, latest, most-read): every article link outside the
body, grouped by the box it sits in and named by that box's visible heading."""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from urllib.parse import urlsplit

from lxml import etree

from ..items import SidebarItem
from ..sites import registered_host
from ..sites.base import SiteProfile
from .document import text_of
from .pageindex import HintPattern, PageIndex, Subtrees
from .text import normalize_text
from .urls import canonicalize_url, join_url

_EXCLUDED_REGION = re.compile(
    r"(?:^|[\s_-])(menu\w*|nav|navbar|navigation|breadcrumbs?|bread-crumb|tags?|keywords?|"
    r"topics?|hot-?tags?|share\w*|social\w*|megamenu|mega-menu)(?:$|[\s_-])"
    # The page's own header and footer, but not an "article-footer" that holds related lists.
    r"|(?:^|\s)(?:site-|page-|main-)?(?:header|footer)(?:$|[\s_-])",
    re.IGNORECASE,
)
_HEADING_CLASS = HintPattern(r"(?:^|[\s_-])(title\w*|head\w*|heading|name|label)(?:$|[\s_-])", re.IGNORECASE)
_TEASER_CLASS = HintPattern(r"sapo|desc|summary|teaser|lead|intro|excerpt|abstract", re.IGNORECASE)
_NON_ARTICLE_PATH = re.compile(r"/(chu-de|tag|tags|tu-khoa|topic|su-kien|event|tac-gia|author|tim-kiem|search)/", re.I)
_NUMBERS_ONLY = re.compile(r"[\d\s/:|.,-]+")  # a date or a counter, never a list's name
_ARTICLE_SLUG = re.compile(r"\d{4,}|\.(html?|vnp|aspx|php)$")


def looks_like_article(url: str) -> bool:
    """Generic guess for sites without a profile: a long slug with an id or a page extension."""
    parts = url.split("/", 3)
    path = "/" + parts[3].split("?", 1)[0].split("#", 1)[0] if len(parts) > 3 else "/"
    if path.endswith("/") or _NON_ARTICLE_PATH.search(path):
        return False
    last = path.rsplit("/", 1)[-1]
    return len(re.split(r"[-_]", last)) >= 4 and bool(_ARTICLE_SLUG.search(last))


def _article_url(absolute: str, site_host: str, profile: SiteProfile | None) -> str | None:
    """The canonical URL if `absolute` is an article of this site, else None."""
    host = absolute.split("/", 3)[2].split(":")[0].lower() if absolute.count("/") >= 2 else ""
    host = host[4:] if host.startswith("www.") else host
    if not host or (host != site_host and not host.endswith("." + site_host) and not site_host.endswith("." + host)):
        return None
    if profile is not None and profile.article_patterns:
        if not profile.is_article_url(absolute.split("#", 1)[0]):
            return None
    elif not looks_like_article(absolute):
        return None
    return canonicalize_url(absolute)


# Links of a site resolve the same from every page (menus, "latest" boxes): href -> canonical
# article URL or None, per (scheme, origin, host, profile), kept across pages of a crawl. The
# links that repeat number hundreds per site, so a small table per site holds them; bounded,
# an unattended crawl of every site keeps it under ~50 MB (16 sites x 20,000 links).
_SITE_LINKS: dict[tuple, dict] = {}
_SITE_LINKS_MAX = 20_000
_SITES_REMEMBERED = 16
_UNKNOWN = object()


def _site_links(key: tuple) -> dict:
    links = _SITE_LINKS.get(key)
    if links is None or len(links) > _SITE_LINKS_MAX:
        if links is None and len(_SITE_LINKS) >= _SITES_REMEMBERED:
            _SITE_LINKS.clear()
        links = _SITE_LINKS[key] = {}
    return links


class _Page:
    """What the grouping needs to know about one page, computed once."""

    def __init__(self, index: PageIndex, url: str, profile: SiteProfile | None, main_nodes, own_urls: set[str]):
        self.index = index
        self.url = url
        self.profile = profile
        self.host = registered_host(url)
        try:
            parts = urlsplit(url)
        except ValueError:  # a page URL the parser rejects: its relative links resolve to nothing
            parts = urlsplit("")
        self.scheme = parts.scheme or "https"
        self.origin = f"{self.scheme}://{parts.netloc}"
        self.own_urls = own_urls
        self.stops = set()
        for node in main_nodes:
            if node is not None:
                self.stops.update(node.iterancestors())
                self.stops.add(node)
        self._excluded: Subtrees | None = None  # header, footer, menus: found on first use
        self.site_links = _site_links((self.scheme, self.origin, self.host, profile))
        self._relative: dict = {}  # hrefs relative to this page's path
        self.boxes: dict = {}
        # The page's links to article URLs in document order (positions, URLs, and for each the
        # index where its run of links to the same URL starts): filled by read_links.
        self.link_positions: list[int] = []
        self.link_urls: list[str] = []
        self.link_runs: list[int] = []
        self.headings: dict = {}
        self.headings_before: dict = {}  # element -> (distance, nearest preceding heading sibling) or None

    def resolve(self, href: str | None) -> str | None:
        """The canonical article URL a link points to, or None (memoized: menus repeat links)."""
        url = self.site_links.get(href, _UNKNOWN)
        if url is _UNKNOWN:
            url = self._relative.get(href, _UNKNOWN)
            if url is _UNKNOWN:
                url = self._resolve(href)
        return None if url is None or url in self.own_urls else url

    def _resolve(self, href: str | None) -> str | None:
        if not href or href.startswith(("javascript:", "mailto:", "tel:", "#", "data:")):
            self.site_links[href] = None
            return None
        stripped = href.strip()
        if stripped.startswith(("http://", "https://")):
            absolute = stripped
        elif stripped.startswith("//"):
            absolute = self.scheme + ":" + stripped
        elif stripped.startswith("/"):
            absolute = self.origin + stripped
        else:
            absolute = join_url(self.url, stripped)  # None: a link urllib cannot parse
            url = self._relative[href] = _article_url(absolute, self.host, self.profile) if absolute else None
            return url
        # Independent of the page's own path: shared by every page of the site.
        url = self.site_links[href] = _article_url(absolute, self.host, self.profile)
        return url

    def read_links(self) -> list[tuple]:
        """(link, canonical URL) for each link of the page to an article, in document order;
        their positions go to the tables that links_only_to reads."""
        known, resolve, own = self.site_links, self.resolve, self.own_urls
        positions, urls, runs, position = self.link_positions, self.link_urls, self.link_runs, self.index.position
        found = []
        for link in self.index.tagged("a"):
            # Most links were resolved on earlier pages of the site, most to None (menus,
            # sections): resolve's first lookup, made here without the call. Byte-string
            # attribute names, here and in this module's other hot reads, spare lxml an
            # encoding (20 to 45 ns a call).
            href = link.get(b"href")
            url = known.get(href, _UNKNOWN)
            if url is None:
                continue
            if url is _UNKNOWN:
                url = resolve(href)
                if not url:
                    continue
            elif url in own:
                continue
            runs.append(runs[-1] if urls and urls[-1] == url else len(urls))
            positions.append(position[link])
            urls.append(url)
            found.append((link, url))
        return found

    def links_only_to(self, element, url: str) -> bool:
        """Whether every article link inside `element` goes to `url`, and one does: two binary
        searches over the page's links instead of a walk of the element's."""
        first = bisect_left(self.link_positions, self.index.position[element])
        last = bisect_right(self.link_positions, self.index.end(element)) - 1
        return first <= last and self.link_runs[last] <= first and self.link_urls[first] == url

    def excluded(self, element) -> bool:
        """Whether the element is, or sits inside, the page's header, footer, a menu or a tag strip."""
        if self._excluded is None:
            self._excluded = self._excluded_boxes()
        return self._excluded.covers(element)

    def _excluded_boxes(self) -> Subtrees:
        """The excluded boxes, found once per page from the index's class and id tables instead
        of climbing from every link."""
        index = self.index
        boxes = Subtrees(index)
        found = index.named(_excluded_name)
        for tag in ("header", "nav", "footer"):
            found.update(index.tagged(tag))
        boxes.add_all(found)
        return boxes


def _excluded_name(name: str) -> bool:
    # The pattern never spans a space: testing each class name is testing the class list.
    return bool(_EXCLUDED_REGION.search(name))


def _is_heading(element, page: _Page) -> bool:
    known = page.headings.get(element)
    if known is None:
        known = page.headings[element] = _looks_like_heading(element, page)
    return known


def _looks_like_heading(element, page: _Page) -> bool:
    tag = element.tag  # lxml builds a new string each time it is read
    if not isinstance(tag, str) or tag in ("img", "figure", "script", "style"):
        return False
    if not (tag in ("h1", "h2", "h3", "h4", "h5", "h6") or _HEADING_CLASS.search(element.get(b"class") or "")):
        return False
    text = text_of(element)
    if not (2 <= len(text) <= 60) or _NUMBERS_ONLY.fullmatch(text):
        return False
    return not any(page.resolve(a.get(b"href")) for a in element.iter("a"))


_HEADING_REACH = 21  # a box's heading sits among the 21 siblings before the link's ancestor


def _heading_before(node, page: _Page) -> tuple[int, object] | None:
    """(distance, element) of the nearest preceding sibling of `node` that is a heading, or
    None. Remembered per node and derived from the previous sibling's answer, so a list of n
    items costs n heading tests, not n times the reach."""
    memo = page.headings_before
    pending = []  # node, then its previous siblings, until one whose answer is known
    current = node
    while current not in memo:
        previous = current.getprevious()
        if previous is None:
            memo[current] = None
        elif _is_heading(previous, page):
            memo[current] = (1, previous)
        else:
            pending.append(current)
            current = previous
    answer = memo[current]
    for element in reversed(pending):
        answer = memo[element] = None if answer is None else (answer[0] + 1, answer[1])
    return memo[node]


def _find_box(link, page: _Page):
    """The box a link sits in and the box's visible name: the nearest heading among the
    preceding siblings of the link's ancestors, never climbing into the article itself."""
    node = link
    visited = []
    result = None
    for _ in range(8):
        if node in page.boxes:
            result = page.boxes[node]
            break
        visited.append(node)
        parent = node.getparent()
        if parent is None or parent in page.stops or parent.tag in ("body", "html"):
            result = (node, None)
            break
        nearest = _heading_before(node, page)
        if nearest is not None and nearest[0] <= _HEADING_REACH:
            result = (parent, text_of(nearest[1]))
            break
        node = parent
    result = result or (node, None)
    for seen in visited:  # siblings in a list share their climb: remember it
        page.boxes[seen] = result
    return result


_TEASER_ITEM_MAX = 400  # characters: a headline and its teaser, not a list


def _teaser(link, url: str, title: str, page: _Page) -> str | None:
    item = link
    parent = link.getparent()
    while parent is not None and parent not in page.stops:
        if not page.links_only_to(parent, url):  # the item: the largest ancestor linking only here
            break
        item, parent = parent, parent.getparent()
    for element in item.iter(etree.Element):
        if element is link:
            continue
        if element.tag == "p" or _TEASER_CLASS.search(element.get(b"class") or ""):
            text = text_of(element)
            if len(text) >= 30 and text != title and title not in text:
                return text
    # No element of its own: the teaser is the item's text beside the headline ("<td><a>title</a>
    # <br>teaser</td>"), in a small item.
    text = text_of(item)
    if title in text and len(text) <= _TEASER_ITEM_MAX:
        rest = normalize_text(text.replace(title, " ", 1)).strip(" -–|:")
        if len(rest) >= 30:
            return rest
    return None


def _title_for(link) -> str:
    return text_of(link) or normalize_text(link.get("title") or "")


def extract_sidebar(index: PageIndex, url: str, profile: SiteProfile | None, main_nodes,
                    inline_urls: Callable[[], set[str]], own_urls: set[str]) -> list[SidebarItem]:
    """The sidebar items of a page. `main_nodes`: the body container first, then the headline;
    `inline_urls()`: the canonical URLs the body's text links to (asked only when a link of
    a list sits inside the body container); `own_urls`: the page's own URLs."""
    page = _Page(index, url, profile, main_nodes, own_urls)
    body = main_nodes[0] if main_nodes else None
    groups: list[tuple[str | None, object, list]] = []  # (name, box, [(url, link)])
    seen_links = set()

    def add(name, box, link, link_url):
        for group in groups:
            if group[1] is box and group[0] == name:
                group[2].append((link_url, link))
                return
        groups.append((name, box, [(link_url, link)]))

    for spec in profile.sidebar if profile else ():
        for box in index.select(spec.box):
            heading = index.select_one(spec.name, box) if spec.name else None
            name = text_of(heading) or spec.fixed_name or None
            for link in index.select(spec.link, box):
                link_url = page.resolve(link.get(b"href"))
                if link_url:
                    add(name, box, link, link_url)
                    seen_links.add(link)
    for link, link_url in page.read_links():
        if seen_links and link in seen_links:
            continue
        if page.excluded(link):
            continue
        if body is not None and index.inside(link, body) and link_url in inline_urls():
            continue
        box, name = _find_box(link, page)
        add(name, box, link, link_url)

    items: list[SidebarItem] = []
    previous: tuple | None = None
    position = 0
    for name, box, entries in groups:
        # Consecutive boxes with one name and one parent are one list labelled per item.
        same_list = previous is not None and previous[0] == name and name is not None \
            and previous[1].getparent() is box.getparent()
        position = position if same_list else 0
        done = {i.url for i in items[len(items) - position:]} if same_list else set()
        titles: dict[str, str] = {}
        for link_url, link in entries:
            # The first worded link to a URL is its headline; later ones are teasers.
            if link_url not in titles:
                title = _title_for(link)
                if len(title.split()) >= 3:
                    titles[link_url] = title
        for link_url, link in entries:
            title = titles.get(link_url)  # only worded titles are kept
            if link_url in done or title is None:
                continue
            done.add(link_url)
            items.append(SidebarItem(list=name, title=title, url=link_url,
                                     teaser=_teaser(link, link_url, title, page), position=position))
            position += 1
        previous = (name, box)
    return _without_repeated_lists(items)


def _without_repeated_lists(items: list[SidebarItem]) -> list[SidebarItem]:
    """Each named list once. Responsive templates write a list twice, in a box shown on phones
    and in one shown on wider screens ("h-show-mobile", "h-show-pc"), one copy sometimes an
    item shorter: a list whose name an earlier list has, and whose URLs all appear there, is
    that list again. The copy with more items is kept, where the first copy stood. Unnamed
    lists are left alone: without a name, two boxes linking one article are not one list."""
    names = [item.list for item in items if item.position == 0 and item.list is not None]
    if len(names) == len(set(names)):  # no name twice: nothing to compare (most pages)
        return items
    lists: list[list[SidebarItem]] = []
    for item in items:
        if item.position == 0 or not lists:
            lists.append([])
        lists[-1].append(item)
    kept: list[list[SidebarItem]] = []
    named: dict[str, list[int]] = {}  # list name -> indexes in kept
    for current in lists:
        name = current[0].list
        if name is None:
            kept.append(current)
            continue
        urls = {item.url for item in current}
        for index in named.get(name, ()):
            earlier = {item.url for item in kept[index]}
            if urls <= earlier:
                break
            if earlier < urls:
                kept[index] = current
                break
        else:
            named.setdefault(name, []).append(len(kept))
            kept.append(current)
    return [item for each in kept for item in each]

