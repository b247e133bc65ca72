"""`rag chat --sync-every`: the web chat's corpus follows its feeds while it runs."""

from __future__ import annotations

import time

import pytest

from rag import Assistant
from tests.test_web_sources import STRIKE, publish, site  # noqa: F401  (the fixture: a real server on 127.0.0.1)
from tests.web_site import Route, article_page, rss
from ui.sync_loop import SyncLoop, parse_every


def test_intervals_read_as_people_write_them():
    assert parse_every("30m") == 1800 and parse_every("2h") == 7200 and parse_every("90s") == 90
    assert parse_every("1d") == 86400 and parse_every(" 1.5 m ") == 90
    for bad in ("30", "m", "0s", "-5m", "soon"):
        with pytest.raises(ValueError, match="30m"):
            parse_every(bad)


def test_the_loop_brings_a_new_feed_entry_in_and_survives_a_failed_run(site, tmp_path):  # noqa: F811
    publish(site)
    stamp = "Tue, 14 May 2024 08:00:00 GMT"
    site.routes["/feed.xml"] = Route(rss(site.base, [("/news/crane", "New crane lifts first load", stamp)]),
                                     content_type="application/rss+xml")
    bot = Assistant(data_dir=tmp_path / "index", allow_private_urls=f"127.0.0.1:{site.port}",
                    requests_per_second=100)
    bot.ingest(f"{site.base}/feed.xml")
    loop = SyncLoop(bot, 0.3)
    loop.start()
    try:
        site.routes["/feed.xml"] = Route(b"<rss><channel><item><link>", content_type="application/rss+xml")
        deadline = time.monotonic() + 60
        while loop.runs < 1 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert loop.is_alive() and [a.title for a in bot.articles()] == ["New crane lifts first load"]
        site.routes["/news/strike"] = Route(article_page("Dock strike ends with pay deal", STRIKE, "2024-05-10"))
        site.routes["/feed.xml"] = Route(rss(site.base, [("/news/strike", "Dock strike ends with pay deal", stamp),
                                                         ("/news/crane", "New crane lifts first load", stamp)]),
                                         content_type="application/rss+xml")
        while len(bot.articles()) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        loop.stop()
    assert {a.title for a in bot.articles()} == {"New crane lifts first load", "Dock strike ends with pay deal"}
    assert "pay rise" in bot.ask("What pay rise did the dock workers accept?").text
