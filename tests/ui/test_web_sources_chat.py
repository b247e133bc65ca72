"""The web chat's "Add articles" takes a web address, in a real browser against a real site on 127.0.0.1."""

from __future__ import annotations

import pytest

from rag import Assistant, Settings
from tests.test_web_sources import publish, site  # noqa: F401  (the fixture: a real server on 127.0.0.1)
from tests.ui.test_web_chat import ask, browser, serve  # noqa: F401  (the fixture: headless chromium)


@pytest.fixture
def chat(site, tmp_path):  # noqa: F811
    publish(site)
    bot = Assistant(Settings(data_dir=tmp_path / "index", corpus_dir=tmp_path / "none", llm="extractive",
                             allow_private_urls=f"127.0.0.1:{site.port}", requests_per_second=100))
    app, url = serve(bot)
    yield url
    app.close()


def report_after(page, url: str, expect: str) -> str:
    """Send a web address and wait for the report that says ``expect`` (the last one stays until then)."""
    page.fill("#url textarea, #url input", url)
    page.click("#ingest-url")
    page.wait_for_function("s => document.querySelector('#ingest-report').innerText.includes(s)", arg=expect,
                           timeout=60_000)
    return page.inner_text("#ingest-report")


def test_a_web_address_is_fetched_ingested_and_cited_with_its_link(browser, chat, site):  # noqa: F811
    context = browser.new_context(viewport={"width": 1200, "height": 1000})
    page = context.new_page()
    page.goto(chat)
    page.wait_for_selector("#question textarea")
    page.click("#upload button, #upload .label-wrap")
    report_after(page, "ftp://example.org/x", "web address that starts with http")
    report = report_after(page, f"{site.base}/news/crane", "1 added")
    assert "New crane lifts first load" in report
    answer = ask(page, "How many containers an hour can the new crane move?")
    assert "thirty containers" in answer.inner_text()
    card = answer.locator(".source-card").first
    assert "New crane lifts first load" in card.inner_text()
    assert card.locator(f"a[href='{site.base}/news/crane']").count() >= 1
    missing = report_after(page, f"{site.base}/news/none", "HTTP 404")
    assert "not read" in missing and "/news/none" in missing
    context.close()
