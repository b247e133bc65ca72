"""What a feed sync costs: a first ingest, a sync with nothing changed (conditional GETs only), and a
sync after 5 entries changed and 5 were added. A real HTTP server on 127.0.0.1 serves the site; all
figures come from one run. Not a test: run it by hand.

    python tests/benchmarks/bench_sync.py [--entries 50]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from rag import Assistant
from tests.web_site import Route, Site, article_page, rss, serve

WORDS = [
    "harbour",
    "council",
    "budget",
    "ferry",
    "strike",
    "crane",
    "port",
    "union",
    "minister",
    "shipping",
    "schedule",
    "repairs",
    "bridge",
    "tickets",
    "passengers",
    "engineers",
    "contract",
    "vote",
    "season",
    "record",
]


def story(n: int, version: int = 0) -> list[str]:
    """Three paragraphs of distinct text for story ``n`` (``version`` changes one sentence)."""
    words = [WORDS[(n * 7 + i * 3) % len(WORDS)] for i in range(40)]
    return [
        f"Story {n} reports that the {words[0]} and the {words[1]} met on day {n}. " + " ".join(words[:20]) + ".",
        f"Officials said {n * 3} people attended; the {words[2]} plan was revised {version} times.",
        " ".join(words[20:]) + f". The meeting ended at {n % 12 + 1} o'clock.",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=50)
    args = parser.parse_args()
    site = Site()
    server = serve(site)
    stamp = "Tue, 14 May 2024 08:00:00 GMT"

    def publish(count: int, changed: set[int]) -> None:
        for n in range(count):
            site.routes[f"/news/{n}"] = Route(article_page(f"Story {n}", story(n, int(n in changed))))
        site.routes["/feed.xml"] = Route(
            rss(site.base, [(f"/news/{n}", f"Story {n}", stamp) for n in range(count)]),
            content_type="application/rss+xml",
        )

    publish(args.entries, set())
    with tempfile.TemporaryDirectory() as tmp:
        bot = Assistant(
            data_dir=Path(tmp) / "index", allow_private_urls=f"127.0.0.1:{site.port}", requests_per_second=100
        )
        print(f"{'run':36} {'seconds':>8} {'requests':>9} {'304s':>5} {'added':>6} {'updated':>8} {'passages':>9}")
        for name, action in [
            ("first ingest", lambda: bot.ingest(f"{site.base}/feed.xml")),
            ("sync, nothing changed", bot.sync),
            ("sync, 5 changed + 5 new entries", None),
        ]:
            if action is None:
                publish(args.entries + 5, set(range(5)))
                action = bot.sync
            before = len(site.seen)
            started = time.perf_counter()
            report = action()
            seconds = time.perf_counter() - started
            requests = site.seen[before:]
            not_modified = sum(1 for _, headers in requests if headers.get("If-None-Match"))
            print(
                f"{name:36} {seconds:8.2f} {len(requests):9d} {not_modified:5d} {len(report.added):6d}"
                f" {len(report.updated):8d} {report.passages_written:9d}"
            )
    server.shutdown()


if __name__ == "__main__":
    main()
