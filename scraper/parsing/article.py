"""parse_article(html, url) -> Article, in layers: structured metadata, the site profile's
selectors, then generic heuristics. Whatever cannot be read becomes None plus a warning."""
from __future__ import annotations

import gc
import re
import unicodedata
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

from ..items import FOREIGN_CANONICAL, HOME_TITLE, LISTED_HEADLINE, SECTION_PAGE, Article, Image, article_id
from ..sites import profile_for_url, registered_host, site_name
from ..sites.base import Selectors, SiteProfile
from . import PARSER_VERSION
from .body import AUTHOR_CLASS, Body, clean_body, find_body_generic, image_url
from .dates import INFERRED_YEAR, NO_YEAR, has_time_of_day, parse_vietnamese_datetime, shows_year, to_iso
from .document import has_text, read_page, text_of
from .pageindex import HintPattern, PageIndex
from .sidebar import extract_sidebar, looks_like_article
from .structured import Structured, read_structured
from .text import normalize_text, strip_source_prefix
from .urls import canonicalize_url, join_url

_DATE_CLASS = HintPattern(r"date|time|publish|posted|ngay|thoi-?gian", re.IGNORECASE)
_SAPO_CLASS = HintPattern(r"(?:^|[\s_-])(sapo\w*|lead|summary|desc|description|intro|abstract|chapeau|excerpt)(?:$|[\s_-])", re.I)
_BREADCRUMB = HintPattern(r"bread-?crumb", re.IGNORECASE)
_TAG_BOX = HintPattern(r"(?:^|[\s_-])(tags?|keywords?|tu-khoa)(?:$|[\s_-])", re.IGNORECASE)
_URL_DATE = re.compile(r"/(20\d{2})/(\d{1,2})/(\d{1,2})/")
_AUTHOR_PREFIX = re.compile(r"^(tác giả|bài và ảnh|bài, ảnh|bài|ảnh|phóng viên|nhóm phóng viên|pv|by)\s*[:\-–]\s*", re.I)
_NOT_AUTHOR = re.compile(r"https?://|\.(vn|com|net|org)\b|^(báo|cổng thông tin|tạp chí|trang tin|admin)\b", re.I)
_DATE_IN_TEXT = re.compile(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{1,2}:\d{2}")
_HOME = {"trang chủ", "home", "trang chu", "trang nhất", "homepage"}  # lower-cased
_WORD = re.compile(r"\w+")
# Class names of an article's own headline box ("article-title", "detail__title", "title-detail",
# "cms-title", "entry-title"), not of list items ("story__title") or portal boxes ("portlet-title").
_HEADLINE_NAME = re.compile(
    r"(?:article|detail|post|entry|cms)[_-]*title|title[_-]*(?:detail|article|post)|headline", re.IGNORECASE)
_HEADLINE_MAX = 300  # characters
_LOGO = HintPattern(r"logo|brand", re.IGNORECASE)
_NAME_CLASS = HintPattern(r"(?:^|[\s_-])name(?:$|[\s_-])")
_VIETNAMESE = re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", re.IGNORECASE)


def parse_article(
    html: bytes | str,
    url: str,
    *,
    profile: SiteProfile | None = None,
    encoding: str | None = None,
    reference_time: datetime | None = None,
    generic: bool = False,
) -> Article:
    """The record for one article page. Never raises on page content: a page that cannot be
    read gives an Article whose fields are None and whose `warnings` say why.

    `generic=True` ignores site profiles (how the generic extractor is measured)."""
    if not gc.isenabled():
        return _parse(html, url, profile, encoding, reference_time, generic)
    # Extraction makes thousands of short-lived containers and no reference cycles (a test
    # holds it to that), so the cyclic collector's passes during it find nothing: paused, it
    # saves 3 to 4% of a page's time here.
    gc.disable()
    try:
        return _parse(html, url, profile, encoding, reference_time, generic)
    finally:
        gc.enable()


def _parse(html: bytes | str, url: str, profile: SiteProfile | None, encoding: str | None,
           reference_time: datetime | None, generic: bool) -> Article:
    if generic:
        profile = None
    elif profile is None:
        profile = profile_for_url(url)
    root, warnings = read_page(html, encoding)
    canonical = canonicalize_url(url)
    article = Article(
        id=article_id(canonical), url=url, canonical_url=canonical, site=site_name(url),
        parser_version=PARSER_VERSION, warnings=warnings,
    )
    if root is None:
        article.warnings.append("page is empty or not HTML")
        return article
    try:
        _fill(article, root, url, profile, reference_time)
    except RecursionError:
        article.warnings.append("document nested too deeply to read")
    return article


def _fill(article: Article, root, url: str, profile: SiteProfile | None, reference: datetime | None) -> None:
    page = PageIndex(root)
    found = read_structured(root, page.tagged)
    selectors = profile.selectors if profile else Selectors()
    canonical = _canonical(found, url)
    section = None
    if canonical != article.canonical_url and _names_a_section(canonical, url, profile):
        # An article's URL whose page calls itself the home page or a section: a soft 404 (the
        # page served in place of a withdrawn article), or a template that names every page
        # so. Its records must not all share the section's id: the page's own URL stays.
        section, canonical = canonical, article.canonical_url
        article.warnings.append(f"the page names {section} as its address, a home or section page; "
                                "its own URL is kept")
    elif canonical != article.canonical_url:  # the page names another canonical URL than its own
        other = _another_article(canonical, url, profile)
        if other:  # a syndicated article naming its source, or a template naming one article everywhere
            article.warnings.append(f"{FOREIGN_CANONICAL} {canonical} ({other}); its own URL is kept")
            canonical = article.canonical_url
        else:
            article.canonical_url = canonical
            article.id = article_id(canonical)
    article.language = found.language or None
    links_base = _base_href(root, url) or canonical  # what relative links and images are read against

    title_el = _title_element(page, selectors, found)
    body_el = page.select_one(selectors.body) if selectors.body else None
    if body_el is None or not has_text(body_el, 50):
        body_el = find_body_generic(root, page)
        if profile and selectors.body:
            article.warnings.append("profile body selector matched nothing; generic extractor used")
    article.title = _title(title_el, found)
    if article.title and found.title and not _overlaps(_fold(article.title), _fold(found.title)):
        article.warnings.append(f"headline rewritten for search engines: {found.title!r}")
    listed = _listed_headline(page, title_el, url, canonical) if title_el is not None else None
    if listed is not None:
        # A list served at an article's URL (a portal's list view, a soft 404 showing the
        # latest news): its "headline" is the first item's, and the record would be another
        # article's title (or its own, over the list) over a list. Rejected (no title), and
        # the warning says why.
        article.warnings.append(f"{LISTED_HEADLINE}: {listed}")
        article.title = None
    if article.title and article.title.lower() in _HOME:  # "Trang chủ": no article is titled so
        article.warnings.append(f"{HOME_TITLE}: {article.title!r}")
    region = HeaderRegion(page, title_el, body_el)
    sapo_el = _sapo_element(page, selectors, region)
    sapo = text_of(sapo_el) or found.description
    article.sapo = strip_source_prefix(sapo) if sapo else None
    if profile:
        # A profile's selector that stops matching is how a template change starts: say so.
        for name, selector, value in (("title", selectors.title, article.title), ("sapo", selectors.sapo, article.sapo)):
            if selector and page.select_one(selector) is None:
                article.warnings.append(f"profile {name} selector matched nothing; "
                                        + ("generic extractor used" if value else f"no {name} found"))

    body = Body()
    if body_el is not None:
        known = tuple(x for x in (article.title, sapo, article.sapo) if x)
        # Longform templates put the headline, lead and byline inside the body container.
        header = [el for el in (title_el, sapo_el) if el is not None and el is not body_el and page.inside(el, body_el)]
        body = clean_body(body_el, links_base, page, selectors.drop, known, header=header)
    article.body_text = "\n\n".join(body.paragraphs) or None
    article.body_html = body.html or None
    article.images = _lead_images(page, selectors, links_base) + body.images

    _dates(article, page, found, selectors, region, url, reference)
    if section is not None and article.published_at is None:
        # Named as a section and no date of its own: the section, not an article.
        article.warnings.append(f"{SECTION_PAGE}: {section}, and shows no publication date")
    article.author = _author(page, selectors, found, body, region, url)
    article.source = body.credit
    article.category = _category(page, selectors, found, title_el)
    article.tags = _tags(page, selectors, found, body_el)
    own = {canonical, canonicalize_url(url)}
    article.sidebar = [
        item for item in extract_sidebar(page, links_base, profile, [body_el, title_el], lambda: body.inline_urls, own)
        if item.title != article.category  # the section label linked above the headline
    ]
    if not article.language and _VIETNAMESE.search((article.title or "") + (article.body_text or "")[:500]):
        article.language = "vi"
    for name in ("title", "body_text", "published_at"):
        if getattr(article, name) is None:
            article.warnings.append(f"{name} not found")


_NUMBER = re.compile(r"\d{5,}")


def _another_article(declared: str, url: str, profile: SiteProfile | None) -> str | None:
    """Why a canonical URL a page declares names another page than the article at `url`, or
    None when it is the article's own address spelt otherwise (www., http:, an old slug, a
    tracking parameter): it is on another site, or is no article's address here, or carries
    another article number than the URL ("-post900001" where the page is "-post900002")."""
    if registered_host(declared) != registered_host(url):
        return "another site"
    if not _article_like(declared, profile):
        return "no article's address"
    ours, theirs = set(_NUMBER.findall(urlsplit(url).path)), set(_NUMBER.findall(urlsplit(declared).path))
    if ours and theirs and not ours & theirs:
        return "another article's number"
    return None


def _names_a_section(declared: str, url: str, profile: SiteProfile | None) -> bool:
    """Whether a page at an article's URL declares as its address a page of the same site that
    is no article: its home page or a section ("/kinh-doanh", "/chinh-sach/tin-moi.htm")."""
    if registered_host(declared) != registered_host(url):
        return False  # a syndicated article naming its source: another site's article
    return _article_like(url, profile) and not _article_like(declared, profile)


def _article_like(url: str, profile: SiteProfile | None) -> bool:
    """An article's URL by the site's profile or by the generic test (either will do)."""
    return looks_like_article(url) or bool(profile and profile.article_patterns and profile.is_article_url(url))


def _base_href(root, url: str) -> str | None:
    """The page's <base href>, absolute (http or https), if it has one."""
    head = root.find("head")
    base = head.find("base") if head is not None else None
    href = (base.get("href") or "").strip() if base is not None else ""
    return join_url(url, href) if href else None


def _canonical(found: Structured, url: str) -> str:
    for candidate in (found.canonical, found.og_url):
        if candidate.startswith(("http://", "https://")):
            return canonicalize_url(candidate)
    return canonicalize_url(url)


def _title_element(page: PageIndex, selectors: Selectors, found: Structured):
    element = page.select_one(selectors.title) if selectors.title else None
    if element is not None and text_of(element):
        return element
    meta_title = _fold(found.title or found.page_title)
    # An <h1> classed as the logo holds the site's name, which the <title> often ends with.
    h1s = [h for h in page.tagged("h1") if text_of(h) and not _LOGO.search(page.hint(h))]
    for h1 in h1s:
        if meta_title and any(_overlaps(_fold(text_of(h1, spaced=spaced)), meta_title) for spaced in (False, True)):
            return h1
    if len(h1s) == 1 and not meta_title:
        return h1s[0]
    if found.title:
        # og:title or the JSON-LD headline rewritten for search engines: the page's one <h1>, or
        # without one its microdata headline (itemprop="headline"), a headline on the same
        # subject, is what a reader sees.
        shown = h1s if h1s else [element for element in page.elements
                                 if element.get("itemprop") == "headline" and text_of(element)]
        if len(shown) == 1 and _rewritten(text_of(shown[0]), found.title):
            return shown[0]
    if meta_title:
        # No matching <h1>: some CMSs set the headline in a <div class="title-detail">.
        titled = {element for element in page.named(_titled_name, ids=False)
                  if element.tag in ("div", "h2", "p", "span", "strong")}
        first_word = meta_title.split(" ", 1)[0]
        for element in sorted(titled, key=page.position.__getitem__):
            text = text_of(element)
            # A folded text starts with its first run of word characters, lower-cased: a search
            # rules out most box titles before the fold (3 us) of the whole text.
            first = _WORD.search(text)
            if first and first.group().lower() == first_word and _fold(text) == meta_title:
                return element
    if not found.title:
        # Only the page's <title>, and no heading shows it: templates and some portals fill it
        # with the site's or the page's name ("Báo Chính Phủ - Detail", "SGGP-Detail"). A box
        # classed as the article's headline names the article; the <title> stays the fallback.
        # A box of top stories classed "headline" holds many titles: a headline is one line.
        boxes = [element for element in page.named(_headline_name, ids=False)
                 if 0 < len(text_of(element)) <= _HEADLINE_MAX]
        if boxes:
            return min(boxes, key=page.position.__getitem__)
    return None


def _rewritten(headline: str, declared: str) -> bool:
    """Whether a visible headline and a declared one are the same story told twice: headline
    length, and at least three words in common."""
    words = _fold(headline).split()
    return 4 <= len(words) and len(headline) <= _HEADLINE_MAX and len(set(words) & set(_fold(declared).split())) >= 3


def _overlaps(text: str, title: str) -> bool:
    return bool(text) and (text in title or title in text)


def _titled_name(name: str) -> bool:
    return "title" in name.lower()


def _headline_name(name: str) -> bool:
    return _HEADLINE_NAME.fullmatch(name) is not None


def _fold(value: str) -> str:
    r"""Lower-case words of a text, one space apart: re.sub(r"\W+", " ", value).strip().lower().
    Most words of a headline are whole words already (isalnum), so only the few with
    punctuation go through the regex, which costs a match per gap (5 against 3 us a headline)."""
    words = []
    for token in value.split():  # whitespace is never a word character
        if token.isalnum():  # all word characters: \w is isalnum() or "_"
            words.append(token)
        else:
            words.extend(_WORD.findall(token))
    return " ".join(words).lower()


def _title(title_el, found: Structured) -> str | None:
    meta_title = found.title or _strip_site_suffix(found.page_title, found.site_name)
    if title_el is None:
        return meta_title or None
    tight, spaced = text_of(title_el), text_of(title_el, spaced=True)
    if tight != spaced and meta_title and _fold(spaced) == _fold(meta_title):
        return spaced  # "<span>Phường Hai Bà Trưng:</span><span>Mong...</span>"
    return tight or meta_title or None


def _listed_headline(page: PageIndex, title_el, url: str, canonical: str) -> str | None:
    """Why the headline is a list's first item, or None. Either it links to another article,
    or it links to this page and is the first of several headings alike (same tag, same
    classes) that each link to another article: the list shown at the URL of its own first
    item. A lone headline linking to itself (WordPress's h1.entry-title) is an article's."""
    target = _headline_target(title_el, url)
    if target is None:
        return None
    if not (_same_article(target, url) or _same_article(target, canonical)):
        return f"the headline links to {target}"
    names = title_el.get("class") or ""
    first = names.split()[:1]  # class=" " names none
    if not first:
        return None
    others = []
    for other in page.classes.get(first[0], ()):
        if other is title_el or other.tag != title_el.tag or other.get("class") != names:
            continue
        link = _headline_target(other, url)
        if link is not None and not (_same_article(link, url) or _same_article(link, canonical)):
            others.append(link)
    if len(others) < 2:
        return None
    return f"the headline links to this page, and {len(others)} headings alike to other articles ({others[0]}, ...)"


def _headline_target(title_el, url: str) -> str | None:
    """The absolute http(s) URL that the headline element is a link to, or None: the element
    sits in a link (within two levels) or holds one link that is all of its text."""
    link, node = None, title_el
    for _ in range(3):
        if node is None or not isinstance(node.tag, str):
            break
        if node.tag == "a":
            link = node
            break
        node = node.getparent()
    if link is None:
        if not len(title_el):  # text alone, as most headlines are: no link inside
            return None
        links = [a for a in title_el.iter("a") if text_of(a)]
        if len(links) != 1 or text_of(links[0]) != text_of(title_el):
            return None
        link = links[0]
    href = (link.get("href") or "").strip()
    if not href or href.startswith(("#", "javascript:", "mailto:")):
        return None
    target = join_url(url, href)
    if target is None or not target.startswith(("http://", "https://")):
        return None
    return target


_ARTICLE_NUMBER = re.compile(r"\d{5,}")


def _same_article(first: str, second: str) -> bool:
    """Whether two URLs name one article: the last long number of their paths is the same (the
    article's id: "-102260228093004191.htm", "/view_content/3159627-slug.html/en"; an AMP or
    mobile copy, or another query, keeps it), or, where either has none, their paths are."""
    try:
        paths = [urlsplit(url).path.lower().rstrip("/") for url in (first, second)]
    except ValueError:
        return False
    numbers = [_ARTICLE_NUMBER.findall(path) for path in paths]
    if numbers[0] and numbers[1]:
        return numbers[0][-1] == numbers[1][-1]
    return paths[0] == paths[1]


def _strip_site_suffix(title: str, site_name: str) -> str:
    parts = re.split(r"\s+[-|–]\s+", title)
    if len(parts) > 1 and (not site_name or _fold(parts[-1]) in _fold(site_name) or len(parts[-1]) < 30):
        return " - ".join(parts[:-1])
    return title


def _sapo_element(page: PageIndex, selectors: Selectors, region: "HeaderRegion"):
    element = page.select_one(selectors.sapo) if selectors.sapo else None
    if element is not None and text_of(element):
        return element
    for element, hints in region.after:
        if _SAPO_CLASS.search(hints) and len(text_of(element)) >= 40:
            return element
    return None


class HeaderRegion:
    """The elements around the headline, up to the body: where dates, bylines and the lead sit.

    Read from the page index: positions in document order, as XPath's preceding:: and
    following:: axes would give them."""

    BEFORE = 60
    AFTER = 400

    def __init__(self, page: PageIndex, title_el, body_el):
        self._around = (page, title_el, body_el)
        self._parts: tuple[list, list] | None = None  # read on first use: profiles often need none of it

    @property
    def before(self) -> list:
        """(element, "class id") pairs of the hinted or <time> elements among the BEFORE
        elements preceding the headline, document order."""
        return self._read()[0]

    @property
    def after(self) -> list:
        """The same for the elements following the headline, up to the body."""
        return self._read()[1]

    def _read(self) -> tuple[list, list]:
        if self._parts is None:
            page, title_el, body_el = self._around
            if title_el is None:
                before = page.preceding(body_el, self.AFTER) if body_el is not None else []
                self._parts = ([], _hinted(page, before[::-1]))  # no headline: nearest the body first
            else:
                before = page.preceding(title_el, self.BEFORE)
                after = page.following(title_el, self.AFTER)
                for index, element in enumerate(after):
                    if element is body_el:
                        after = after[:index]
                        break
                self._parts = (_hinted(page, before), _hinted(page, after))
        return self._parts

    def elements(self):
        """After the headline first (the usual place), then before it, nearest first."""
        return self.after + self.before[::-1]


def _hinted(page: PageIndex, elements: list) -> list:
    """(element, "class id") for the elements that carry either, or are <time>."""
    hints = page.hints
    return [(e, hints.get(e, " ")) for e in elements if e in hints or e.tag == "time"]


def _lead_images(page: PageIndex, selectors: Selectors, base_url: str) -> list[Image]:
    images = []
    for figure in page.select(selectors.lead_image) if selectors.lead_image else []:
        img = figure.find(".//img")
        url = image_url(img, base_url) if img is not None else None
        if url:
            caption = text_of(figure.find(".//figcaption")) if figure.find(".//figcaption") is not None else ""
            images.append(Image(url=url, caption=caption or None))
    return images


def _parse_any(raw: str, source: str, reference: datetime | None):
    return parse_vietnamese_datetime(raw, reference=reference, source="visible" if source == "visible" else "meta")


def _visible_date(page: PageIndex, selectors_css: str, region: HeaderRegion, reference) -> tuple[str, datetime | None]:
    """The date the page shows (its text and value): the profile's element, else the nearest
    date-like element around the headline."""
    if selectors_css:
        candidates = [(element, True) for element in page.select(selectors_css)]
    else:
        candidates = [(element, False) for element, hints in region.elements()
                      if element.tag == "time" or _DATE_CLASS.search(hints)]
    for element, chosen in candidates:
        text = _date_text(element)
        if chosen or len(text) <= 80:
            # The fast path only: a scan of candidates must not wait on dateparser.
            value = parse_vietnamese_datetime(text, reference=reference, source="visible", fallback=False)
            if value is not None:
                return text, value
    return "", None


def _date_text(element) -> str:
    return text_of(element) or element.get("datetime") or element.get("content") or ""


def _dates(article, page: PageIndex, found: Structured, selectors: Selectors, region: HeaderRegion, url, reference):
    candidates: list[tuple[str, str]] = list(found.published)
    for element in page.tagged("time"):
        if element.get("datetime"):
            candidates.append(("meta", element.get("datetime")))
    visible_text, visible = _visible_date(page, selectors.published, region, reference)
    chosen, source = None, None
    for candidate_source, raw in candidates:
        value = _parse_any(raw, candidate_source, reference)
        if value is None:
            article.warnings.append(f"unreadable {candidate_source} date {raw!r}")
            continue
        if raw.strip().upper().endswith("Z") and visible and _same_wall_clock(value, visible):
            article.warnings.append(f"{candidate_source} date {raw!r} marked UTC but matches the local time shown; read as +07:00")
            value = visible
        chosen, source = value, candidate_source
        if not has_time_of_day(raw):  # "2011-01-12": midnight would be a guess
            if visible is not None and visible.date() == value.date() and has_time_of_day(visible_text):
                chosen, source = visible, "visible"  # the page shows the time of that day
            else:
                article.warnings.append("published_at has a date but no time of day")
        break
    if chosen is None and visible is not None:
        chosen, source = visible, "visible"
        if not has_time_of_day(visible_text):
            article.warnings.append("published_at has a date but no time of day")
        if not shows_year(visible_text):  # "Chiều 11/10": the year from the URL, else the fetch time's
            match = _URL_DATE.search(url)
            if match and (int(match.group(2)), int(match.group(3))) == (chosen.month, chosen.day):
                chosen = chosen.replace(year=int(match.group(1)))
            else:
                source = INFERRED_YEAR
                article.warnings.append(f"{NO_YEAR}; {chosen.year} inferred from the fetch time")
    if chosen is None and (match := _URL_DATE.search(url)):
        chosen = parse_vietnamese_datetime(f"{match.group(3)}/{match.group(2)}/{match.group(1)}")
        source = "url" if chosen else None
        if chosen:
            article.warnings.append("published_at has a date from the URL but no time of day")
    if chosen is not None and visible is not None and source != "visible" and abs(chosen - visible) > timedelta(days=1):
        article.warnings.append(f"dates disagree: {source} {to_iso(chosen)} vs visible {to_iso(visible)}")
    article.published_at, article.date_source = to_iso(chosen), source

    updated = None
    for candidate_source, raw in found.modified:
        updated = _parse_any(raw, candidate_source, reference)
        if updated:
            break
    if updated is None and selectors.updated:
        updated_el = page.select_one(selectors.updated)
        updated = parse_vietnamese_datetime(_date_text(updated_el), reference=reference) if updated_el is not None else None
    if updated is not None and chosen is not None and updated.replace(second=0) <= chosen.replace(second=0):
        updated = None  # the CMS copies the publish time into the modified time
    article.updated_at = to_iso(updated)


def _same_wall_clock(utc_value: datetime, local_value: datetime) -> bool:
    utc_naive = utc_value.astimezone(timezone.utc).replace(tzinfo=None, second=0, microsecond=0)
    local_naive = local_value.replace(tzinfo=None, second=0, microsecond=0)
    return utc_naive == local_naive


def _clean_author(value: str, found: Structured, url: str = "") -> str | None:
    value = _DATE_IN_TEXT.sub(" ", normalize_text(value))
    value = _AUTHOR_PREFIX.sub("", normalize_text(value)).strip(" -–|,•")
    if not value or len(value) > 80 or _NOT_AUTHOR.search(value):
        return None
    if _is_brand(value, found, url):
        return None
    return value


# Words that make a name a publication's: "Báo Bình Phước", "Bình Phước Online", "Cổng thông
# tin điện tử tỉnh Bình Phước" are all the brand "binhphuoc" (folded to ASCII).
_BRAND_WORDS = re.compile(r"\b(?:bao|online|dien tu|cong thong tin|trang thong tin|trang tin|tap chi|tinh|thanh pho|"
                          r"tp|news|newspaper|portal)\b")


def _brand_key(text: str) -> str:
    folded = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]", "", _BRAND_WORDS.sub(" ", re.sub(r"[^a-z0-9]+", " ", folded)))


