"""A URL as articles: an article page, an RSS/Atom feed (each entry's page), a sitemap or sitemap index
(each listed page), or a PDF/Word file on the web.

What kind a URL is comes from what it answers, not from its name. Pages already fetched are asked again
with their ETag / Last-Modified, so an unchanged page costs one 304 and no parsing or embedding.
"""

from __future__ import annotations

import gzip
import io
import logging
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath

import feedparser
from lxml import etree

from rag import corpus
from rag.sources import documents
from rag.sources.fetch import Fetcher, FetchError, Response
from rag.sources.pages import extract

log = logging.getLogger(__name__)
MAX_SITEMAPS = 50  # child sitemaps read from one sitemap index


@dataclass(frozen=True)
class PageState:
    """What is remembered of a fetched page, to ask for it conditionally next time."""

    url: str
    article_id: str = ""
    etag: str = ""
    last_modified: str = ""


@dataclass
class SourceResult:
    kind: str = "page"  # page, feed, sitemap, document
    loaded: corpus.LoadResult = field(default_factory=corpus.LoadResult)
    pages: dict[str, PageState] = field(default_factory=dict)  # every page the source now lists
    not_modified: int = 0
    gone: list[str] = field(default_factory=list)  # article ids whose page answered 404/410
    note: str = ""  # one line for the user (e.g. how many entries were left out)


def read_source(url: str, fetcher: Fetcher, known: dict[str, PageState], limit: int) -> SourceResult:
    """Fetch a source and the pages it lists; ``known`` holds its pages from the last time."""
    result = SourceResult()
    own = known.get(url, PageState(url))
    try:
        response = fetcher.get(url, own.etag, own.last_modified)
    except FetchError as err:
        result.loaded.skipped.append(corpus.Skipped(url, str(err)))
        if own.article_id and err.gone:
            result.gone.append(own.article_id)
        else:
            result.pages = dict(known)  # a failed fetch forgets nothing
        return result
    if response.not_modified:
        result.kind = ""  # unchanged: the kind recorded last time stands
        result.not_modified = 1 if own.article_id else 0
        result.pages = dict(known)
        return result
    try:
        own = _read_fetched(url, response, result, fetcher, known, limit, own)
    except FetchError as err:  # an unreadable sitemap, a gzip bomb
        result.loaded.skipped.append(corpus.Skipped(url, str(err)))
        result.pages = dict(known)
        return result
    result.pages[url] = PageState(url, own.article_id, response.etag, response.last_modified)
    return result


def _read_fetched(url: str, response: Response, result: SourceResult, fetcher: Fetcher,
                  known: dict[str, PageState], limit: int, own: PageState) -> PageState:
    body = _unpacked(response.body)
    result.kind = kind_of(response, body)
    if result.kind == "sitemap":
        listed = _sitemap_pages(body, fetcher)
        _read_listed(listed, result, fetcher, known, limit, {})
    elif result.kind == "feed":
        entries = _feed_entries(body)
        _read_listed([e["link"] for e in entries], result, fetcher, known, limit, {e["link"]: e for e in entries})
    else:
        article = _article(response, body, kind=result.kind)
        if isinstance(article, corpus.Skipped):
            result.loaded.skipped.append(article)
        else:
            result.loaded.articles.append(article)
            own = PageState(url, article.id, response.etag, response.last_modified)
    return own


def kind_of(response: Response, body: bytes) -> str:
    kind = response.content_type.split(";")[0].strip().lower()
    if kind == "application/pdf" or body.startswith(b"%PDF"):
        return "document"
    if "wordprocessingml" in kind:
        return "document"
    head = body[:4096].lower()
    if b"<urlset" in head or b"<sitemapindex" in head:
        return "sitemap"
    if b"<rss" in head or b"<feed" in head or b"<rdf:rdf" in head or kind in ("application/rss+xml",
                                                                          "application/atom+xml"):
        return "feed"
    return "page"


def _read_listed(links: list[str], result: SourceResult, fetcher: Fetcher, known: dict[str, PageState],
                 limit: int, entries: dict[str, dict]) -> None:
    result.pages.update(known)  # pages no longer listed keep their articles (a feed is a window)
    links = list(dict.fromkeys(link for link in links if link))
    if len(links) > limit:
        result.note = (f"lists {len(links)} pages; the first {limit} were read (raise RAG_MAX_PAGES_PER_SOURCE"
                       " for more)")
        links = links[:limit]
    for link in links:
        state = known.get(link, PageState(link))
        try:
            response = fetcher.get(link, state.etag, state.last_modified)
        except FetchError as err:
            if state.article_id and err.gone:
                result.gone.append(state.article_id)
                result.pages.pop(link, None)
                continue
            article = _from_entry(entries.get(link), link)
            if article is None:
                result.loaded.skipped.append(corpus.Skipped(link, str(err)))
                if state.article_id:
                    result.pages[link] = state
                continue
            result.loaded.articles.append(article)
            result.pages[link] = PageState(link, article.id)
            continue
        if response.not_modified:
            result.not_modified += 1
            result.pages[link] = state
            continue
        try:
            body = _unpacked(response.body)
        except FetchError as err:
            result.loaded.skipped.append(corpus.Skipped(link, str(err)))
            continue
        article = _article(response, body, entries.get(link))
        if isinstance(article, corpus.Skipped):
            article = _from_entry(entries.get(link), link) or article
        if isinstance(article, corpus.Skipped):
            result.loaded.skipped.append(article)
            continue
        result.loaded.articles.append(article)
        result.pages[link] = PageState(link, article.id, response.etag, response.last_modified)


