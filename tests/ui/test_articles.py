"""The Articles panel in the real web chat (headless Chromium): the list, its search and filters, delete
(with its uploaded file), re-ingest, and a chat scoped to some sources or articles."""

from __future__ import annotations

import pytest

from tests.ui.test_web_chat import ask, browser, chat_over_corpus, open_chat  # noqa: F401  (browser is a fixture)
from ui.uploads import upload_dir

MARATHON = "Who won the women's race at the Riverton marathon?"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with chat_over_corpus(tmp_path_factory.mktemp("articles")) as running:
        yield running


@pytest.fixture
def page(browser, site):  # noqa: F811
    page = open_chat(browser, site[1])
    page.click("#articles .label-wrap")
    wait_for_count(page, "of ")
    yield page
    page.context.close()


def wait_for_count(page, text: str) -> None:
    """Wait until the panel says ``text`` ("2 of 6") and, when it starts with a number, the table shows
    that many rows."""
    page.wait_for_function("t => (document.querySelector('#article-count') || {}).innerText?.includes(t)", arg=text)
    if text.split()[0].isdigit():
        page.wait_for_function("n => document.querySelectorAll('#article-table div[role=row]').length === n",
                               arg=int(text.split()[0]))


def table(page) -> list[str]:
    """The table's rows, each as its cells' text joined by " | " (the header left out)."""
    return page.evaluate("""() => [...document.querySelectorAll('#article-table div[role=row]')].map(
        row => [...row.querySelectorAll('[role=gridcell], td')].map(c => c.innerText.trim()).join(' | '))""")


def pick(page, elem_id: str, text: str) -> None:
    """Choose the option named ``text`` in a Gradio dropdown."""
    page.click(f"#{elem_id} input")
    page.keyboard.type(text[:12])
    page.locator(f"#{elem_id} [role=option]", has_text=text).first.click()
    page.keyboard.press("Escape")


def test_every_article_is_listed_with_its_date_source_passages_and_a_path_relative_to_the_corpus(page, site):
    bot, _ = site
    wait_for_count(page, "6 of 6 articles")
    rows = table(page)
    assert len(rows) == 6
    marathon = next(r for r in rows if "City marathon draws record field" in r)
    assert "2023-10-10" in marathon and "Example Wire" in marathon and "corpus/wire.jsonl" in marathon
    trump = next(r for r in rows if "Alliance Betrayal" in r)
    assert " | 5 | " in trump  # its passages
    assert str(bot.settings.corpus_dir) not in page.inner_text("#article-table")  # never the server's path
    # an article's markup is text in the table, never elements
    assert "<script>window.__pwned = 1</script>Harbour <b>gala</b> night" in page.inner_text("#article-table")
    assert page.locator("#article-table script, #article-table b").count() == 0
    assert page.evaluate("() => window.__pwned") is None


def test_the_list_is_searched_and_filtered_by_source_and_date(page):
    page.fill("#article-search textarea, #article-search input", "marathon")
    page.keyboard.press("Enter")
    wait_for_count(page, "1 of 6")
    assert "City marathon" in table(page)[0]
    page.fill("#article-search textarea, #article-search input", "")
    page.keyboard.press("Enter")
    wait_for_count(page, "6 of 6")
    pick(page, "article-sources", "Example Wire")
    wait_for_count(page, "2 of 6")
    assert all("Example Wire" in r for r in table(page))
    page.fill("#article-from textarea, #article-from input", "2024-01-01")
    page.keyboard.press("Enter")
    wait_for_count(page, "1 of 6")
    assert "Central bank raises interest rate" in table(page)[0]
    page.fill("#article-from textarea, #article-from input", "not a date")
    page.keyboard.press("Enter")
    page.get_by_text("the date from 'not a date' is not a date: use YYYY-MM-DD").wait_for()