def _is_brand(value: str, found: Structured, url: str) -> bool:
    """Whether an author is the publication itself: its og:site_name, its JSON-LD publisher, or
    its domain's name, give or take "Báo", "Online" and the like."""
    key = _brand_key(value)
    if not key:
        return False
    brands = {_brand_key(name) for name in (found.site_name, found.publisher) if name}
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    if host:
        brands.add(re.sub(r"[^a-z0-9]", "", host.split(".")[0]))
        brands.add(re.sub(r"[^a-z0-9]", "", host))
    return key in brands


def _author_text(element) -> str:
    for child in element.iter():
        if child is not element and _NAME_CLASS.search(child.get("class") or ""):
            return text_of(child)
    links = [text_of(a) for a in element.iter("a") if text_of(a)]
    text = text_of(element)
    if links and len(text) > 40:
        return links[0]
    return text


def _author(page: PageIndex, selectors: Selectors, found: Structured, body: Body, region: HeaderRegion,
            url: str) -> str | None:
    # Declared authorship first (cheap, and what the publisher stands behind), then markup.
    for name in found.authors:
        if (name := _clean_author(name, found, url)):
            return name
    if selectors.author:
        for element in page.select(selectors.author):
            if (name := _clean_author(_author_text(element), found, url)):
                return name
    if body.byline and (name := _clean_author(body.byline, found, url)):
        return name
    names = [
        name for element, hints in region.elements()
        if AUTHOR_CLASS.search(hints) and (name := _clean_author(_author_text(element), found, url))
    ]
    # Nested byline boxes: the innermost, shortest text is the name itself.
    return min(names, key=len) if names else None