def _article(response: Response, body: bytes, entry: dict | None = None,
             kind: str = "") -> corpus.Article | corpus.Skipped:
    """The article a fetched page (or PDF/Word file) holds, or why it holds none."""
    if (kind or kind_of(response, body)) == "document":
        suffix = ".pdf" if body.startswith(b"%PDF") else ".docx"
        try:
            doc = documents.read(body, suffix)
        except documents.DocumentError as err:
            return corpus.Skipped(response.url, str(err))
        name = PurePosixPath(response.url.split("?")[0]).name
        article = make(response.url, doc.text, {"title": doc.title or name, "author": doc.author, "date": doc.date})
        if article is None:
            return corpus.Skipped(response.url, "no text")
        return replace(article, page_starts=doc.page_starts)
    page = extract(body, response.url)
    if page is None:
        return corpus.Skipped(response.url, "no article text found on the page (a menu, a login wall or a"
                                            " page built by scripts?)")
    entry = entry or {}
    meta = {"title": entry.get("title") or page.title, "url": page.url or response.url,
            "date": entry.get("date") or page.date, "source": page.site, "author": entry.get("author") or page.author}
    return make(response.url, page.text, meta) or corpus.Skipped(response.url, "no article text")


def _from_entry(entry: dict | None, link: str) -> corpus.Article | None:
    """A feed entry's own text, for when its page cannot be read: only when the feed carries the
    article (a summary of two lines is not one)."""
    if not entry or len(entry.get("text", "")) < 400:
        return None
    return make(link, entry["text"], {"title": entry.get("title"), "url": link, "date": entry.get("date"),
                                      "author": entry.get("author")})


def make(fetched_url: str, text: str, meta: dict) -> corpus.Article | None:
    """An Article of the web: its id is its canonical URL, so a page reached alone, through a feed or
    through a sitemap is one article."""
    text = corpus.clean(text)
    if not text:
        return None
    url = corpus.clean(meta.get("url")) or fetched_url
    return corpus.Article(id=corpus.article_id(url, url), title=corpus.clean(meta.get("title")) or url,
                          text=text, path=corpus.canonical_url(url), url=corpus.canonical_url(url),
                          date=corpus.normalise_date(corpus.clean(meta.get("date"))),
                          source=corpus.clean(meta.get("source")), author=corpus.clean(meta.get("author")))


def _feed_entries(body: bytes) -> list[dict]:
    """Each entry's link, title, date, author and own text (feedparser; bytes, so it fetches nothing)."""
    parsed = feedparser.parse(io.BytesIO(body))
    entries = []
    for entry in parsed.entries:
        link = entry.get("link") or ""
        if not link.startswith(("http://", "https://")):
            continue
        when = entry.get("published_parsed") or entry.get("updated_parsed")
        content = entry.get("content") or [{}]
        html = content[0].get("value") or entry.get("summary") or ""
        entries.append({"link": link, "title": entry.get("title", ""), "author": entry.get("author", ""),
                        "date": f"{when.tm_year:04d}-{when.tm_mon:02d}-{when.tm_mday:02d}" if when else "",
                        "text": _html_text(html)})
    return entries


def _html_text(html: str) -> str:
    from bs4 import BeautifulSoup

    return BeautifulSoup(html, "html.parser").get_text("\n", strip=True) if html else ""


_XML = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def _sitemap_pages(body: bytes, fetcher: Fetcher) -> list[str]:
    """The page URLs of a sitemap, newest first by <lastmod>; a sitemap index's children are read too."""
    pages = sorted(_sitemap_entries(body, fetcher), key=lambda entry: entry[1], reverse=True)
    return [loc for loc, _ in pages]


def _sitemap_entries(body: bytes, fetcher: Fetcher, depth: int = 0) -> list[tuple[str, str]]:
    """(URL, lastmod) of each page; lxml with entities, DTDs and the network off: untrusted XML."""
    try:
        root = etree.fromstring(body, parser=_XML)
    except etree.XMLSyntaxError as err:
        raise FetchError(f"not a readable sitemap ({str(err)[:80]})") from err
    tag = etree.QName(root).localname
    entries = [(el.findtext("{*}loc") or el.findtext("loc") or "", el.findtext("{*}lastmod") or "")
               for el in root if isinstance(el.tag, str)]
    if tag == "sitemapindex":
        pages: list[tuple[str, str]] = []
        for child, _ in entries[:MAX_SITEMAPS]:
            if depth >= 2 or not child.strip():
                continue
            try:
                response = fetcher.get(child.strip())
                data = _unpacked(response.body)
                pages += _sitemap_entries(data, fetcher, depth + 1)
            except FetchError as err:
                log.warning("sitemap %s not read: %s", child, err)
        return pages
    return [(loc.strip(), lastmod.strip()) for loc, lastmod in entries if loc.strip()]


def _unpacked(data: bytes, limit: int = 50 * 1024 * 1024) -> bytes:
    """A body as sent, or unpacked when gzipped (sitemap.xml.gz) no further than ``limit``: a small
    bomb stays small."""
    if data[:2] != b"\x1f\x8b":
        return data
    with gzip.GzipFile(fileobj=io.BytesIO(data)) as packed:
        try:
            out = packed.read(limit + 1)
        except (OSError, EOFError) as err:
            raise FetchError("a broken gzip body") from err
    if len(out) > limit:
        raise FetchError(f"unpacks to more than {limit // 1024 // 1024} MB")
    return out
