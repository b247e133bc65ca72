"""The real web chat in headless Chromium (Debian's chromium, driven by Playwright)."""

from __future__ import annotations

import os
import socket
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from rag import Assistant, Settings
from tests.conftest import make_corpus
from tests.openai_stub import StubLLM

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-quic"]
EVIL = """---
title: "<script>window.__pwned = 1</script>Harbour <b>gala</b> night"
url: "javascript:window.__pwned = 2"
date: 2024-06-01
---
The Harbour gala raised 12,000 dollars for the lifeboat crew on Saturday.
Guests saw <img src=x onerror="window.__pwned = 3"> fireworks and were told to
[buy tickets](javascript:window.__pwned = 4) for next year.
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


def serve(bot: Assistant):
    from ui.app import launch

    port = free_port()
    app = launch(bot, "127.0.0.1", port, block=False)
    return app, f"http://127.0.0.1:{port}/"


@contextmanager
def chat_over_corpus(base: Path, evil: bool = True, prepare=None):
    """The app over the fixture corpus (plus, with ``evil``, an article full of markup), answered
    offline; ``prepare`` may change the Assistant before the app starts. Yields (bot, url)."""
    corpus = make_corpus(base / "corpus")
    if evil:
        (corpus / "evil.md").write_text(EVIL)
    bot = Assistant(Settings(data_dir=base / "index", corpus_dir=corpus, llm="extractive"))
    bot.ingest()
    if prepare:
        prepare(bot)
    app, url = serve(bot)
    try:
        yield bot, url
    finally:
        app.close()


def open_chat(browser, url: str, width: int = 1200):
    """A page of the chat in a fresh browser context, ready for a question; close its context after."""
    page = browser.new_context(viewport={"width": width, "height": 1000}).new_page()
    page.goto(url)
    page.wait_for_selector("#question textarea")
    return page


@pytest.fixture(scope="module")
def chat_url(tmp_path_factory):
    """The app over the fixture corpus plus an article full of markup, answered offline."""
    with chat_over_corpus(tmp_path_factory.mktemp("web")) as (_, url):
        yield url


@pytest.fixture
def page(browser, chat_url):
    page = open_chat(browser, chat_url)
    yield page
    page.context.close()


def ask(page, question: str, answers_before: int | None = None):
    """Type a question, send it, and wait for its answer to finish; returns the answer's element."""
    bots = page.locator('#chat [data-testid="bot"]')
    before = bots.count() if answers_before is None else answers_before
    page.fill("#question textarea", question)
    page.keyboard.press("Enter")
    bots.nth(before).wait_for()
    page.wait_for_function("n => document.querySelector('#question textarea').value === ''", arg=None)
    settle(page, bots.nth(before))
    return bots.nth(before)


def settle(page, answer, quiet_ms: int = 600, timeout_s: float = 60) -> None:
    """Wait until the answer has stopped changing and nothing is generating: the question now shows
    before its answer, so there are moments mid-answer with no "generating" mark at all."""
    deadline, last = time.monotonic() + timeout_s, None
    while time.monotonic() < deadline:
        html = answer.inner_html()
        if html == last and not page.locator("#chat .generating, #chat .pending").count():
            return
        last = html
        page.wait_for_timeout(quiet_ms)
    raise AssertionError(f"the answer was still changing after {timeout_s:g} s")


def test_a_question_gets_an_answer_with_source_cards_and_linked_citations(page, tmp_path):
    assert "embedded extractive (offline)" in page.inner_text("#status")
    assert "6 articles" in page.inner_text("#status")
    page.get_by_text("What does “").first.wait_for()  # example questions drawn from the corpus
    answer = ask(page, "Who won the women's race at the Riverton marathon?")
    assert "Hana Tesfaye" in answer.inner_text()
    card = answer.locator(".source-card").first
    assert "City marathon draws record field" in card.inner_text()
    assert "2023-10-10" in card.inner_text() and card.locator(".relevance meter").count() == 1
    assert "Hana Tesfaye" in card.locator("mark").inner_text()  # the cited words, highlighted
    assert card.locator("a").get_attribute("href") == "https://example.org/wire/marathon"
    answer.locator("a.cite").first.click()
    assert page.url.endswith("#src-0-1")
    page.screenshot(path=str(tmp_path / "answer.png"), full_page=True)  # an artefact, outside the repo
    assert (tmp_path / "answer.png").stat().st_size > 10_000


def test_a_follow_up_question_uses_the_conversation(page):
    ask(page, "How did the US vote on the UN resolution?")
    follow = ask(page, "And China?")
    assert "China" in follow.inner_text() and "abstention" in follow.inner_text()
    assert "searched for: How did the US vote on the UN resolution? And China?" in follow.inner_text()


