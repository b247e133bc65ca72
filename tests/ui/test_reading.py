"""It reads well, in the real web chat (headless Chromium): the highlight stays readable in the dark
theme (a computed-contrast check), a phone shows an answer's first line uncovered, and a date filter that
leaves nothing says so."""

from __future__ import annotations

import pytest

from rag import Assistant, Settings
from tests.conftest import make_corpus
from tests.ui.test_web_chat import ask, browser, serve  # noqa: F401  (browser is a fixture)

MARATHON = "Who won the women's race at the Riverton marathon?"
# WCAG's contrast ratio between an element's text colour and the first opaque background behind it.
CONTRAST = """el => {
  const rgb = s => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  let back = el, bg;
  while (back) {
    bg = rgb(getComputedStyle(back).backgroundColor);
    if (bg.length === 3 || (bg.length === 4 && bg[3] > 0.9)) break;
    back = back.parentElement;
  }
  const fg = rgb(getComputedStyle(el).color);
  const [a, b] = [lum(fg), lum(bg.slice(0, 3))].sort((x, y) => y - x);
  const page = lum(rgb(getComputedStyle(document.querySelector('gradio-app')).backgroundColor));
  return {ratio: (a + 0.05) / (b + 0.05), fg, bg, page};
}"""


@pytest.fixture(scope="module")
def chat_url(tmp_path_factory):
    base = tmp_path_factory.mktemp("reading")
    bot = Assistant(Settings(data_dir=base / "index", corpus_dir=make_corpus(base / "corpus"), llm="extractive"))
    bot.ingest()
    app, url = serve(bot)
    yield url
    app.close()


def open_page(browser, url: str, **context):  # noqa: F811
    page = browser.new_context(**context).new_page()
    page.goto(url)
    page.wait_for_selector("#question textarea")
    return page


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_highlighted_quote_is_readable_in_either_theme(browser, chat_url, theme):  # noqa: F811
    page = open_page(browser, f"{chat_url}?__theme={theme}", viewport={"width": 1200, "height": 1000})
    try:
        answer = ask(page, MARATHON)
        mark = answer.locator(".card-quote mark").first
        result = mark.evaluate(CONTRAST)
        assert (result["page"] < 0.1) == (theme == "dark"), result  # the theme is really in force
        assert result["ratio"] >= 4.5, result  # WCAG AA for body text
        answer.locator(".card-quote").first.click()  # the same sentence, opened in the side panel
        page.wait_for_function("() => document.querySelector('#source-panel').classList.contains('open')")
        page.locator("#source-view .cited mark").wait_for()
        assert page.locator("#source-view .cited mark").evaluate(CONTRAST)["ratio"] >= 4.5
        card = answer.locator(".source-card").first.locator(".card-head")
        assert card.evaluate(CONTRAST)["ratio"] >= 4.5
    finally:
        page.context.close()


def test_a_phone_shows_the_first_line_of_an_answer_uncovered(browser, chat_url):  # noqa: F811
    page = open_page(browser, chat_url, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        answer = ask(page, MARATHON)
        first = answer.locator(".short").first  # the answer's first line
        first.scroll_into_view_if_needed()
        box = first.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390  # not cut off at the sides
        for dx in (0.1, 0.5, 0.9):  # whatever lies on top of the first line is the answer itself
            on_top = page.evaluate("([x, y]) => { const e = document.elementFromPoint(x, y);"
                                   " return e && e.closest('[data-testid=bot]') !== null; }",
                                   [box["x"] + box["width"] * dx, box["y"] + box["height"] / 2])
            assert on_top, f"something covers the answer's first line at {dx:.0%} of its width"
        assert page.locator("#chat [data-testid=block-label]").count() == 0  # no "Chatbot" label at all
    finally:
        page.context.close()


def test_a_date_filter_that_leaves_nothing_says_so(browser, chat_url):  # noqa: F811
    page = open_page(browser, chat_url, viewport={"width": 1200, "height": 1000})
    try:
        page.click("#settings .label-wrap")
        page.fill("#date-from textarea, #date-from input", "2030-01-01")
        answer = ask(page, MARATHON)
        assert "No article is dated from 2030-01-01, so nothing was searched: widen the filter or clear it." \
            in answer.inner_text()
        assert "don't cover that" not in answer.inner_text() and answer.locator(".source-card").count() == 0
    finally:
        page.context.close()
