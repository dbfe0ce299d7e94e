"""The download handler that sends requests to a local mirror instead of the live site.

With VNGOV_MIRROR = "http://127.0.0.1:PORT", every http(s) request goes to the mirror with the
real host in its Host header, and the response comes back under its real URL. Being the last
step before the network, it is invisible to everything above it: offsite filtering, robots.txt,
redirects, spiders, the parser and the archive all see only the site's own URLs. Without the
setting it is Scrapy's ordinary HTTP/1.1 handler.
"""
from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.exceptions import NotConfigured


class MirrorDownloadHandler(HTTP11DownloadHandler):
    def __init__(self, crawler):
        super().__init__(crawler)
        mirror = crawler.settings.get("VNGOV_MIRROR") or ""
        parts = urlsplit(mirror)
        if mirror and (parts.scheme != "http" or not parts.netloc):
            raise NotConfigured(f"VNGOV_MIRROR must look like http://127.0.0.1:PORT, not {mirror!r}")
        self.mirror = parts.netloc if mirror else None

    async def download_request(self, request):
        if self.mirror is None:
            return await super().download_request(request)
        real = urlsplit(request.url)
        headers = request.headers.copy()
        headers["Host"] = real.netloc
        mirrored = request.replace(url=urlunsplit(("http", self.mirror, real.path or "/", real.query, "")),
                                   headers=headers)
        response = await super().download_request(mirrored)
        return response.replace(url=request.url)
