"""Token-by-token streaming with an LLM backend: each word the server sends is shown before the next one
exists. The stub server pauses mid-answer until the test lets it go on, so what the reader sees at that
moment is known exactly, with no timing in the assertions."""

from __future__ import annotations

import threading

import pytest

from rag import Assistant, Settings
from tests.conftest import make_corpus
from tests.openai_stub import StubLLM
from tests.ui.test_web_chat import browser, serve, settle  # noqa: F401  (browser is a fixture)

RATE = "What interest rate did the central bank set?"
BOT = '#chat [data-testid="bot"]'


@pytest.fixture(scope="module")
def llm(tmp_path_factory):
    stub = StubLLM()
    base = tmp_path_factory.mktemp("tokens")
    bot = Assistant(Settings(data_dir=base / "index", corpus_dir=make_corpus(base / "corpus"), llm="openai",
                             openai_base_url=stub.url, openai_model="stub-model", llm_max_retries=0))
    bot.ingest()
    yield stub, bot
    stub.stop()


def test_the_chain_yields_each_token_as_the_server_sends_it(llm):
    stub, bot = llm
    stub.pause_after, stub.resume = 0, threading.Event()
    pieces = list(bot.stream(RATE))
    text = "The central bank raised its rate to 4.5 percent [1], its third increase this year."
    assert len(pieces) >= len(text.split()) - 2  # about one piece a word (a held-back "[1]" joins its neighbour)
    assert "".join(pieces).startswith("The central bank raised")


def test_the_browser_shows_the_words_sent_so_far_while_the_server_is_still_writing(browser, llm):  # noqa: F811
    stub, bot = llm
    stub.pause_after, stub.resume = 4, threading.Event()
    app, url = serve(bot)
    page = browser.new_page()
    try:
        page.goto(url)
        page.wait_for_selector("#question textarea")
        page.fill("#question textarea", RATE)
        page.keyboard.press("Enter")
        page.wait_for_function(f"() => (document.querySelector('{BOT}') || {{}}).innerText?.includes('bank raised')")
        answer = page.locator(BOT).first
        shown = answer.inner_text()
        assert shown.strip() == "The central bank raised"  # four words, and not one more, while the server waits
        assert page.locator("#stop").is_visible()  # still answering
        stub.resume.set()
        page.locator("#chat .source-card").first.wait_for()
        settle(page, answer)
        assert "The central bank raised its rate to 4.5 percent [1], its third increase this year." in \
            answer.inner_text()
    finally:
        stub.resume.set()
        page.close()
        app.close()