def _top_level_items(container) -> list:
    """The breadcrumb's own <li>s, not those of a dropdown menu nested inside one."""
    items = []
    for li in container.iter("li"):
        node = li.getparent()
        while node is not None and node is not container and node.tag != "li":
            node = node.getparent()
        if node is None or node is container:
            items.append(li)
    return items


def _breadcrumb_texts(container) -> list[str]:
    texts = []
    items = _top_level_items(container)
    links = [li.find(".//a") for li in items] if items else list(container.iter("a"))
    for link in links:
        if link is None:
            continue
        text = text_of(link)
        if text and text.lower() not in _HOME:
            texts.append(text)
    return texts


def _category(page: PageIndex, selectors: Selectors, found: Structured, title_el) -> str | None:
    if selectors.category:
        texts = [text_of(a) for a in page.select(selectors.category)]
        texts = [t for t in texts if t and t.lower() not in _HOME]
        if texts:
            return texts[-1]
    crumbs = [c for c in found.breadcrumb if c.lower() not in _HOME]
    if crumbs:
        return crumbs[-1]
    for element in page.with_hint("rumb"):  # breadcrumb, bread-crumb, BreadCrumb
        if _BREADCRUMB.search(page.hint(element)):
            texts = _breadcrumb_texts(element)
            if texts:
                return texts[-1]
    if found.section:
        return normalize_text(found.section.split(",")[-1]) or None
    previous = title_el.getprevious() if title_el is not None else None
    if previous is not None and len(text_of(previous)) <= 40 and len(previous.findall(".//a")) == 1:
        return text_of(previous) or None
    return None


def _tag_boxes_after(page: PageIndex, body_el) -> list:
    """The first 20 elements after the body whose class or id speaks of tags or keywords."""
    after = page.end(body_el)
    hinted = page.with_hint("tag", "Tag", "keyword", "tu-khoa")
    return [element for element in hinted if page.position[element] > after][:20]


def _tags(page: PageIndex, selectors: Selectors, found: Structured, body_el) -> list[str]:
    values: list[str] = []
    values = list(found.tags)  # article:tag / keywords, when declared
    if not values and selectors.tags:
        values = [text_of(a) for a in page.select(selectors.tags)]
    if not values and body_el is not None:
        for element in _tag_boxes_after(page, body_el):
            if _TAG_BOX.search(page.hint(element)):
                values = [text_of(a) for a in element.iter("a")]
                if values:
                    break
    tags: list[str] = []
    for value in values:
        value = value.lstrip("#").strip()
        if value and value not in tags and len(value) <= 80:
            tags.append(value)
    return tags