def test_deleting_an_uploaded_article_deletes_its_file_and_a_corpus_one_comes_back_on_re_ingest(page, site,
                                                                                              tmp_path):
    bot, _ = site
    good = tmp_path / "lighthouse.md"
    good.write_text("---\ntitle: Lighthouse keeper retires\ndate: 2024-09-09\nsource: Coast News\n---\n"
                    "After 41 years, lighthouse keeper Ona Brill retired from the Skerry Point light.")
    binary = tmp_path / "scan.txt"
    binary.write_bytes(b"\x00\x01\x02 binary")
    page.click("#upload .label-wrap")
    page.set_input_files("#files input[type=file]", [str(good), str(binary)])
    page.wait_for_function("() => document.querySelectorAll('#files .file, #files tr').length >= 2")
    page.click("#ingest")
    page.wait_for_function("() => document.querySelector('#ingest-report').innerText.includes('added')")
    uploads = upload_dir(bot.settings.data_dir)
    assert (uploads / "lighthouse.md").exists() and not (uploads / "scan.txt").exists()  # the rejected one went
    wait_for_count(page, "7 of 7")
    assert any("Lighthouse keeper retires" in r and "uploads/lighthouse.md" in r for r in table(page))

    pick(page, "delete-pick", "Lighthouse keeper retires")
    page.click("#delete-article")
    page.wait_for_function("() => document.querySelector('#article-report').innerText.includes('Deleted')")
    assert "uploaded file uploads/lighthouse.md is deleted too" in page.inner_text("#article-report")
    wait_for_count(page, "6 of 6")
    assert not (uploads / "lighthouse.md").exists()
    assert not any("Lighthouse" in r for r in table(page))
    assert "6 articles" in page.inner_text("#status")
    answer = ask(page, "How many years did Ona Brill keep the lighthouse?")
    assert "41 years" not in answer.inner_text()

    page.locator("#article-table [role=gridcell]", has_text="Ecuador's banana exports").first.click()  # a row picks
    page.wait_for_function("() => document.querySelector('#delete-pick input').value.startsWith('Ecuador')")
    page.click("#delete-article")
    page.wait_for_function("() => document.querySelector('#article-report').innerText.includes('stays on the')")
    assert "Deleted “Ecuador's banana exports" in page.inner_text("#article-report")
    wait_for_count(page, "5 of 5")
    page.click("#reingest")
    page.wait_for_function("() => document.querySelector('#article-report').innerText.includes('1 added')")
    wait_for_count(page, "6 of 6")
    assert any("Ecuador" in r for r in table(page)) and not any("Lighthouse" in r for r in table(page))
    # the rejected upload is not reported again by a later ingest
    assert "scan.txt" not in page.inner_text("#article-report")


def test_a_chat_scoped_to_a_source_or_an_article_answers_from_those_only(page):
    pick(page, "scope-sources", "Space Desk")
    page.wait_for_function("() => document.querySelector('#scope-note').innerText.includes('source Space Desk')")
    answer = ask(page, MARATHON)
    assert "Hana Tesfaye" not in answer.inner_text()
    assert "Only the chosen articles or sources were searched." in answer.inner_text()
    page.click("#scope-sources button[aria-label*='Clear'], #scope-sources .token-remove")
    page.wait_for_function("() => !document.querySelector('#scope-note').innerText.includes('Space Desk')")
    pick(page, "scope-articles", "City marathon draws record field")
    page.wait_for_function("() => document.querySelector('#scope-note').innerText.includes('City marathon')")
    answer = ask(page, MARATHON)
    assert "Hana Tesfaye" in answer.inner_text()
    titles = {t.split("\n")[0] for t in answer.locator(".source-card .card-head").all_inner_texts()}
    assert titles == {"[1] City marathon draws record field"}
    pick(page, "scope-articles", "Rover finds organic")  # two articles: either one may answer
    page.wait_for_function("() => document.querySelector('#scope-note').innerText.includes('Rover')")
    answer = ask(page, "What did the Perseverance rover detect?")
    assert "organic" in answer.inner_text()
