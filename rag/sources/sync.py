"""Ingest web sources and keep them in step: fetch each one, remember what was fetched, and write what
is new or changed through the one ingest door (a write that fails or is interrupted forgets the
validators of what it read, so the next sync fetches those pages whole again).

A feed is a window onto the latest entries: an entry that leaves it keeps its article. A page that
answers 404 or 410 is gone from the web and leaves the index, unless another source still leads to it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rag import corpus
from rag.embeddings import MiniLMEmbedding
from rag.errors import InputError
from rag.ingest import IngestReport, Progress, upsert
from rag.settings import Settings
from rag.sources.fetch import Fetcher, Policy
from rag.sources.registry import Registry
from rag.sources.web import PageState, SourceResult, read_source
from rag.store import Store

URL_PREFIXES = ("http://", "https://")


def is_url(target: str) -> bool:
    return str(target).strip().lower().startswith(URL_PREFIXES)


def urls_in(path: str | Path) -> list[str] | None:
    """The URLs of a text file that holds nothing else (one per line, # comments), else None."""
    path = Path(path)
    if path.suffix.lower() != ".txt" or not path.is_file() or path.stat().st_size > 5 * 1024 * 1024:
        return None
    try:
        lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    except (OSError, UnicodeDecodeError):
        return None
    lines = [line for line in lines if line and not line.startswith("#")]
    return lines if lines and all(is_url(line) and " " not in line for line in lines) else None


def policy(settings: Settings) -> Policy:
    return Policy(user_agent=settings.user_agent, timeout=settings.fetch_timeout,
                  max_bytes=int(settings.max_file_mb * 1024 * 1024),
                  per_host_interval=1.0 / settings.requests_per_second,
                  allow_private=settings.allow_private_urls, obey_robots=settings.obey_robots)


@dataclass
class _Fetched:
    url: str
    result: SourceResult


def sync(urls: list[str], settings: Settings, store: Store, embed_model: MiniLMEmbedding,
         on_progress: Progress | None = None, on_source: Callable[[str], None] | None = None) -> IngestReport:
    """Fetch ``urls`` (remembering new ones as sources) and bring their articles into the index."""
    started = time.perf_counter()
    for url in urls:
        if not is_url(url):
            raise InputError(f"{url} is not an http(s) address")
    registry = Registry(settings.data_dir)
    indexed = set(store.indexed_articles())
    fetched: list[_Fetched] = []
    with Fetcher(policy(settings)) as fetcher:
        for url in urls:
            if on_source:
                on_source(url)
            registry.add(url)
            # A page whose article is no longer indexed is fetched whole. So is a feed or sitemap itself
            # (it has no article): its pages may change while it does not, and each costs only a 304.
            known = {link: state if state.article_id in indexed else PageState(link)
                     for link, state in registry.pages(url).items()}
            fetched.append(_Fetched(url, read_source(url, fetcher, known, settings.max_pages_per_source)))

    loaded, seen = corpus.LoadResult(), set()
    for item in fetched:
        for article in item.result.loaded.articles:
            if article.id not in seen:  # one page reached alone and through a feed is one article
                seen.add(article.id)
                loaded.articles.append(article)
        loaded.skipped += item.result.loaded.skipped
    gone = {aid for item in fetched for aid in item.result.gone}
    for item in fetched:
        registry.record(item.url, item.result.kind, _line(item.result), item.result.pages)
    removable = registry.orphans(gone)
    try:
        report = upsert(loaded, settings, store, embed_model, on_progress, remove=removable)
    except BaseException:
        _forget_validators(registry, fetched)
        raise
    if report.interrupted:
        _forget_validators(registry, fetched)
    report.unchanged += sum(item.result.not_modified for item in fetched)
    report.notes += [f"{item.url}: {item.result.note}" for item in fetched if item.result.note]
    report.seconds = time.perf_counter() - started
    return report


def _forget_validators(registry: Registry, fetched: list[_Fetched]) -> None:
    """Nothing is lost when a write stops: the pages it read are fetched whole next time."""
    for item in fetched:
        read = {a.id for a in item.result.loaded.articles}
        registry.record(item.url, "", "interrupted; run it again", {
            link: PageState(link) if state.article_id in read else state
            for link, state in item.result.pages.items()})


def _line(result: SourceResult) -> str:
    parts = [f"{len(result.loaded.articles)} read"]
    if result.not_modified:
        parts.append(f"{result.not_modified} not modified")
    if result.gone:
        parts.append(f"{len(result.gone)} gone")
    if result.loaded.skipped:
        parts.append(f"{len(result.loaded.skipped)} failed ({result.loaded.skipped[0].reason})")
    return ", ".join(parts)


def remove(url: str, settings: Settings, store: Store) -> int:
    """Forget a source and delete the articles only it led to; how many were deleted."""
    orphans = Registry(settings.data_dir).remove(url)
    if orphans is None:
        raise InputError(f"{url} is not a remembered source; `rag sources` lists them")
    indexed = store.indexed_articles()
    doomed = sorted(aid for aid in orphans if aid in indexed)
    if doomed:
        store.delete_articles(doomed)
    return len(doomed)
