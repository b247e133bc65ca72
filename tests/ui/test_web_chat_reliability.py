"""The web chat under stress, in headless Chromium: kill -9 mid-upload, then a restart; 20 sessions at once."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rag import Assistant, Settings
from tests.conftest import make_corpus
from tests.ui.test_web_chat import ask, browser, free_port  # noqa: F401  (browser is a fixture)


def start_chat(corpus: Path, data_dir: Path, port: int, log: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_") and not k.startswith("OPENAI_")}
    env["RAG_DATA_DIR"] = str(data_dir)
    proc = subprocess.Popen([sys.executable, "-m", "ui", str(corpus), "--port", str(port)], env=env,
                            stdout=log.open("a"), stderr=subprocess.STDOUT)
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc
        except OSError:
            assert proc.poll() is None, log.read_text()[-3000:]
            time.sleep(0.3)
    proc.kill()
    pytest.fail("the chat did not start within 120 s")


DOCKS = 90  # articles in the upload: about nine groups of writes, seconds apart


def test_kill_9_during_an_upload_loses_nothing_and_the_restart_finishes_it(browser, tmp_path):  # noqa: F811
    corpus = make_corpus(tmp_path / "corpus")
    data_dir, log, port = tmp_path / "index", tmp_path / "chat.log", free_port()
    upload = tmp_path / "wire-batch.jsonl"
    upload.write_text("".join(json.dumps({"title": f"Dock report {i}", "id": str(i),
                                          "text": f"Dock {i} moved {100 + i} containers. " * 120}) + "\n"
                              for i in range(DOCKS)))
    server = start_chat(corpus, data_dir, port, log)
    try:
        page = browser.new_page()
        page.goto(f"http://127.0.0.1:{port}/")
        page.wait_for_selector("#question textarea")
        page.click("#upload button, #upload .label-wrap")
        page.set_input_files("#files input[type=file]", [str(upload)])
        page.wait_for_function("() => document.querySelectorAll('#files .file, #files tr').length >= 1")
        page.click("#ingest")
        # the kill lands once the progress bar shows the first group written, long before the last one
        page.wait_for_function("""() => { const m = (document.querySelector('#ingest-report') || {}).innerText
            ?.match(/embedding - ([\\d.]+)%/); return m && Number(m[1]) > 0; }""", timeout=120_000)
        os.kill(server.pid, signal.SIGKILL)
        server.wait()
        page.close()
        written = Assistant(Settings(data_dir=data_dir)).store.indexed_articles()
        docks = [a for a in written.values() if "uploads" in a.path]
        assert 0 < len(docks) < DOCKS, "the kill came too late to test anything"
        server = start_chat(corpus, data_dir, port, log)  # the restart brings the uploads up to date
        bot = Assistant(Settings(data_dir=data_dir))
        ids = [pid for pid, _, _ in bot.store.passages(include=[])]
        assert len(ids) == len(set(ids))
        articles = bot.store.indexed_articles()
        assert len([a for a in articles.values() if "uploads" in a.path]) == DOCKS
        assert all(a.content_hash for a in articles.values())  # every article complete
        page = browser.new_page()
        page.goto(f"http://127.0.0.1:{port}/")
        page.wait_for_selector("#question textarea")
        assert "Dock 17 moved 117 containers" in ask(page, "How many containers did Dock 17 move?").inner_text()
        page.close()
    finally:
        server.kill()
        server.wait()


def test_twenty_sessions_at_once_each_keep_their_own_follow_ups(browser, tmp_path):  # noqa: F811
    from ui.app import launch

    corpus = make_corpus(tmp_path / "corpus")
    bot = Assistant(Settings(data_dir=tmp_path / "index", corpus_dir=corpus, llm="extractive"))
    bot.ingest()
    port = free_port()
    app = launch(bot, "127.0.0.1", port, block=False)
    topics = [("How did the US vote on the UN resolution?", "And China?", "abstention"),
              ("Who won the men's race at the Riverton marathon?", "And the women's race?", "Tesfaye")]
    pages = []
    try:
        for i in range(20):
            page = browser.new_context().new_page()
            page.goto(f"http://127.0.0.1:{port}/")
            page.wait_for_selector("#question textarea")
            pages.append((page, topics[i % 2]))
        for step in (0, 1):
            for page, topic in pages:  # all 20 questions are in flight before any answer is awaited
                page.fill("#question textarea", topic[step])
                page.keyboard.press("Enter")
            for page, _ in pages:
                done = (f"() => document.querySelectorAll('#chat [data-testid=\"bot\"]').length >= {step + 1}"
                        " && !document.querySelector('#chat .generating, #chat .pending')")
                page.wait_for_function(done, timeout=120_000)
        for page, (first, follow, expected) in pages:
            chat = page.inner_text("#chat")
            other = topics[1] if first == topics[0][0] else topics[0]
            assert expected in chat and f"searched for: {first} {follow}" in chat
            assert other[0] not in chat and "error" not in chat.lower()
    finally:
        for page, _ in pages:
            page.context.close()
        app.close()
