"""Pure extraction: (html, url) -> Article. Nothing here imports Scrapy."""

PARSER_VERSION = "1.6.0"  # what changed in each version: docs/schema.md

from .article import LISTED_HEADLINE, parse_article  # noqa: E402


def clear_memos() -> None:
    """Forget what extraction remembers from page to page: answers of class-name patterns,
    resolved links of each site, compiled selectors and base URLs. A crawl keeps them (a
    site's pages repeat their templates); benchmarks clear them to measure a site's first page."""
    from . import document, pageindex, sidebar, urls

    for pattern in list(pageindex.HintPattern.ALL):
        pattern.forget()
    pageindex._NAME_TESTS.clear()
    pageindex._CLASS_LISTS.clear()
    sidebar._SITE_LINKS.clear()
    for cached in (pageindex._compile, pageindex._residual, pageindex._contains_any, document._selector,
                   urls._origin, urls._base_directory):
        cached.cache_clear()


__all__ = ["LISTED_HEADLINE", "PARSER_VERSION", "clear_memos", "parse_article"]
