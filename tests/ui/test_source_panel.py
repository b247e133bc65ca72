"""Sources you can open, in the real web chat (headless Chromium): a click on a card or on [n] opens the
whole passage in its article in a side panel, the cited sentence marked, the article's link given; cards
name files relative to the corpus and show the score as a relevance bar; untrusted text stays inert."""

from __future__ import annotations

import time

import pytest

from tests.ui.test_web_chat import ask, browser, chat_over_corpus, open_chat  # noqa: F401  (browser is a fixture)

PANEL_OPEN = "() => document.querySelector('#source-panel').classList.contains('open')"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with chat_over_corpus(tmp_path_factory.mktemp("sources")) as running:
        yield running


@pytest.fixture
def page(browser, site):  # noqa: F811
    page = open_chat(browser, site[1], width=1280)
    yield page
    page.context.close()


def open_by(page, locator, heading: str) -> float:
    """Click ``locator`` and wait until the side panel is open and shows ``heading``; returns seconds."""
    started = time.perf_counter()
    locator.click()
    page.wait_for_function(PANEL_OPEN)
    page.wait_for_function("h => document.querySelector('#source-view').innerText.includes(h)", arg=heading)
    return time.perf_counter() - started


def test_a_click_on_a_card_opens_the_whole_passage_with_the_quote_marked_and_the_link(page):
    answer = ask(page, "Who won the women's race at the Riverton marathon?")
    assert not page.evaluate(PANEL_OPEN)
    took = open_by(page, answer.locator(".source-card .card-quote").first, "City marathon draws record field")
    print(f"opening a source took {took:.2f} s")
    view = page.locator("#source-view")
    assert "A record 31,000 runners finished the Riverton city marathon on Sunday." in view.inner_text()
    assert "Hana Tesfaye" in view.locator(".cited mark").inner_text()
    assert view.locator("a").first.get_attribute("href") == "https://example.org/wire/marathon"
    assert "passage 1 of 1" in view.inner_text()


def test_a_click_on_n_opens_the_passage_inside_its_article_and_paths_are_relative_to_the_corpus(page, site):
    bot, _ = site
    answer = ask(page, "How did the US vote on the UN resolution?")
    card = answer.locator(".source-card").first
    assert card.locator(".path").inner_text() == "corpus/trump-alliance-betrayal.md"
    meter = card.locator(".relevance meter")
    assert 0 < float(meter.get_attribute("value")) <= 1
    assert "cosine similarity" in card.locator(".relevance").get_attribute("title")
    assert "score" not in card.inner_text()  # the bare number is replaced by the bar
    open_by(page, answer.locator("a.cite").first, "Alliance Betrayal")
    view = page.locator("#source-view")
    assert "of 5" in view.inner_text()  # the article has five passages; all are shown around the cited one
    assert view.locator(".context").count() >= 3 and view.locator(".cited").count() == 1
    assert view.locator(".cited mark").inner_text().strip() in view.locator(".cited").inner_text()
    assert "corpus/trump-alliance-betrayal.md" in view.inner_text()
    assert str(bot.settings.corpus_dir) not in page.inner_text("#chat") + view.inner_text()  # (the status names it)
    # the overlapping text of consecutive passages is shown once
    first_context = view.locator(".context").first.inner_text()
    assert view.inner_text().count(first_context[-60:]) == 1


def test_a_source_opens_again_after_a_reload(page):
    ask(page, "What interest rate did the central bank set?")
    page.reload()
    page.wait_for_selector("#question textarea")
    page.locator("#chat .source-card").first.wait_for()
    open_by(page, page.locator("#chat .source-card .card-quote").first, "Central bank raises interest rate")


def test_untrusted_text_in_the_panel_stays_inert(page):
    answer = ask(page, "How much did the Harbour gala raise?")
    open_by(page, answer.locator(".source-card .card-quote").first, "Harbour")
    view = page.locator("#source-view")
    assert "<script>window.__pwned = 1</script>Harbour <b>gala</b> night" in view.inner_text()
    assert view.locator("script, b, img").count() == 0
    assert not [h for h in view.locator("a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
                if h and not h.startswith("http")]
    assert page.evaluate("() => window.__pwned") is None


def test_the_screen_reader_label_of_an_answer_is_its_text_not_its_html(page):
    answer = ask(page, "Who won the women's race at the Riverton marathon?")
    page.wait_for_function("""() => [...document.querySelectorAll('#chat [aria-label^="bot\\'s message: "]')]
        .some(e => !e.getAttribute('aria-label').includes('<'))""")
    label = page.locator("#chat [aria-label^=\"bot's message: \"]").last.get_attribute("aria-label")
    assert "<" not in label and "&#" not in label
    assert "Hana Tesfaye" in label and "City marathon draws record field" in label
    assert answer.inner_text().split()[0] in label
