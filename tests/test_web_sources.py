"""Web sources against a real HTTP server on 127.0.0.1: pages, feeds, sitemaps, sync, and the guard."""

from __future__ import annotations

import pytest

from rag import Assistant, InputError
from tests.test_documents import PAGES, make_pdf
from tests.web_site import Route, Site, article_page, rss, serve, sitemap, sitemap_index

CRANE = ["The new container crane at Pier Nine lifted its first load on Tuesday, two months ahead of schedule.",
         "Port director Ilse Varga said the crane can move thirty containers an hour, twice the old rate.",
         "The crane cost 14 million euros and was built in Rotterdam, the harbour authority said."]
FERRY = ["The island ferry will run every forty minutes from June, the transport board decided on Monday.",
         "Board chair Tomas Brenner said the faster timetable follows a year of record passenger numbers.",
         "Two new electric ferries join the route in September, cutting the crossing to twenty minutes."]
STRIKE = ["Dock workers ended a three-day strike on Friday after the union accepted a 6 percent pay rise.",
          "Union leader Petra Holm said members voted 412 to 97 in favour of the agreement.",
          "Shipping lines said the backlog of forty vessels would clear by the end of next week."]
BRIDGE = ["The old swing bridge over the canal closes for repairs from 1 July for eleven weeks.",
          "Cyclists will be sent over the lock gates, the city engineer Jonas Ek told the council.",
          "The repairs cost 3.5 million euros, shared between the city and the regional government."]


@pytest.fixture
def site():
    site = Site()
    server = serve(site)
    yield site
    server.shutdown()
    server.server_close()


@pytest.fixture
def bot(site, tmp_path):
    return Assistant(data_dir=tmp_path / "index", allow_private_urls=f"127.0.0.1:{site.port}",
                     requests_per_second=100, fetch_timeout=2)


def publish(site: Site) -> None:
    site.routes["/robots.txt"] = Route(b"User-agent: *\nDisallow: /members/\n", content_type="text/plain")
    site.routes["/news/crane"] = Route(article_page("New crane lifts first load", CRANE, "2024-05-14",
                                                    canonical=f"{site.base}/news/crane"))
    site.routes["/news/ferry"] = Route(article_page("Island ferry to run every forty minutes", FERRY, "2024-05-13"))
    site.routes["/news/strike"] = Route(article_page("Dock strike ends with pay deal", STRIKE, "2024-05-10"))


def test_an_article_page_is_read_without_its_navigation_and_re_ingesting_costs_a_304(site, bot):
    publish(site)
    report = bot.ingest(f"{site.base}/news/crane?utm_source=newsletter")
    assert report.added == ["New crane lifts first load"] and not report.skipped
    (article,) = bot.articles()
    assert article.url == f"{site.base}/news/crane"  # the canonical URL: tracking parameters gone
    assert article.date == "2024-05-14" and article.source == "Harbour Times"
    answer = bot.ask("How many containers an hour can the new crane move?")
    assert answer.sources and answer.sources[0].url == f"{site.base}/news/crane"
    passages = " ".join(s.passage for s in answer.retrieved)
    assert "Sign in" not in passages and "Cookie settings" not in passages and "Most read" not in passages

    again = bot.ingest(f"{site.base}/news/crane?utm_source=newsletter")
    assert again.passages_written == 0 and again.unchanged == 1
    assert site.requests_for("/news/crane?utm_source=newsletter")[-1].get("If-None-Match")  # conditional GET
    assert len(site.requests_for("/robots.txt")) == 2  # once per run, not per page


