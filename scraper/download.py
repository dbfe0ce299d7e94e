"""vngov's HTTP download handler: Scrapy's HTTP/1.1 handler plus two site quirks that must sit
below every middleware.

- Mirrors: with VNGOV_MIRROR = "http://127.0.0.1:PORT", every http(s) request goes to the mirror
  with the real host in its Host header and comes back under its real URL. Offsite filtering,
  robots.txt, redirects, spiders, parser and archive only ever see the site's own URLs.
- Legacy TLS: servers that OpenSSL 3 rejects by default (weak DH, old ciphers; moh.gov.vn) get
  a relaxed TLS context, for their hosts only: profiles opt in with `legacy_tls=True`, and
  VNGOV_LEGACY_TLS_HOSTS adds hosts by hand.
"""
from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from scrapy.core.downloader.contextfactory import _ScrapyClientContextFactory
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.exceptions import NotConfigured
from twisted.web.iweb import IPolicyForHTTPS
from zope.interface import implementer

from .sites import PROFILES

LEGACY_CIPHERS = "DEFAULT:@SECLEVEL=0"


@implementer(IPolicyForHTTPS)
class PerHostTlsPolicy:
    """Scrapy's TLS policy for every host except the legacy ones, which get relaxed ciphers."""

    def __init__(self, default, legacy, hosts: set[str]):
        self.default = default
        self.legacy = legacy
        self.hosts = hosts

    def factory_for(self, hostname: str):
        return self.legacy if hostname.lower() in self.hosts else self.default

    def creatorForNetloc(self, hostname: bytes, port: int):  # noqa: N802 (Twisted's interface)
        return self.factory_for(hostname.decode("ascii")).creatorForNetloc(hostname, port)


def legacy_tls_hosts(settings) -> set[str]:
    hosts = {domain for profile in PROFILES.values() if profile.legacy_tls for domain in profile.domains}
    hosts.update(h.strip().lower() for h in settings.getlist("VNGOV_LEGACY_TLS_HOSTS") if h.strip())
    return hosts


class DownloadHandler(HTTP11DownloadHandler):
    def __init__(self, crawler):
        super().__init__(crawler)
        mirror = crawler.settings.get("VNGOV_MIRROR") or ""
        parts = urlsplit(mirror)
        if mirror and (parts.scheme != "http" or not parts.netloc):
            raise NotConfigured(f"VNGOV_MIRROR must look like http://127.0.0.1:PORT, not {mirror!r}")
        self.mirror = parts.netloc if mirror else None
        hosts = legacy_tls_hosts(crawler.settings)
        if hosts:
            legacy = _ScrapyClientContextFactory(method=None, tls_ciphers=LEGACY_CIPHERS)
            self._contextFactory = PerHostTlsPolicy(self._contextFactory, legacy, hosts)

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
