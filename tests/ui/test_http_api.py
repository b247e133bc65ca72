"""`rag serve`: the HTTP API driven by the official openai client and by httpx, against real servers."""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import openai
import pytest
import uvicorn
from typer.testing import CliRunner

from rag import Assistant, Settings
from tests.conftest import make_corpus
from tests.test_chroma_server import chroma_server, free_port  # noqa: F401  (the fixture: a real `chroma run`)

MODEL = "rag-articles"
MARATHON = "Who won the men's race at the Riverton marathon?"
# (question, the one article it must cite, a fact the answer must hold)
QUESTIONS = [
    (MARATHON, "City marathon draws record field", "Amos Kiprop"),
    ("What interest rate did the central bank of Freedonia set?", "Central bank raises interest rate to 4.5 percent",
     "4.5 percent"),
    ("What did the Perseverance rover detect?", "Rover finds organic molecules in Jezero crater", "organic molecules"),
    ("How many tonnes of bananas did Ecuador ship in 2023?", "Ecuador's banana exports rise despite shipping costs",
     "6.5 million tonnes"),
]
GALA = """---
title: "Harbour gala raises money for the lifeboat crew"
date: {date}
url: https://example.org/harbour-gala
---
The Harbour gala in Port Wendel raised {amount} dollars for the lifeboat crew on Saturday night.
"""