def test_a_feed_sync_adds_new_entries_replaces_changed_ones_and_keeps_old_ones(site, bot):
    publish(site)
    stamp = "Tue, 14 May 2024 08:00:00 GMT"
    ferry = ("/news/ferry", "Island ferry to run every forty minutes", stamp)
    site.routes["/feed.xml"] = Route(rss(site.base, [("/news/crane", "New crane lifts first load", stamp), ferry]),
                                     content_type="application/rss+xml")
    first = bot.ingest(f"{site.base}/feed.xml")
    assert sorted(first.added) == ["Island ferry to run every forty minutes", "New crane lifts first load"]

    # Between two syncs: the strike story is added, the ferry story changes, the crane story leaves the feed.
    site.routes["/feed.xml"] = Route(rss(site.base, [ferry, ("/news/strike", "Dock strike ends with pay deal", stamp)]),
                                     content_type="application/rss+xml")
    site.routes["/news/ferry"] = Route(article_page("Island ferry to run every forty minutes",
                                                    [*FERRY, "Tickets will cost 4 euros for adults."], "2024-05-13"))
    crane_requests = len(site.requests_for("/news/crane"))
    second = bot.sync()
    assert second.added == ["Dock strike ends with pay deal"]
    assert second.updated == ["Island ferry to run every forty minutes"]
    assert second.removed == []
    assert len(site.requests_for("/news/crane")) == crane_requests  # no longer listed: not fetched
    assert {a.title for a in bot.articles()} == {"New crane lifts first load", "Dock strike ends with pay deal",
                                                 "Island ferry to run every forty minutes"}
    assert "4 euros" in bot.ask("How much will a ferry ticket cost for adults?").text

    third = bot.sync()
    assert not third.changed and third.passages_written == 0 and third.unchanged == 2  # two 304s
    (source,) = bot.web_sources()
    assert source.kind == "feed" and source.articles == 3 and source.fetched


def test_a_page_alone_and_through_a_feed_is_one_article_and_removing_a_source_keeps_shared_ones(site, bot):
    publish(site)
    stamp = "Tue, 14 May 2024 08:00:00 GMT"
    site.routes["/feed.xml"] = Route(rss(site.base, [("/news/crane", "New crane lifts first load", stamp),
                                                     ("/news/ferry", "Island ferry", stamp)]),
                                     content_type="application/rss+xml")
    bot.ingest(f"{site.base}/news/crane")
    through_feed = bot.ingest(f"{site.base}/feed.xml")
    assert through_feed.added == ["Island ferry"] and through_feed.unchanged == 1  # the crane: no duplicate
    assert len(bot.articles()) == 2
    assert bot.remove_web_source(f"{site.base}/feed.xml") == 1  # the ferry; the crane has its own source
    assert [a.title for a in bot.articles()] == ["New crane lifts first load"]
    with pytest.raises(InputError, match="rag sources"):
        bot.remove_web_source(f"{site.base}/feed.xml")


def test_a_page_that_answers_404_on_sync_leaves_the_index(site, bot):
    publish(site)
    bot.ingest(f"{site.base}/news/strike")
    del site.routes["/news/strike"]
    report = bot.sync()
    assert report.removed and bot.articles() == []
    assert "HTTP 404" in report.skipped[0].reason


def test_a_sitemap_index_with_a_gzipped_sitemap_is_read_newest_first_up_to_the_page_limit(site, tmp_path):
    publish(site)
    site.routes["/news/bridge"] = Route(article_page("Swing bridge closes for repairs", BRIDGE, "2024-05-15"))
    site.routes["/sitemap.xml"] = Route(sitemap_index(site.base, ["/sitemap-a.xml", "/sitemap-b.xml.gz"]),
                                        content_type="application/xml")
    site.routes["/sitemap-a.xml"] = Route(sitemap(site.base, ["/news/strike", "/news/ferry"]),
                                          content_type="application/xml")
    site.gz("/sitemap-b.xml.gz", sitemap(site.base, ["/news/crane", "/news/bridge"], first_day=12))
    bot = Assistant(data_dir=tmp_path / "index", allow_private_urls=f"127.0.0.1:{site.port}",
                    requests_per_second=100, max_pages_per_source=3)
    report = bot.ingest(f"{site.base}/sitemap.xml")
    assert len(report.added) == 3 and "Dock strike ends with pay deal" not in report.added  # oldest left out
    assert any("lists 4 pages; the first 3 were read" in note for note in report.notes)
    assert bot.web_sources()[0].kind == "sitemap"


