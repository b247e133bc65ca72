"""Answer controls in the real web chat (headless Chromium): stop while an LLM answer streams in,
regenerate, thumbs up/down with a comment kept with the conversation, and `rag feedback export` writing
the thumbs-down questions as a QA file that `rag eval` reads."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

import rag
from rag import Assistant, Settings
from rag.evaluation.qa import load
from tests.conftest import make_corpus
from tests.openai_stub import StubLLM
from tests.ui.test_web_chat import ask, browser, chat_over_corpus, open_chat, serve, settle  # noqa: F401  (browser is a fixture)
from ui.conversations import LOCAL_OWNER, ConversationStore

BOTS = '#chat [data-testid="bot"]'
RAG = [sys.executable, "-c", "from ui.cli import main; main()"]  # the `rag` command
RATE = "What interest rate did the central bank set?"


class Counting:
    """The real answerer, counting its replies (a regenerated answer is a new reply)."""

    def __init__(self, inner) -> None:
        self.inner, self.label, self.replies = inner, inner.label, 0

    def condense(self, question, history):
        return self.inner.condense(question, history)

    def reply(self, question, query, history, passages, as_of=None):
        self.replies += 1
        return self.inner.reply(question, query, history, passages, as_of)

    def choose(self, question, choices, passages):
        return self.inner.choose(question, choices, passages)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    def counting(bot):
        bot._answerer = Counting(bot.answerer)

    with chat_over_corpus(tmp_path_factory.mktemp("controls"), evil=False, prepare=counting) as running:
        yield running


@pytest.fixture
def page(browser, site):  # noqa: F811
    page = open_chat(browser, site[1])
    yield page
    page.context.close()


def store_of(bot: Assistant) -> ConversationStore:
    return ConversationStore.in_data_dir(bot.settings.data_dir)


def only_conversation_with(bot: Assistant, question: str):
    [info] = [c for c in store_of(bot).list(LOCAL_OWNER) if c.title == question]
    return store_of(bot).get(LOCAL_OWNER, info.id)


def test_regenerate_answers_the_last_question_again_and_replaces_its_saved_turn(page, site):
    bot, _ = site
    question = "How many countries voted in favor of the UN resolution?"
    first = ask(page, question)
    assert "93" in first.inner_text()
    replies = bot.answerer.replies
    page.locator(f'{BOTS} >> nth=-1').hover()
    page.click('#chat button[aria-label="Retry"]')
    deadline = time.monotonic() + 60
    while bot.answerer.replies == replies and time.monotonic() < deadline:  # wait for the new reply
        page.wait_for_timeout(100)
    assert bot.answerer.replies == replies + 1  # answered anew
    page.wait_for_function(f"() => document.querySelectorAll('{BOTS}').length === 1")
    page.wait_for_function("() => document.querySelectorAll('#chat .source-card').length >= 1")
    settle(page, page.locator(BOTS).first)
    assert "93" in page.locator(BOTS).first.inner_text()
    assert page.locator('#chat [data-testid="user"]').count() == 1
    conversation = only_conversation_with(bot, question)
    assert len(conversation.turns) == 1  # the new answer replaced the old one
    follow = ask(page, "And how many against?", answers_before=1)  # the context is the regenerated turn's
    assert "searched for: How many countries voted in favor of the UN resolution?" in follow.inner_text()


def test_thumbs_down_with_a_comment_is_kept_and_exported_as_a_qa_file_rag_eval_reads(page, site, tmp_path):
    bot, _ = site
    ask(page, RATE)
    page.locator(f"{BOTS} >> nth=-1").hover()
    page.click('#chat button[aria-label="Dislike"]')
    page.locator("#feedback-box").wait_for()
    page.wait_for_function("t => (document.querySelector('#feedback-note') || {}).innerText?.includes(t)",
                           arg="thumbs-down is saved")
    page.fill("#feedback-comment textarea", "It should say when the rate changed.")
    page.fill("#feedback-right textarea", "4.5 percent")
    page.click("#feedback-save")
    page.locator("#feedback-box").wait_for(state="hidden")
    turn = only_conversation_with(bot, RATE).turns[0]
    assert (turn.feedback.rating, turn.feedback.comment, turn.feedback.right_answer) == (
        "down", "It should say when the rate changed.", "4.5 percent")

    ask(page, "Who won the women's race at the Riverton marathon?")  # a thumbs-up is kept, never exported
    page.locator(f"{BOTS} >> nth=-1").hover()
    page.locator('#chat button[aria-label="Like"]').last.click()
    page.wait_for_function("t => (document.querySelector('#feedback-note') || {}).innerText?.includes(t)",
                           arg="thumbs-up is saved")

    liked = only_conversation_with(bot, RATE).turns[1]
    assert liked.feedback.rating == "up"
    page.locator('#chat button[aria-label="Liked"]').last.click()  # clicked again: the rating goes
    deadline = time.monotonic() + 30
    while only_conversation_with(bot, RATE).turns[1].feedback \
            and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert only_conversation_with(bot, RATE).turns[1].feedback is None

    out = tmp_path / "feedback.jsonl"
    run = subprocess.run([*RAG, "feedback", "export", str(out), "--data-dir",
                          str(bot.settings.data_dir)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "wrote 1 thumbs-down question to" in run.stdout
    [line] = [json.loads(x) for x in out.read_text().splitlines()]
    assert line["question"] == RATE and line["answer"] == ["4.5 percent"] and line["category"] == "feedback"
    assert line["comment"] == "It should say when the rate changed." and "4.5 percent" in line["rejected_answer"]
    qa = load(out)
    assert [item.question for item in qa.items] == [RATE] and not qa.problems
    report = rag.evaluate(out, bot)  # what `rag eval` runs
    assert report.metrics["pass_rate"] == 1.0


def test_feedback_export_without_conversations_is_a_one_line_error(tmp_path):
    run = subprocess.run([*RAG, "feedback", "export", str(tmp_path / "x.jsonl"),
                          "--data-dir", str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 1 and "no conversations in" in run.stderr and "Traceback" not in run.stderr


@pytest.fixture(scope="module")
def slow_llm(tmp_path_factory):
    """The app answering through an OpenAI-compatible server that streams a word every 0.4 s."""
    stub = StubLLM()
    stub.delay = 0.4
    base = tmp_path_factory.mktemp("controls-llm")
    bot = Assistant(Settings(data_dir=base / "index", corpus_dir=make_corpus(base / "corpus"), llm="openai",
                             openai_base_url=stub.url, openai_model="stub-model", llm_max_retries=0))
    bot.ingest()
    app, url = serve(bot)
    yield bot, url
    app.close()
    stub.stop()


def test_stop_ends_a_streaming_answer_keeps_what_came_and_saves_nothing(browser, slow_llm):  # noqa: F811
    bot, url = slow_llm
    page = browser.new_page()
    page.goto(url)
    page.wait_for_selector("#question textarea")
    assert not page.locator("#stop").is_visible()
    page.fill("#question textarea", RATE)
    page.keyboard.press("Enter")
    page.locator("#stop").wait_for(state="visible")
    page.wait_for_function(f"() => (document.querySelector('{BOTS}') || {{}}).innerText?.trim().length > 3")
    page.click("#stop")
    page.locator("#chat .stopped").wait_for()
    page.locator("#stop").wait_for(state="hidden")
    answer = page.locator(BOTS).first
    settle(page, answer)
    text = answer.inner_text()
    assert "Stopped: this answer is not saved" in text
    assert "4.5 percent [1]" not in text and answer.locator(".source-card").count() == 0  # cut short
    page.wait_for_timeout(1500)  # the stub would have written more words by now: none arrived
    assert answer.inner_text() == text
    assert not store_of(bot).list(LOCAL_OWNER)  # nothing saved
    follow = ask(page, "And what was inflation?", answers_before=1)  # nothing to lean on: no "searched for"
    assert "searched for" not in follow.inner_text()
    page.close()