def environment(**extra: str) -> dict:
    """This interpreter's environment without any developer's RAG_* or OpenAI setting, plus ``extra``."""
    base = {k: v for k, v in os.environ.items()
            if not k.startswith("RAG_") and k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL")}
    return {**base, "RAG_LLM": "extractive", **extra}


@contextmanager
def rag_serve(*servers: tuple[Path, dict, list[str]]):
    """`rag serve` subprocesses on 127.0.0.1, started at once, each as (workdir, env, args); yields
    their base URLs once every /healthz answers."""
    procs, urls = [], []
    try:
        for workdir, env, args in servers:
            port = free_port()
            workdir.mkdir(parents=True, exist_ok=True)
            log_path = workdir / f"serve-{port}.log"
            with log_path.open("w") as log:
                procs.append((subprocess.Popen([sys.executable, "-c", "from ui.cli import main; main()", "serve",
                                                *args, "--host", "127.0.0.1", "--port", str(port)], cwd=workdir,
                                               env=env, stdout=log, stderr=subprocess.STDOUT), log_path))
            urls.append(f"http://127.0.0.1:{port}")
        for url, (proc, log_path) in zip(urls, procs, strict=True):
            wait_healthy(url, proc, log_path)
        yield urls
    finally:
        for proc, _ in procs:
            proc.terminate()
        for proc, _ in procs:
            proc.wait(timeout=30)


def wait_healthy(url: str, proc: subprocess.Popen, log_path: Path, timeout: float = 120) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        assert proc.poll() is None, log_path.read_text()
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    pytest.fail(f"rag serve did not answer within {timeout} s:\n{log_path.read_text()}")


@contextmanager
def in_thread(bot: Assistant, keys: list[str] | None = None, login: tuple[str, str] | None = None,
              host: str = "127.0.0.1"):
    """The app `rag serve` runs, served by uvicorn in a thread (for assistants a test makes); yields the
    URL to reach it on 127.0.0.1 whatever ``host`` it binds."""
    from ui.serve import server_app

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(server_app(bot, keys or [], login), host=host, port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    assert server.started
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


def client(url: str, key: str = "anything") -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{url}/v1", api_key=key, max_retries=0, timeout=60)


def ask(chat: openai.OpenAI, question: str, **options):
    return chat.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": question}], **options)


def streamed(chat: openai.OpenAI, messages: list[dict]) -> tuple[str, list]:
    chunks = list(chat.chat.completions.create(model=MODEL, messages=messages, stream=True,
                                               stream_options={"include_usage": True}))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    return text, chunks


@pytest.fixture(scope="module")
def server(built, tmp_path_factory):
    """One `rag serve` over a copy of the fixture index for the module; tests that add articles remove
    them. (A copy: two processes must not share one Chroma data directory.)"""
    base = tmp_path_factory.mktemp("serve")
    shutil.copytree(built.settings.data_dir, base / "index")
    with rag_serve((base, environment(RAG_DATA_DIR=str(base / "index")), ["--no-ingest"])) as (url,):
        yield url


@pytest.fixture(scope="module")
def chat(server) -> openai.OpenAI:
    return client(server)


def test_the_assistant_is_the_one_model_and_an_unknown_model_is_a_404(chat):
    assert [m.id for m in chat.models.list()] == [MODEL]
    with pytest.raises(openai.NotFoundError) as info:
        chat.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": MARATHON}])
    assert info.value.status_code == 404
    assert info.value.body["message"] == "the model 'gpt-4o' does not exist: this server serves 'rag-articles'"
    assert info.value.body["code"] == "model_not_found"


def test_a_plain_completion_keeps_the_citations_and_returns_the_sources(chat):
    reply = ask(chat, MARATHON)
    content = reply.choices[0].message.content
    answer, _, block = content.partition("\n\n**Sources**\n")
    assert "Amos Kiprop" in answer and "[1]" in answer, content
    assert block.startswith("- [1] City marathon draws record field (2023-10-10 · https://example.org/wire/marathon)")
    sources = reply.model_extra["sources"]
    assert [s["title"] for s in sources] == ["City marathon draws record field"]
    assert sources[0]["number"] == 1 and "Amos Kiprop" in sources[0]["quote"] and sources[0]["score"] > 0
    assert reply.object == "chat.completion" and reply.model == MODEL and reply.id.startswith("chatcmpl-")
    assert reply.choices[0].finish_reason == "stop" and reply.model_extra["refused"] is False
    assert reply.usage.total_tokens == 0  # the extractive answerer spends no tokens

    latencies = []
    for _ in range(10):
        started = time.perf_counter()
        again = ask(chat, MARATHON)
        latencies.append(time.perf_counter() - started)
        assert again.choices[0].message.content == content  # the same question gets the same answer
    p50 = statistics.median(latencies)
    print(f"\n/v1/chat/completions p50 {p50 * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms (10 requests)")
    assert p50 < 2.0


def test_a_streamed_completion_sends_chunks_ending_in_done_and_matches_the_plain_one(chat, server):
    question = "What interest rate did the central bank of Freedonia set?"
    plain = ask(chat, question).choices[0].message.content
    text, chunks = streamed(chat, [{"role": "user", "content": question}])
    assert text == plain
    assert chunks[0].choices[0].delta.role == "assistant"
    pieces = [c for c in chunks if c.choices and c.choices[0].delta.content]
    assert len(pieces) >= 2 and all(c.object == "chat.completion.chunk" and c.id == chunks[0].id for c in chunks)
    assert pieces[-1].choices[0].delta.content.startswith("\n\n**Sources**\n- [1] Central bank")  # after the text
    stop = next(c for c in chunks if c.choices and c.choices[0].finish_reason == "stop")
    assert [s["title"] for s in stop.model_extra["sources"]] == ["Central bank raises interest rate to 4.5 percent"]
    assert chunks[-1].choices == [] and chunks[-1].usage.total_tokens == 0  # usage, as include_usage asks

    with httpx.stream("POST", f"{server}/v1/chat/completions", timeout=30,
                      json={"model": MODEL, "stream": True, "messages": [{"role": "user", "content": question}]}) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        events = [line for line in r.iter_lines() if line]
    assert all(line.startswith("data: ") for line in events) and events[-1] == "data: [DONE]"
    assert "".join(json.loads(e[6:])["choices"][0]["delta"].get("content", "") for e in events[:-1]) == plain


def test_the_earlier_messages_are_the_history_a_follow_up_is_condensed_with(chat):
    first = ask(chat, "How did the US vote on the resolution?").choices[0].message.content
    messages = [{"role": "system", "content": "You are a helpful assistant."},
                {"role": "user", "content": "How did the US vote on the resolution?"},
                {"role": "assistant", "content": first},
                {"role": "user", "content": "And China?"}]
    follow = chat.chat.completions.create(model=MODEL, messages=messages)
    assert follow.model_extra["query"] == "How did the US vote on the resolution? And China?"
    assert follow.choices[0].message.content.startswith("Even China"), follow.choices[0].message.content
    alone = ask(chat, "And China?")
    assert alone.model_extra["query"] == "And China?"  # without the history nothing is condensed
    text, _ = streamed(chat, messages)
    assert text == follow.choices[0].message.content  # the stream condenses the same way


def test_a_bad_conversation_is_a_400_with_a_one_line_message(chat, server):
    cases = [([], "messages is empty: send at least one user message"),
             ([{"role": "user", "content": MARATHON}, {"role": "assistant", "content": "Amos [1]."}],
              "the last message is from 'assistant': it must be the user's question"),
             ([{"role": "user", "content": "x" * 200_000}],
              "the question is 200,000 characters long; the limit is 2,000 (RAG_MAX_QUESTION_CHARS): shorten it")]
    for messages, message in cases:
        for stream in (False, True):
            with pytest.raises(openai.BadRequestError) as info:
                chat.chat.completions.create(model=MODEL, messages=messages, stream=stream)
            assert info.value.status_code == 400 and info.value.body["message"] == message
    raw = httpx.post(f"{server}/v1/chat/completions", json={"model": MODEL}, timeout=30)
    assert raw.status_code == 400 and raw.json()["error"]["param"] == "messages"
    huge = httpx.post(f"{server}/v1/chat/completions", timeout=30,
                      json={"model": MODEL, "messages": [{"role": "user", "content": "y" * 200_000}]})
    assert huge.status_code == 400 and "Traceback" not in huge.text
    assert huge.json()["error"]["type"] == "invalid_request_error"


def test_ask_and_search_return_json_with_dates_and_top_k(server):
    got = httpx.post(f"{server}/v1/ask", timeout=30, json={"question": MARATHON, "top_k": 3, "as_of": "2023-10-12"})
    assert got.status_code == 200, got.text
    answer = got.json()
    assert "Amos Kiprop" in answer["text"] and answer["as_of"] == "2023-10-12" and len(answer["retrieved"]) == 3
    assert answer["sources"][0]["url"] == "https://example.org/wire/marathon" and not answer["refused"]
    assert [t["role"] for t in answer["history"]] == ["user", "assistant"]
    assert 0.4 <= answer["confidence"] <= 1  # the offline answerer's score, at or above its threshold
    follow = httpx.post(f"{server}/v1/ask", timeout=30,
                        json={"question": "And the women's race?", "history": answer["history"]}).json()
    assert "Hana Tesfaye" in follow["text"] and "Riverton" in follow["query"]
    filtered = httpx.post(f"{server}/v1/ask", timeout=30, json={"question": MARATHON, "date_from": "2024-01-01"}).json()
    assert filtered["refused"] and "Only articles dated from 2024-01-01 were searched" in filtered["text"]

    found = httpx.post(f"{server}/v1/search", timeout=30, json={"query": "banana exports from Ecuador", "top_k": 2})
    assert found.status_code == 200
    passages = found.json()["passages"]
    assert len(passages) == 2 and passages[0]["title"] == "Ecuador's banana exports rise despite shipping costs"
    assert "6.5 million tonnes" in passages[0]["text"] and passages[0]["score"] > passages[1]["score"] - 1
    dated = httpx.post(f"{server}/v1/search", timeout=30,
                       json={"query": "interest rate", "date_from": "2024-01-01", "date_to": "2024-12-31"}).json()
    assert dated["passages"] and all(p["date"].startswith("2024") for p in dated["passages"])

    bad_date = httpx.post(f"{server}/v1/ask", timeout=30, json={"question": MARATHON, "date_from": "soon"})
    assert bad_date.status_code == 400 and "use YYYY-MM-DD" in bad_date.json()["error"]["message"]
    too_many = httpx.post(f"{server}/v1/search", timeout=30, json={"query": "rates", "top_k": 500})
    assert too_many.status_code == 400 and too_many.json()["error"]["param"] == "top_k"
    empty = httpx.post(f"{server}/v1/search", timeout=30, json={"query": "  "})
    assert empty.status_code == 400 and "the question is empty" in empty.json()["error"]["message"]


def test_health_docs_the_web_chat_and_unknown_routes(server):
    health = httpx.get(f"{server}/healthz").json()
    assert health["status"] == "ok" and health["articles"] == 5 and health["passages"] >= 5
    docs = httpx.get(f"{server}/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    assets = re.findall(r'(?:src|href)="([^"]+)"', docs.text)
    assert assets and all(a.startswith("/docs-assets/") for a in assets), assets  # nothing from a CDN
    assert all(httpx.get(f"{server}{a}").status_code == 200 for a in assets)
    paths = httpx.get(f"{server}/openapi.json").json()["paths"]
    assert {"/v1/chat/completions", "/v1/models", "/v1/ask", "/v1/search", "/v1/ingest", "/v1/ingest/files",
            "/v1/articles", "/v1/articles/{article_id}", "/healthz"} <= set(paths)
    page = httpx.get(f"{server}/")
    assert page.status_code == 200 and "gradio" in page.text.lower()
    config = httpx.get(f"{server}/config")
    assert config.status_code == 200 and "Ask the articles" in config.text  # the web chat itself, on one port
    missing = httpx.get(f"{server}/v1/embeddings")
    assert missing.status_code == 404 and missing.json()["error"]["message"] == "no API route /v1/embeddings: see /docs"


def test_ingest_by_path_and_by_upload_list_and_delete_articles(server, chat, tmp_path):
    folder = tmp_path / "more"
    folder.mkdir()
    (folder / "gala.md").write_text(GALA.format(date="2024-06-01", amount="12,000"))
    question = "How much did the Harbour gala raise for the lifeboat crew?"
    assert ask(chat, question).model_extra["refused"]

    done = httpx.post(f"{server}/v1/ingest", json={"paths": [str(folder)]}, timeout=120)
    assert done.status_code == 200, done.text
    assert done.json()["added"] == ["Harbour gala raises money for the lifeboat crew"]
    reply = ask(chat, question)
    assert "12,000 dollars" in reply.choices[0].message.content
    assert reply.model_extra["sources"][0]["url"] == "https://example.org/harbour-gala"

    files = [("files", ("kiln.txt", b"Kiln fire in Dorset\nThe Dorset pottery kiln fire destroyed 400 vases.\n",
                        "text/plain")),
             ("files", ("tool.exe", b"MZ\x90\x00", "application/octet-stream"))]
    uploaded = httpx.post(f"{server}/v1/ingest/files", files=files, timeout=120).json()
    assert uploaded["added"] == ["Kiln fire in Dorset"]
    assert uploaded["rejected"][0]["path"] == "tool.exe" and "is not one of" in uploaded["rejected"][0]["reason"]
    assert "400 vases" in ask(chat, "How many vases did the Dorset kiln fire destroy?").choices[0].message.content

    listed = {a["title"]: a for a in httpx.get(f"{server}/v1/articles").json()}
    assert len(listed) == 7 and listed["Harbour gala raises money for the lifeboat crew"]["date"] == "2024-06-01"
    for title in ("Harbour gala raises money for the lifeboat crew", "Kiln fire in Dorset"):
        article_id = listed[title]["article_id"]
        gone = httpx.delete(f"{server}/v1/articles/{article_id}")
        assert gone.status_code == 200 and gone.json() == {"article_id": article_id, "passages_deleted": 1}
        again = httpx.delete(f"{server}/v1/articles/{article_id}")
        assert again.status_code == 404 and article_id in again.json()["error"]["message"]
    assert len(httpx.get(f"{server}/v1/articles").json()) == 5
    assert ask(chat, question).model_extra["refused"]  # neither the vectors nor BM25 remember it

    nowhere = httpx.post(f"{server}/v1/ingest", json={"paths": [str(tmp_path / "nowhere")]}, timeout=30)
    assert nowhere.status_code == 400 and "does not exist" in nowhere.json()["error"]["message"]
    assert httpx.post(f"{server}/v1/ingest", json={"paths": []}).status_code == 400


def test_twenty_concurrent_streams_each_get_their_own_answer(chat):
    def one(i: int):
        question = QUESTIONS[i % len(QUESTIONS)][0]
        text, chunks = streamed(chat, [{"role": "user", "content": question}])
        stop = next(c for c in chunks if c.choices and c.choices[0].finish_reason == "stop")
        return i, text, {s["title"] for s in stop.model_extra["sources"]}

    started = time.perf_counter()
    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(one, range(20)))
    wall = time.perf_counter() - started
    print(f"\n20 concurrent streamed completions: {wall:.2f} s wall")
    for i, text, titles in results:
        _, title, fact = QUESTIONS[i % len(QUESTIONS)]
        assert titles == {title}, (i, titles)
        assert fact in text and not [f for _, _, f in QUESTIONS if f != fact and f in text], (i, text)
    assert wall < 60


def test_usage_is_filled_in_when_an_llm_answers(built, stub):
    bot = Assistant(Settings(data_dir=built.settings.data_dir, llm="openai", openai_base_url=stub.url,
                             openai_api_key="sk-test", openai_model="stub-model", llm_max_retries=0))
    with in_thread(bot) as url:
        reply = ask(client(url), "What interest rate did the central bank set?")
        assert reply.choices[0].message.content.startswith(
            "The central bank raised its rate to 4.5 percent [1], its third increase this year.")
        assert (reply.usage.prompt_tokens, reply.usage.completion_tokens, reply.usage.total_tokens) == (120, 16, 136)
        assert reply.model_extra["backend"] == f"stub-model at {stub.url}"
        _, chunks = streamed(client(url), [{"role": "user", "content": "What interest rate did the central bank set?"}])
        assert chunks[-1].usage.prompt_tokens == 120
        stub.mode = "cut"  # the LLM drops the connection mid-answer: the stream ends with an error event
        with pytest.raises(openai.APIError, match="stopped in the middle of its answer"):
            streamed(client(url), [{"role": "user", "content": "What interest rate did the central bank set?"}])
        stub.mode = "500"  # the LLM fails before the first piece: a status, as for a plain request
        for stream in (False, True):
            with pytest.raises(openai.InternalServerError) as info:
                client(url).chat.completions.create(model=MODEL, stream=stream, messages=[
                    {"role": "user", "content": "What interest rate did the central bank set?"}])
            assert info.value.status_code == 503 and "\n" not in info.value.body["message"]


def test_a_missing_index_is_a_503_with_the_message_that_says_what_to_do(tmp_path):
    with in_thread(Assistant(Settings(data_dir=tmp_path / "empty", llm="extractive"))) as url:
        for stream in (False, True):
            with pytest.raises(openai.InternalServerError) as info:
                client(url).chat.completions.create(model=MODEL, stream=stream,
                                                    messages=[{"role": "user", "content": MARATHON}])
            assert info.value.status_code == 503 and info.value.body["type"] == "index_missing"
            assert info.value.body["message"].startswith("no index yet in ") and "run `rag ingest" in \
                info.value.body["message"]
        searched = httpx.post(f"{url}/v1/search", json={"query": "rates"})
        assert searched.status_code == 503 and searched.json()["error"]["type"] == "index_missing"
        assert httpx.get(f"{url}/v1/articles").json() == []
        assert httpx.get(f"{url}/healthz").json()["passages"] == 0


def test_a_bug_is_a_500_json_error_without_a_traceback(built):
    from tests.scripted import ScriptedAnswerer

    class Broken(ScriptedAnswerer):
        def condense(self, question, history):
            if question.startswith("Crash"):
                raise RuntimeError("a bug in condense")
            return question

        def reply(self, question, query, history, passages, as_of=None):
            made = super().reply(question, query, history, passages, as_of)
            made.pieces = (piece if piece != "BOOM" else 1 / 0 for piece in self.pieces)
            return made

    bot = Assistant(Settings(data_dir=built.settings.data_dir, llm="extractive"),
                    answerer=Broken(["The winner was Amos Kiprop [1]. ", "BOOM"]))
    with in_thread(bot) as url:
        for stream in (False, True):
            got = httpx.post(f"{url}/v1/chat/completions", timeout=30, json={
                "model": MODEL, "stream": stream, "messages": [{"role": "user", "content": "Crash " + MARATHON}]})
            assert got.status_code == 500 and "Traceback" not in got.text and "a bug" not in got.text
            assert got.json()["error"] == {"message": "internal error (RuntimeError); the server log has the"
                                           " details", "type": "internal_error", "param": None, "code": None}
        with pytest.raises(openai.APIError, match=r"internal error \(ZeroDivisionError\)"):
            streamed(client(url), [{"role": "user", "content": MARATHON}])  # mid-stream: an error event


def test_serve_with_a_chroma_server_down_stops_with_one_line(tmp_path):
    from ui.cli import app

    env = {"RAG_CHROMA_HOST": "127.0.0.1", "RAG_CHROMA_PORT": str(free_port()), "RAG_LLM": "extractive"}
    result = CliRunner().invoke(app, ["serve", "--no-ingest", "--port", str(free_port())], env=env)
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 1 and len(lines) == 1 and "cannot reach the Chroma server 127.0.0.1" in lines[0]


def test_serve_reads_the_keys_and_the_login_from_the_environment(monkeypatch, tmp_path):
    import ui.serve
    from ui.cli import app

    started = []
    monkeypatch.setattr(ui.serve, "run", lambda *args: started.append(args))
    env = {"RAG_API_KEYS": " key-one, key-two ,", "RAG_UI_USER": "ann", "RAG_UI_PASSWORD": "s3cret",
           "RAG_UI_HOST": "0.0.0.0", "RAG_UI_PORT": "7999", "RAG_DATA_DIR": str(tmp_path / "index")}
    result = CliRunner().invoke(app, ["serve", "--no-ingest"], env=env)
    assert result.exit_code == 0, result.output
    (_, host, port, keys, login), = started
    assert (host, port, keys, login) == ("0.0.0.0", 7999, ["key-one", "key-two"], ("ann", "s3cret"))


def test_beyond_loopback_the_api_needs_a_key_and_the_chat_its_login(built):
    bot = Assistant(Settings(data_dir=built.settings.data_dir, llm="extractive"))
    with in_thread(bot, ["key-one", "key-two"], ("ann", "s3cret"), host="0.0.0.0") as url:  # beyond loopback
        for key, message in ((None, "this server needs an API key"), ("key-three", "the API key is not valid")):
            headers = {"Authorization": f"Bearer {key}"} if key else {}
            for method, path in (("GET", "/v1/models"), ("POST", "/v1/chat/completions"), ("GET", "/v1/articles"),
                                 ("DELETE", "/v1/articles/x"), ("POST", "/v1/ingest"), ("GET", "/v1/nothing")):
                refused = httpx.request(method, f"{url}{path}", headers=headers, json={})
                assert refused.status_code == 401, (method, path, refused.text)
                assert refused.json()["error"]["message"].startswith(message)
        with pytest.raises(openai.AuthenticationError):
            ask(client(url, "key-three"), MARATHON)
        assert "Amos Kiprop" in ask(client(url, "key-two"), MARATHON).choices[0].message.content
        assert httpx.get(f"{url}/healthz").status_code == 200  # open: a load balancer has no key

        assert httpx.get(f"{url}/config").status_code == 401  # the web chat wants its login
        wrong = httpx.post(f"{url}/login", data={"username": "ann", "password": "guess"})
        assert wrong.status_code >= 400
        with httpx.Client(base_url=url) as browser:
            assert browser.post("/login", data={"username": "ann", "password": "s3cret"}).status_code == 200
            assert browser.get("/config").status_code == 200


def test_serve_refuses_to_start_beyond_loopback_without_keys_and_login(monkeypatch):
    from ui.cli import app

    runner = CliRunner()
    for env, missing in (({}, "set RAG_API_KEYS and RAG_UI_USER and RAG_UI_PASSWORD"),
                         ({"RAG_API_KEYS": "k1"}, "set RAG_UI_USER and RAG_UI_PASSWORD (or bind"),
                         ({"RAG_UI_USER": "ann", "RAG_UI_PASSWORD": "pw"}, "set RAG_API_KEYS (or bind")):
        result = runner.invoke(app, ["serve", "--host", "0.0.0.0", "--no-ingest"], env=env)
        assert result.exit_code == 1
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("error: serving on 0.0.0.0 exposes the corpus"), lines
        assert missing in lines[0]


def test_two_processes_over_one_chroma_server_see_each_others_ingests(chroma_server, tmp_path):  # noqa: F811
    corpus = make_corpus(tmp_path / "corpus")
    shared = {"RAG_CHROMA_HOST": "127.0.0.1", "RAG_CHROMA_PORT": str(chroma_server)}
    env_a = environment(RAG_DATA_DIR=str(tmp_path / "a" / "data"), **shared)
    env_b = environment(RAG_DATA_DIR=str(tmp_path / "b" / "data"), **shared)
    with rag_serve((tmp_path / "a", env_a, [str(corpus)]), (tmp_path / "b", env_b, ["--no-ingest"])) as (a, b):
        for question, title, fact in QUESTIONS:
            one, two = ask(client(a), question), ask(client(b), question)
            assert one.choices[0].message.content == two.choices[0].message.content
            assert fact in two.choices[0].message.content
            assert [s["title"] for s in two.model_extra["sources"]] == [title]

        folder = tmp_path / "more"
        folder.mkdir()
        (folder / "gala.md").write_text(GALA.format(date="2024-06-01", amount="12,000"))
        question = "How much did the Harbour gala raise for the lifeboat crew?"
        assert ask(client(b), question).model_extra["refused"]
        assert httpx.post(f"{a}/v1/ingest", json={"paths": [str(folder)]}, timeout=120).json()["added"]
        assert "12,000 dollars" in ask(client(b), question).choices[0].message.content  # no restart of B

        # The same article edited: the same number of passages, a new date. B's BM25 index must notice, or
        # a search for 2024 would still find the gala under its old date (and old text).
        (folder / "gala.md").write_text(GALA.format(date="2019-06-01", amount="15,000"))
        assert httpx.post(f"{a}/v1/ingest", json={"paths": [str(folder)]}, timeout=120).json()["updated"]
        search = {"query": "Harbour gala lifeboat crew Port Wendel", "date_from": "2024-01-01", "top_k": 10}
        for server in (a, b):
            found = httpx.post(f"{server}/v1/search", json=search, timeout=30).json()["passages"]
            assert not [p for p in found if "gala" in p["title"].lower()], (server, found)
        assert "15,000 dollars" in ask(client(b), question).choices[0].message.content

        article_id = next(x["article_id"] for x in httpx.get(f"{b}/v1/articles").json() if "gala" in x["title"].lower())
        assert httpx.delete(f"{a}/v1/articles/{article_id}").status_code == 200
        assert article_id not in {x["article_id"] for x in httpx.get(f"{b}/v1/articles").json()}
        assert ask(client(b), question).model_extra["refused"]


def test_the_sources_block_is_cut_from_a_returned_answer_before_it_becomes_history():
    from ui.api_models import ChatRequest
    from ui.openai_compat import conversation

    request = ChatRequest(model=MODEL, messages=[
        {"role": "user", "content": [{"type": "text", "text": "How did the US vote?"}]},
        {"role": "assistant", "content": "It voted no [1].\n\n**Sources**\n- [1] A title: “a quote”"},
        {"role": "tool", "content": "ignored"},
        {"role": "user", "content": [{"type": "text", "text": "And "}, {"type": "image_url"}, {"type": "text",
                                                                                                "text": "China?"}]}])
    question, history = conversation(request)
    assert question == "And China?"
    assert history == [{"role": "user", "content": "How did the US vote?"},
                       {"role": "assistant", "content": "It voted no [1]."}]
    assert not re.search(r"Sources", json.dumps(history))
