"""Which article extractor to trust with web pages: the old BeautifulSoup reader against trafilatura.

Scored on trafilatura's own evaluation set of saved real pages (tests/evaldata.json in its repository:
for each page, snippets of the article that must be kept and of navigation, footers and ads that must
not). Not a test: run it by hand against a checkout of https://github.com/adbar/trafilatura.

    python tests/benchmarks/extraction.py PATH/TO/trafilatura [--limit 300]

Prints, per extractor: share of article snippets kept (recall), share of boilerplate snippets left out
(precision of the cut), their F1, the share of pages that give no text at all, and ms per page.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from bs4 import BeautifulSoup

from rag.corpus import ArticleError, parse_html, tag_rules_text
from rag.sources.pages import extract


def old_reader(html: str, url: str) -> str:
    """The reader used for .html files before trafilatura: tag rules over BeautifulSoup."""
    return tag_rules_text(BeautifulSoup(html, "html.parser"))


def new_reader(html: str, url: str) -> str:
    page = extract(html, url)
    return page.text if page else ""


def current_html_files(html: str, url: str) -> str:
    """What `rag ingest page.html` gives now (trafilatura, with the old reader as its fallback)."""
    with tempfile.NamedTemporaryFile("w", suffix=".html", encoding="utf-8") as handle:
        handle.write(html)
        handle.flush()
        try:
            return parse_html(html, Path(handle.name)).text
        except ArticleError:
            return ""


READERS = {"beautifulsoup rules (before)": old_reader, "trafilatura": new_reader,
           "rag .html files (now)": current_html_files}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo", type=Path, help="a checkout of trafilatura (its tests/ folder is read)")
    parser.add_argument("--limit", type=int, default=0, help="score only the first N pages (0: all)")
    args = parser.parse_args()
    gold = json.loads((args.repo / "tests" / "evaldata.json").read_text())
    pages = []
    for url, entry in gold.items():
        for folder in ("eval", "cache"):
            path = args.repo / "tests" / folder / entry["file"]
            if path.exists():
                pages.append((url, path.read_bytes().decode("utf-8", "replace"), entry))
                break
    if args.limit:
        pages = pages[: args.limit]
    print(f"{len(pages)} saved pages with gold snippets")
    print(f"{'reader':32} {'kept':>6} {'cut':>6} {'F1':>6} {'empty':>6} {'ms/page':>8}")
    for name, reader in READERS.items():
        kept = want = cut = unwanted = empty = 0
        started = time.perf_counter()
        for url, html, entry in pages:
            text = " ".join(reader(html, url).split())
            empty += not text
            for snippet in entry.get("with", []):
                want += 1
                kept += " ".join(snippet.split()) in text
            for snippet in entry.get("without", []):
                unwanted += 1
                cut += " ".join(snippet.split()) not in text
        ms = (time.perf_counter() - started) * 1000 / len(pages)
        recall, precision = kept / want, cut / unwanted
        f1 = 2 * recall * precision / (recall + precision)
        print(f"{name:32} {recall:6.3f} {precision:6.3f} {f1:6.3f} {empty / len(pages):6.3f} {ms:8.1f}")


if __name__ == "__main__":
    main()
