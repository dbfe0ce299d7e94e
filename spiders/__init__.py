"""Spiders: navigation only (listings, feeds, sitemaps) -> parser. One spider per site profile."""
