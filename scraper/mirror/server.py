"""A local HTTP server on 127.0.0.1 that answers for many mirror sites by their Host header.

Faults are injected per host through `Faults`, so that tests and, later, scheduled-run drills
can make a site slow, failing, cookie-challenged or looping without touching the crawler.
"""
from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .site import MirrorSite, Page


@dataclass
class Faults:
    """Misbehaviour per host. Each is off unless its host is listed."""

    cookie_challenge: set[str] = field(default_factory=set)  # JS page setting D1N=..., like quochoi.vn
    session_priming: dict[str, str] = field(default_factory=dict)  # host -> path that loops until a cookie is set
    retry_after: dict[str, int] = field(default_factory=dict)  # host -> seconds: first hit of each page gets 429
    latency: float = 0.0  # seconds added to every response
    # host -> article paths withdrawn: they answer 301 to the home page (what sites do with an
    # article they take down), while listings, feeds and sitemaps may still link them.
    withdrawn: dict[str, set[str]] = field(default_factory=dict)
    # host -> {article path: 404 or 410}: articles taken down without a redirect.
    gone: dict[str, dict[str, int]] = field(default_factory=dict)
    # host -> status robots.txt answers with (a 503: a server error; a 404: no robots.txt).
    robots: dict[str, int] = field(default_factory=dict)
    # host -> the robots.txt it serves instead of its own (which forbids only the trap page).
    robots_txt: dict[str, str] = field(default_factory=dict)


CHALLENGE_VALUE = "8d2f0c"


class _QuietServer(ThreadingHTTPServer):
    # Many crawlers at once (workers with 64 connections each): with socketserver's backlog of 5
    # the kernel drops their connections and TCP retries them after 1, 3 and 7 seconds.
    request_queue_size = 1024

    def handle_error(self, request, client_address):
        """A client that went away mid-response (a crawl killed, a download cancelled for its
        size) is routine here, not a traceback."""
        error = sys.exc_info()[1]
        if not isinstance(error, (ConnectionResetError, BrokenPipeError)):
            super().handle_error(request, client_address)


class MirrorServer:
    def __init__(self, sites: list[MirrorSite], faults: Faults | None = None, port: int = 0):
        self.sites = {site.host: site for site in sites}
        for site in sites:
            for domain in site.profile.domains:
                self.sites.setdefault(domain, site)
        self.faults = faults or Faults()
        self.hits: list[tuple[str, str, int]] = []  # (host, path, status)
        # When each request arrived (host, time.monotonic()), and the most requests a host had in
        # flight at once: what politeness tests measure.
        self.arrivals: list[tuple[str, float]] = []
        self.in_flight: dict[str, int] = {}
        self.max_in_flight: dict[str, int] = {}
        self._lock = threading.Lock()
        self._throttled: set[tuple[str, str]] = set()
        handler = self._handler_class()
        self.httpd = _QuietServer(("127.0.0.1", port), handler)
        self.httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def start(self) -> "MirrorServer":
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="vngov-mirror", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> "MirrorServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def hits_for(self, predicate) -> list[tuple[str, str, int]]:
        with self._lock:
            return [hit for hit in self.hits if predicate(hit)]

    def reset_hits(self) -> None:
        with self._lock:
            self.hits.clear()
            self.arrivals.clear()
            self.max_in_flight.clear()

    def answer(self, host: str, target: str, cookies: dict[str, str]) -> Page:
        faults = self.faults
        if host in faults.cookie_challenge and cookies.get("D1N") != CHALLENGE_VALUE:
            script = f'<html><body><script>document.cookie="D1N={CHALLENGE_VALUE}; path=/";location.reload();</script></body></html>'
            return Page(200, script.encode())
        if host in faults.session_priming and target.startswith(faults.session_priming[host]) and "session" not in cookies:
            return Page(302, b"", headers={"Location": f"https://{host}{target}"})
        if host in faults.retry_after:
            key = (host, target)
            with self._lock:
                first = key not in self._throttled
                self._throttled.add(key)
            if first:
                return Page(429, b"slow down", "text/plain", {"Retry-After": str(faults.retry_after[host])})
        if target.split("?", 1)[0] in faults.withdrawn.get(host, ()):
            return Page(301, b"", headers={"Location": f"https://{host}/"})
        if target == "/robots.txt" and host in faults.robots:
            return Page(faults.robots[host], b"<html><body><h1>Service unavailable</h1></body></html>")
        if target == "/robots.txt" and host in faults.robots_txt:
            return Page(200, faults.robots_txt[host].encode(), "text/plain; charset=utf-8")
        status = faults.gone.get(host, {}).get(target.split("?", 1)[0])
        if status:
            return Page(status, b"<html><body><h1>Not found</h1></body></html>")
        site = self.sites.get(host)
        page = site.render(target) if site else None
        if page is None:
            return Page(404, b"<html><body>Not found</body></html>")
        if host in faults.session_priming and "session" not in cookies and target == "/":
            page.headers["Set-Cookie"] = "session=ok; Path=/"  # only the home page opens a session
        return page

    def _handler_class(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                self._respond(send_body=True)

            def do_HEAD(self) -> None:  # noqa: N802
                self._respond(send_body=False)

            def _respond(self, send_body: bool) -> None:
                host = (self.headers.get("Host") or "").split(":")[0].lower()
                jar = SimpleCookie(self.headers.get("Cookie") or "")
                cookies = {key: morsel.value for key, morsel in jar.items()}
                with server._lock:
                    server.arrivals.append((host, time.monotonic()))
                    server.in_flight[host] = server.in_flight.get(host, 0) + 1
                    server.max_in_flight[host] = max(server.max_in_flight.get(host, 0), server.in_flight[host])
                try:
                    if server.faults.latency:
                        time.sleep(server.faults.latency)
                    page = server.answer(host, self.path, cookies)
                    with server._lock:
                        server.hits.append((host, self.path, page.status))
                    self.send_response(page.status)
                    self.send_header("Content-Type", page.content_type)
                    self.send_header("Content-Length", str(len(page.body)))
                    for name, value in page.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    if send_body:
                        self.wfile.write(page.body)
                finally:
                    with server._lock:
                        server.in_flight[host] -= 1

            def log_message(self, *args) -> None:  # quiet: tests read `hits` instead
                pass

        return Handler


def build_demo_sites(count: int = 40, **options) -> list[MirrorSite]:
    """The bundled demo: three sites of three CMS families."""
    return [MirrorSite(name, count, seed=i + 1, **options)
            for i, name in enumerate(("baochinhphu.vn", "nhandan.vn", "sotttt.hanoi.gov.vn"))]
