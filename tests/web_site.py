"""A real HTTP server on 127.0.0.1 for the web-source tests: a small news site whose pages, feed and
sitemaps a test can change between two syncs. It answers conditional GETs (ETag) as a real server
does and records every request it saw."""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

NAV = ("<nav><a href='/'>Home</a> | <a href='/world'>World</a> | <a href='/sport'>Sport</a> | "
       "<a href='/login'>Sign in to Harbour Times Plus</a></nav>")
FOOTER = "<footer><p>Copyright Harbour Times Media Group. Cookie settings. Subscribe to our newsletter.</p></footer>"


def article_page(title: str, paragraphs: list[str], date: str = "2024-05-14", author: str = "Mara Lind",
                 canonical: str = "") -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    link = f"<link rel='canonical' href='{canonical}'>" if canonical else ""
    return (f"<!doctype html><html><head><title>{title} | Harbour Times</title>{link}"
            f"<meta property='og:title' content='{title}'><meta property='og:site_name' content='Harbour Times'>"
            f"<meta name='author' content='{author}'>"
            f"<meta property='article:published_time' content='{date}T08:00:00Z'></head><body>{NAV}"
            f"<main><article><h1>{title}</h1>{body}</article>"
            f"<aside><h3>Most read</h3><ul><li>Ten recipes for summer</li><li>Weather warning</li></ul></aside>"
            f"</main>{FOOTER}</body></html>").encode()


def rss(base: str, items: list[tuple[str, str, str]]) -> bytes:
    """An RSS 2.0 feed of (path, title, RFC 822 date) items."""
    entries = "".join(f"<item><title>{title}</title><link>{base}{path}</link><pubDate>{date}</pubDate>"
                      f"<description>Short teaser.</description></item>" for path, title, date in items)
    return (f"<?xml version='1.0'?><rss version='2.0'><channel><title>Harbour Times</title><link>{base}/</link>"
            f"<description>News</description>{entries}</channel></rss>").encode()


def sitemap(base: str, paths: list[str], first_day: int = 10) -> bytes:
    urls = "".join(f"<url><loc>{base}{p}</loc><lastmod>2024-05-{first_day + i:02d}</lastmod></url>"
                   for i, p in enumerate(paths))
    return (f"<?xml version='1.0' encoding='UTF-8'?><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
            f"{urls}</urlset>").encode()


def sitemap_index(base: str, paths: list[str]) -> bytes:
    maps = "".join(f"<sitemap><loc>{base}{p}</loc></sitemap>" for p in paths)
    return (f"<?xml version='1.0' encoding='UTF-8'?><sitemapindex xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
            f"{maps}</sitemapindex>").encode()


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    location: str = ""
    delay: float = 0.0  # seconds before answering
    endless: int = 0  # answer this many bytes without a Content-Length (as a server that lies, or streams)


@dataclass
class Site:
    routes: dict[str, Route] = field(default_factory=dict)
    seen: list[tuple[str, dict]] = field(default_factory=list)  # (path, request headers)
    port: int = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def requests_for(self, path: str) -> list[dict]:
        return [headers for seen, headers in self.seen if seen == path]

    def gz(self, path: str, body: bytes, content_type: str = "application/xml") -> None:
        self.routes[path] = Route(gzip.compress(body), content_type=content_type)


def serve(site: Site) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            site.seen.append((self.path, dict(self.headers)))
            route = site.routes.get(self.path.split("?")[0]) or Route(b"<html><body>Not found</body></html>", 404)
            if route.delay:
                time.sleep(route.delay)
            if route.location:
                self.send_response(route.status or 302)
                self.send_header("Location", route.location)
                self.end_headers()
                return
            if route.endless:
                self.send_response(200)
                self.send_header("Content-Type", route.content_type)
                self.end_headers()
                with contextlib.suppress(OSError):  # the client gives up, as it should
                    for _ in range(route.endless // 65536):
                        self.wfile.write(b"<p>" + b"x" * 65533)
                return
            etag = '"' + hashlib.sha1(route.body).hexdigest()[:16] + '"'
            if route.status == 200 and self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            self.send_response(route.status)
            self.send_header("Content-Type", route.content_type)
            self.send_header("Content-Length", str(len(route.body)))
            self.send_header("ETag", etag)
            self.end_headers()
            with contextlib.suppress(OSError):
                self.wfile.write(route.body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    site.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
