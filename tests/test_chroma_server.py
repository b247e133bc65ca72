"""Server mode: the same code against a real `chroma run` server on loopback."""

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rag import Assistant, Settings
from rag.errors import BackendError, InputError


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def chroma_server(tmp_path):
    chroma = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
    port = free_port()
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    log = (tmp_path / "chroma.log").open("w")
    proc = subprocess.Popen([chroma, "run", "--path", str(tmp_path / "server-data"), "--host", "127.0.0.1",
                             "--port", str(port)], stdout=log, stderr=subprocess.STDOUT, env=env)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert proc.poll() is None, (tmp_path / "chroma.log").read_text()
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("chroma run did not start within 60 s")
    yield port
    proc.terminate()
    proc.wait(timeout=30)
    log.close()


def test_ingest_and_ask_through_a_chroma_server(chroma_server, corpus_dir, tmp_path):
    settings = Settings(chroma_host="127.0.0.1", chroma_port=chroma_server, corpus_dir=corpus_dir,
                        data_dir=tmp_path / "unused", llm="extractive")
    bot = Assistant(settings)
    report = bot.ingest()
    assert len(report.added) == 5 and report.passages_written > 5
    # The passages are on the server; only the BM25 index's cache is kept locally.
    assert [p.name for p in (tmp_path / "unused").iterdir()] == ["bm25"]
    answer = bot.ask("Who won the men's race at the Riverton marathon?")
    assert "Amos Kiprop" in answer.text and answer.sources
    again = Assistant(settings).ingest()
    assert again.unchanged == 5 and again.passages_written == 0
    assert bot.store.where == f"Chroma server 127.0.0.1:{chroma_server}"


def test_an_unreachable_chroma_server_is_a_one_line_error(tmp_path):
    settings = Settings(chroma_host="127.0.0.1", chroma_port=free_port(), llm="extractive")
    with pytest.raises(BackendError, match=r"Chroma server 127\.0\.0\.1") as info:
        Assistant(settings).ask("Anything?")
    assert "\n" not in str(info.value)


def test_two_workers_share_an_ingest_and_write_each_article_once(chroma_server, corpus_dir, tmp_path, monkeypatch):
    from tests.test_ingest import count_embeddings

    settings = Settings(chroma_host="127.0.0.1", chroma_port=chroma_server, corpus_dir=corpus_dir,
                        data_dir=tmp_path / "local", llm="extractive")
    bot = Assistant(settings)
    embedded_here = count_embeddings(monkeypatch)  # this process; the workers are fresh interpreters
    report = bot.ingest(workers=2)
    assert len(report.added) == 5 and report.unchanged == 0 and not report.notes, report.summary()
    assert embedded_here == []  # the closing pass found everything written
    got = bot.store.collection().get(include=["metadatas"])
    assert report.passages_written == len(got["ids"]) == len(set(got["ids"]))
    by_write = {}  # each worker writes its own groups, each group stamped with its own time
    for meta in got["metadatas"]:
        by_write.setdefault(meta["written"], set()).add(meta["article_id"])
    assert len(by_write) >= 2 and sum(len(a) for a in by_write.values()) == 5  # no article in two writes
    assert "Amos Kiprop" in bot.ask("Who won the men's race at the Riverton marathon?").text
    again = Assistant(settings).ingest(workers=2)
    assert (again.added, again.updated, again.unchanged, again.passages_written) == ([], [], 5, 0)


def test_workers_need_a_chroma_server(settings):
    with pytest.raises(InputError, match="needs a Chroma server") as info:
        Assistant(settings).ingest(workers=2)
    assert "\n" not in str(info.value) and not settings.data_dir.joinpath("chroma.sqlite3").exists()


def test_shares_are_of_about_equal_text_and_keep_an_articles_copies_together(corpus_dir):
    from rag import corpus
    from rag.workers import shares

    articles = corpus.load(corpus_dir, 20).articles
    copy = articles[0]
    split = shares([*articles, copy], 2)
    assert sorted(a.id for s in split for a in s) == sorted(a.id for a in [*articles, copy])
    assert [sum(a.id == copy.id for a in s) for s in split] in ([2, 0], [0, 2])
    sizes = sorted(sum(len(a.text) for a in s) for s in split)
    longest = max(len(a.text) for a in articles)
    assert sizes[1] - sizes[0] <= longest  # greedy: never more apart than one article
