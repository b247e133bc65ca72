"""The web sources remembered in the data directory (SQLite), so `rag sync` can fetch them again.

A source is a URL someone ingested (a page, a feed, a sitemap). Each page it led to is kept with its
article id and the validators its server sent (ETag, Last-Modified) for the next conditional GET. One
article may be reached by two sources (a page ingested alone and again through its site's feed):
forgetting one source removes only the articles that no other source still leads to.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from rag.sources.web import PageState

FILE_NAME = "sources.sqlite3"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS sources (
    url TEXT PRIMARY KEY, kind TEXT NOT NULL DEFAULT '', added REAL NOT NULL,
    fetched REAL, result TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS pages (
    source TEXT NOT NULL REFERENCES sources(url) ON DELETE CASCADE, url TEXT NOT NULL,
    article_id TEXT NOT NULL DEFAULT '', etag TEXT NOT NULL DEFAULT '', last_modified TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (source, url));
CREATE INDEX IF NOT EXISTS pages_article ON pages(article_id);
"""


@dataclass(frozen=True)
class WebSource:
    url: str
    kind: str  # page, feed, sitemap, document ("" before the first fetch)
    added: float
    fetched: float | None  # time of the last fetch
    result: str  # one line: what the last fetch gave
    articles: int


class Registry:
    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / FILE_NAME

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=30)
        try:
            db.execute("PRAGMA foreign_keys = ON")
            db.executescript(_SCHEMA)
            with db:
                yield db
        finally:
            db.close()

    def add(self, url: str) -> None:
        with self._db() as db:
            db.execute("INSERT OR IGNORE INTO sources (url, added) VALUES (?, ?)", (url, time.time()))

    def urls(self) -> list[str]:
        with self._db() as db:
            return [row[0] for row in db.execute("SELECT url FROM sources ORDER BY added")]

    def sources(self) -> list[WebSource]:
        with self._db() as db:
            rows = db.execute("SELECT s.url, s.kind, s.added, s.fetched, s.result, COUNT(DISTINCT p.article_id)"
                              " FROM sources s LEFT JOIN pages p ON p.source = s.url AND p.article_id != ''"
                              " GROUP BY s.url ORDER BY s.added").fetchall()
        return [WebSource(*row) for row in rows]

    def pages(self, source: str) -> dict[str, PageState]:
        with self._db() as db:
            rows = db.execute("SELECT url, article_id, etag, last_modified FROM pages WHERE source = ?",
                              (source,)).fetchall()
        return {row[0]: PageState(*row) for row in rows}

    def record(self, source: str, kind: str, result: str, pages: dict[str, PageState]) -> None:
        """What one fetch of ``source`` found: its pages replace the ones recorded before."""
        with self._db() as db:
            db.execute("UPDATE sources SET kind = COALESCE(NULLIF(?, ''), kind), fetched = ?, result = ?"
                       " WHERE url = ?", (kind, time.time(), result, source))
            db.execute("DELETE FROM pages WHERE source = ?", (source,))
            db.executemany("INSERT INTO pages VALUES (?, ?, ?, ?, ?)",
                           [(source, p.url, p.article_id, p.etag, p.last_modified) for p in pages.values()])

    def orphans(self, article_ids: set[str]) -> set[str]:
        """Those of ``article_ids`` that no remembered source leads to any more."""
        if not article_ids:
            return set()
        with self._db() as db:
            held = {row[0] for row in db.execute(
                f"SELECT DISTINCT article_id FROM pages WHERE article_id IN ({','.join('?' * len(article_ids))})",
                sorted(article_ids))}
        return article_ids - held

    def remove(self, source: str) -> set[str] | None:
        """Forget a source; the article ids only it led to (None: no such source)."""
        with self._db() as db:
            if db.execute("SELECT 1 FROM sources WHERE url = ?", (source,)).fetchone() is None:
                return None
            ids = {row[0] for row in db.execute("SELECT article_id FROM pages WHERE source = ? AND"
                                                " article_id != ''", (source,))}
            db.execute("DELETE FROM sources WHERE url = ?", (source,))
        return self.orphans(ids)