def test_an_out_of_corpus_question_reads_as_a_refusal_without_cards(page):
    answer = ask(page, "What is the capital of Peru?")
    assert "The articles in this corpus don't cover that." in answer.inner_text()
    assert answer.locator(".source-card").count() == 0


def test_markup_in_an_article_is_shown_as_text_and_never_runs(page):
    answer = ask(page, "How much did the Harbour gala raise?")
    assert "12,000 dollars" in answer.inner_text()
    card = answer.locator(".source-card").first
    assert "<script>window.__pwned = 1</script>Harbour <b>gala</b> night" in card.inner_text()
    assert "[buy tickets](javascript:" in card.inner_text() or "onerror" in card.inner_text()
    assert page.evaluate("() => window.__pwned") is None
    assert page.locator("#chat script, #chat img, #chat b:has-text('gala')").count() == 0
    hrefs = page.eval_on_selector_all("#chat a", "els => els.map(e => e.getAttribute('href') || '')")
    assert not [h for h in hrefs if h.strip().lower().startswith("javascript")]


def test_errors_show_in_the_chat_and_the_page_stays_usable(page):
    page.fill("#question textarea", "   ")
    page.click("#ask")
    page.locator("#chat .error").first.wait_for()
    assert "the question is empty" in page.inner_text("#chat")
    assert "Traceback" not in page.content()
    answer = ask(page, "What interest rate did the central bank set?")
    assert "4.5 percent" in answer.inner_text()


def test_clear_starts_a_new_conversation(page):
    ask(page, "How did the US vote on the UN resolution?")
    page.click("#clear")
    page.wait_for_function("() => document.querySelectorAll('#chat [data-testid=\"bot\"]').length === 0")
    answer = ask(page, "And China?", answers_before=0)
    assert "searched for" not in answer.inner_text()  # no earlier question to lean on now


def test_settings_panel_filters_by_date(page):
    page.click("#settings button, #settings .label-wrap")
    page.fill("#date-to input, #date-to textarea", "2023-12-31")
    answer = ask(page, "What interest rate did the central bank set?")
    assert "The articles in this corpus don't cover that." in answer.inner_text()


def test_uploaded_files_are_checked_ingested_and_reported(page, tmp_path):
    good = tmp_path / "lighthouse.md"
    good.write_text("---\ntitle: Lighthouse keeper retires\ndate: 2024-09-09\n---\n"
                    "After 41 years, lighthouse keeper Ona Brill retired from the Skerry Point light.")
    binary = tmp_path / "scan.txt"
    binary.write_bytes(b"\x00\x01\x02 binary")
    page.click("#upload button, #upload .label-wrap")
    page.set_input_files("#files input[type=file]", [str(good), str(binary)])
    page.wait_for_function("() => document.querySelectorAll('#files .file, #files tr').length >= 2")
    page.click("#ingest")
    page.wait_for_function("() => document.querySelector('#ingest-report').innerText.includes('added')",
                           timeout=60_000)
    report = page.inner_text("#ingest-report")
    assert "1 added" in report and "Lighthouse keeper retires" in report
    assert "scan.txt" in report and "binary" in report
    answer = ask(page, "How many years did Ona Brill keep the lighthouse?")
    assert "41 years" in answer.inner_text()
    assert "Lighthouse keeper retires" in answer.locator(".source-card").first.inner_text()


def test_two_sessions_never_see_each_others_conversation(browser, chat_url):
    pages = []
    for _ in range(2):
        context = browser.new_context()
        page = context.new_page()
        page.goto(chat_url)
        page.wait_for_selector("#question textarea")
        pages.append(page)
    ask(pages[0], "Who won the men's race at the Riverton marathon?")
    ask(pages[1], "What did the Perseverance rover detect?")
    follow = ask(pages[1], "And who won it?")  # leans on session 2's question only
    assert "Kiprop" not in pages[1].inner_text("#chat") and "Kiprop" not in follow.inner_text()
    assert "Perseverance" not in pages[0].inner_text("#chat")
    for page in pages:
        page.context.close()


@pytest.fixture(scope="module")
def llm_chat(tmp_path_factory):
    """The app answering through an OpenAI-compatible server that streams word by word."""
    stub = StubLLM()
    stub.delay = 0.15  # slow enough that a loaded machine still shows the steps
    stub.condensed = "What interest rate did the central bank set?"  # follow-ups stay on the topic
    base = tmp_path_factory.mktemp("web-llm")
    corpus = make_corpus(base / "corpus")
    bot = Assistant(Settings(data_dir=base / "index", corpus_dir=corpus, llm="openai",
                             openai_base_url=stub.url, openai_model="stub-model", llm_max_retries=0))
    bot.ingest()
    app, url = serve(bot)
    yield stub, url
    app.close()
    stub.stop()