def test_failures_are_reported_one_line_each_and_the_rest_is_ingested(site, tmp_path):
    publish(site)
    site.routes["/slow"] = Route(article_page("Slow", CRANE), delay=3)
    site.routes["/huge"] = Route(endless=5 * 1024 * 1024)
    site.routes["/menu"] = Route(b"<html><body><nav><a href='/a'>A</a> <a href='/b'>B</a></nav></body></html>")
    site.routes["/members/report"] = Route(article_page("Members only", STRIKE))
    site.routes["/garbage.xml"] = Route(b"<?xml version='1.0'?><urlset><url><loc>", content_type="application/xml")
    listing = tmp_path / "urls.txt"
    paths = ["/news/ferry", "/gone", "/slow", "/huge", "/menu", "/members/report", "/garbage.xml"]
    listing.write_text("# our sources\n" + "\n".join(site.base + p for p in paths) + "\n")
    bot = Assistant(data_dir=tmp_path / "index", allow_private_urls=f"127.0.0.1:{site.port}",
                    requests_per_second=100, fetch_timeout=1, max_file_mb=0.1)
    report = bot.ingest(listing)
    assert report.added == ["Island ferry to run every forty minutes"]
    reasons = {s.path.removeprefix(site.base): s.reason for s in report.skipped}
    assert "HTTP 404" in reasons["/gone"]
    assert "timed out" in reasons["/slow"] or "too slow" in reasons["/slow"]
    assert "larger than 0.1 MB" in reasons["/huge"]
    assert "no article text" in reasons["/menu"]
    assert "robots.txt" in reasons["/members/report"]
    assert "sitemap" in reasons["/garbage.xml"]
    assert not site.requests_for("/members/report")  # robots.txt is asked before the page
    assert all("\n" not in reason for reason in reasons.values())
    assert len(bot.web_sources()) == len(paths)


def test_the_guard_refuses_this_machine_and_private_addresses_also_after_redirects(site, tmp_path):
    publish(site)
    site.routes["/to-metadata"] = Route(status=302, location="http://169.254.169.254/latest/meta-data/")
    site.routes["/to-localhost"] = Route(status=302, location=f"http://localhost:{site.port}/news/crane")
    site.routes["/to-file"] = Route(status=302, location="file:///etc/passwd")
    guarded = Assistant(data_dir=tmp_path / "guarded")
    refused = guarded.ingest(f"{site.base}/news/crane")
    assert not refused.added and "private or local address" in refused.skipped[0].reason
    assert "RAG_ALLOW_PRIVATE_URLS=1" in refused.skipped[0].reason
    assert not site.requests_for("/news/crane")  # refused before connecting

    allowed_once = Assistant(data_dir=tmp_path / "allowed", allow_private_urls=f"127.0.0.1:{site.port}",
                             requests_per_second=100)
    for path, reason in [("/to-metadata", "169.254.169.254"), ("/to-localhost", "localhost"),
                         ("/to-file", "only http and https")]:
        report = allowed_once.ingest(f"{site.base}{path}")
        assert not report.added and reason in report.skipped[0].reason, path
    assert not site.requests_for("/news/crane")  # the redirect to localhost was not followed

    with pytest.raises(InputError):
        guarded.ingest("ftp://example.org/file.txt")  # not a URL we read, and not a file either


def test_a_pdf_on_the_web_is_an_article_with_pages(site, bot, tmp_path):
    data = make_pdf(tmp_path / "report.pdf", PAGES, title="Harbour report 2023").read_bytes()
    site.routes["/files/report.pdf"] = Route(data, content_type="application/pdf")
    report = bot.ingest(f"{site.base}/files/report.pdf")
    assert report.added == ["Harbour report 2023"]
    answer = bot.ask("When did the container crane at Pier Nine lift its first load?")
    assert answer.sources[0].page == "3" and answer.sources[0].url == f"{site.base}/files/report.pdf"


def test_the_command_line_ingests_lists_syncs_and_forgets_web_sources(site, tmp_path):
    import json

    from tests.test_cli import rag

    publish(site)
    env = {"RAG_ALLOW_PRIVATE_URLS": f"127.0.0.1:{site.port}", "RAG_REQUESTS_PER_SECOND": "50"}
    index = tmp_path / "index"
    added = rag("ingest", f"{site.base}/news/ferry", data_dir=index, extra_env=env)
    assert added.returncode == 0, added.stderr
    assert "1 added" in added.stdout
    listed = rag("sources", data_dir=index, extra_env=env)
    assert f"{site.base}/news/ferry" in listed.stdout and "page · 1 articles" in listed.stdout
    synced = json.loads(rag("sync", "--json", data_dir=index, extra_env=env).stdout)
    assert synced["unchanged"] == 1 and synced["passages_written"] == 0
    refused = rag("ingest", f"{site.base}/news/ferry", data_dir=tmp_path / "other")  # the guard is on by default
    assert "private or local address" in refused.stderr and "Traceback" not in refused.stderr
    forgot = rag("sources", "remove", f"{site.base}/news/ferry", data_dir=index, extra_env=env)
    assert "1 articles removed" in forgot.stdout
    unknown = rag("sources", "remove", "https://example.org/none", data_dir=index, extra_env=env)
    assert unknown.returncode == 1 and "rag sources" in unknown.stderr and "Traceback" not in unknown.stderr
