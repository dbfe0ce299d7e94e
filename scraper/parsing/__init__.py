"""Pure extraction: (html, url) -> Article. Nothing here imports Scrapy."""

PARSER_VERSION = "1.0.0"

from .article import parse_article  # noqa: E402

__all__ = ["PARSER_VERSION", "parse_article"]
