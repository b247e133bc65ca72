"""A web page's article: its main text and metadata, without navigation, footers, ads or comments.

trafilatura does the reading (the field's standard extractor; tests/benchmarks/extraction.py measured it
against our old tag rules on its saved real pages). It also reads the metadata: title, publication date
(htmldate: the page's own date, not today's), author, site name and the canonical URL.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache

log = logging.getLogger(__name__)
MAX_ELEMENTS = 200_000  # a page with more HTML elements than this is not an article (and would be slow)
MIN_WORDS = 12  # less text than a sentence or two is a menu or a login wall, not an article


@lru_cache(maxsize=1)
def _config():
    from trafilatura.settings import use_config

    config = use_config()
    config.set("DEFAULT", "MAX_TREE_SIZE", str(MAX_ELEMENTS))
    return config


@dataclass(frozen=True)
class Page:
    text: str
    title: str = ""
    date: str = ""  # ISO date or ""
    author: str = ""
    site: str = ""
    url: str = ""  # the canonical URL when the page names one


def extract(html: str | bytes, url: str = "") -> Page | None:
    """The article of a page, or None when the page holds no article text (a menu, a login wall)."""
    import trafilatura  # here, not at the top: a question never needs it, and it costs 45 ms to import

    try:
        doc = trafilatura.bare_extraction(
            html, url=url or None, with_metadata=True, include_comments=False, include_tables=True,
            config=_config(), date_extraction_params={"extensive_search": False, "original_date": True},
        )
    except (ValueError, TypeError, RecursionError) as err:  # lxml on hostile markup
        log.info("no article extracted from %s: %s", url or "an HTML file", err)
        return None
    if doc is None or len((doc.text or "").split()) < MIN_WORDS:
        return None
    paragraphs = [line.strip() for line in doc.text.splitlines() if line.strip()]
    return Page(text="\n\n".join(paragraphs), title=doc.title or "", date=doc.date or "", author=doc.author or "",
                site=doc.sitename or "", url=doc.url or "")