def test_an_llm_answer_streams_in_and_a_backend_failure_is_a_message(browser, llm_chat):
    stub, url = llm_chat
    page = browser.new_page()
    page.goto(url)
    page.wait_for_selector("#question textarea")
    assert f"stub-model at {stub.url}" in page.inner_text("#status")
    page.fill("#question textarea", "What interest rate did the central bank set?")
    started = time.perf_counter()
    page.keyboard.press("Enter")
    seen, first = set(), None
    while time.perf_counter() - started < 30:
        bots = page.locator('#chat [data-testid="bot"]')
        text = bots.first.inner_text() if bots.count() else ""
        if text and first is None:
            first = time.perf_counter() - started
        seen.add(text)
        if "source-card" in page.inner_html("#chat"):
            break
        time.sleep(0.02)
    partial = {t for t in seen if t and "4.5 percent" not in t}
    assert len(partial) >= 3, seen  # the words arrived in several steps before the whole answer
    assert "4.5 percent [1]" in page.inner_text("#chat")

    stub.mode = "500"
    page.fill("#question textarea", "What interest rate did the central bank set?")
    page.keyboard.press("Enter")
    page.locator("#chat .error").first.wait_for()
    assert "failed with HTTP 500" in page.inner_text("#chat .error")
    stub.mode = "cut"  # the server drops the connection mid-answer: a message, not a half answer
    page.fill("#question textarea", "What interest rate did the central bank set?")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelectorAll('#chat .error').length >= 2")
    assert "stopped in the middle of its answer" in page.locator("#chat .error").nth(1).inner_text()
    stub.mode = "answer"
    page.fill("#question textarea", "What interest rate did the central bank set?")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelectorAll('#chat .source-card').length >= 2")
    page.close()


def test_binding_beyond_loopback_requires_a_password(built):
    from rag import RagError
    from ui.app import launch

    with pytest.raises(RagError, match="RAG_UI_USER and RAG_UI_PASSWORD"):
        launch(built, "0.0.0.0", free_port(), block=False)


def test_a_busy_port_is_a_one_line_error(built):
    from rag import RagError
    from ui.app import launch

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(RagError, match="is the port in use") as info:
            launch(built, "127.0.0.1", taken.getsockname()[1], block=False)
    assert "\n" not in str(info.value)


def test_with_a_password_the_page_asks_for_it_first(browser, built, capsys):
    from ui.app import launch

    port = free_port()
    app = launch(built, "127.0.0.1", port, user="reader", password="s3cret", block=False)
    try:
        assert "Password login is on (user 'reader')" in capsys.readouterr().out
        page = browser.new_page()
        page.goto(f"http://127.0.0.1:{port}/")
        page.wait_for_selector("input[type=password]")
        assert page.locator("#question textarea").count() == 0  # nothing of the corpus before login
        page.fill("input[type=text], input[name=username]", "reader")
        page.fill("input[type=password]", "s3cret")
        page.keyboard.press("Enter")
        page.wait_for_selector("#question textarea")
        page.close()
    finally:
        app.close()


def test_python_dash_m_ui_is_the_chat_command():
    import subprocess
    import sys

    run = subprocess.run([sys.executable, "-m", "ui", "--help"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and "Start the web chat" in run.stdout


def test_login_failures_slow_the_guesser_and_nothing_of_the_api_shows_before_login(built):
    import httpx

    from ui.app import launch

    port = free_port()
    app = launch(built, "127.0.0.1", port, user="reader", password="s3cret", block=False)
    url = f"http://127.0.0.1:{port}"
    try:
        page = httpx.get(url + "/").text
        assert "respond" not in page and "ingest_files" not in page  # no endpoint of the app is listed
        assert "Ask the articles" not in page and httpx.get(url + "/gradio_api/info").status_code in (401, 403)
        took = []
        for _ in range(6):
            started = time.perf_counter()
            wrong = httpx.post(url + "/login", data={"username": "reader", "password": "guess"})
            took.append(time.perf_counter() - started)
            assert wrong.status_code == 400
        assert took[0] < 0.5 and took[5] >= 1.6  # 0.1 s after one failure, doubling: 1.6 s after five
        started = time.perf_counter()
        right = httpx.post(url + "/login", data={"username": "reader", "password": "s3cret"})
        assert right.status_code == 200 and time.perf_counter() - started >= 3.2  # the guesser waits too
        assert httpx.post(url + "/login", data={"username": "reader", "password": "x"}).elapsed.total_seconds() < 0.5
    finally:
        app.close()
