"""The reliability suite: hostile files, kill -9 mid-ingest, concurrency, broken LLM servers.

Fast enough for CI; tests/benchmarks/reliability_long.py runs the same with more files and more kills.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from rag import Assistant, BackendError, Settings
from tests.test_openai_backend import assistant

PEAK_MB = 1500  # the bound on an ingest's peak memory, whatever the files hold


def good_articles(folder: Path, count: int) -> list[str]:
    """``count`` good articles spread over every format; returns their titles."""
    titles = []
    for i in range(count):
        title = f"Harbour report number {i}"
        body = f"The harbour of Port {i} handled {1000 + i} ships this year, officials said on Monday."
        match i % 4:
            case 0:
                date = f"2024-01-{1 + i % 28:02d}"
                (folder / f"good-{i}.md").write_text(f"---\ntitle: {title}\ndate: {date}\n---\n{body}\n")
            case 1:
                (folder / f"good-{i}.txt").write_text(f"{title}\n{body}\n")
            case 2:
                (folder / f"good-{i}.html").write_text(f"<html><head><title>{title}</title></head><body><article>"
                                                       f"<p>{body}</p></article></body></html>")
            case 3:
                (folder / f"good-{i}.jsonl").write_text(json.dumps({"title": title, "text": body}) + "\n")
        titles.append(title)
    return titles


def hostile_files(folder: Path, outside: Path, rng: random.Random) -> dict[str, str]:
    """Every kind of bad file met so far, and more; returns name -> a word its reason must hold."""
    bad = {
        "deep.jsonl": ('{"a":' * 2000 + "1" + "}" * 2000 + "\n", "nested"),
        "surrogate.jsonl": ('{"title": "x", "text": 123}\n', '"text" string'),
        "nan.jsonl": ('{"title": "x", "text": NaN}\n', '"text" string'),
        "list.jsonl": ('{"title": "x", "text": ["a", "b"]}\n', '"text" string'),
        "aliases.md": ("---\na: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
                       "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
                       "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
                       "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]\ntitle: *g\n---\nBody.\n", "aliases"),
        "head-only.html": ("<html><head><title>Only a head</title></head></html>", "no article text"),
        "bom-only.txt": ("\ufeff", "empty"),
        "late-nul.txt": ("A title\n" + "text " * 3000 + "\x00 more", "binary"),
        "truncated.md": ("---\ntitle: cut", "front matter"),
        "truncated.jsonl": ('{"title": "cut", "te', "not valid JSON"),
        "deep.html": ("<div>" * 5000 + "deep text here" + "</div>" * 5000, ""),
        "huge-line.jsonl": ('{"title": "huge", "text": "' + "w" * 1_200_000 + '"}\n', "too large"),
        "random.bin.txt": (bytes(rng.randrange(256) for _ in range(4096)), ""),
        "notes.pdf": (b"%PDF-1.4 not really", "broken pdf"),
        "slides.pptx": (b"PK\x03\x04", "unsupported"),
    }
    reasons = {}
    for name, (content, word) in bad.items():
        path = folder / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8", "surrogatepass"))
        reasons[name] = word
    (folder / "lone-surrogate.jsonl").write_text('{"title": "Lone \\ud800 surrogate", "text": "Harbour fees'
                                                 ' rose \\ud800 by 4 percent in the lone surrogate port."}\n')
    (folder / "yaml-surrogate.md").write_text('---\ntitle: "Odd \\ud800 title"\n---\nThe yaml surrogate port'
                                              " reopened after repairs.\n")
    (folder / "utf16.txt").write_bytes("UTF-16 harbour news\nThe utf16 port expanded its docks.".encode("utf-16"))
    os.symlink("/etc/passwd", folder / "passwd.txt")
    reasons["passwd.txt"] = "outside"
    os.symlink(folder / "missing.md", folder / "dangling.md")
    reasons["dangling.md"] = "link to nothing"
    os.symlink(folder, folder / "loop")
    reasons["loop"] = "folder"
    (outside / "secret.md").write_text("---\ntitle: Secret\n---\nThe secret text.\n")
    os.symlink(outside / "secret.md", folder / "secret-link.md")
    reasons["secret-link.md"] = "outside"
    odd = os.fsdecode(b"caf\xe9-news.txt")  # a file name that is not UTF-8
    (folder / odd).write_text("Cafe news\nThe non utf8 name port serves coffee.\n")
    for i in range(200):  # many tiny files
        (folder / "tiny" / f"t{i}.txt").parent.mkdir(exist_ok=True)
        (folder / "tiny" / f"t{i}.txt").write_text(f"Tiny {i}\nTiny note {i} about the harbour.\n")
    return reasons


def rag_cli(*args, env_extra=None, timeout=600):
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_") and not k.startswith("OPENAI_")}
    env.update(env_extra or {})
    code = ("import resource, sys; from rag.cli import main\n"
            "try:\n    main()\nfinally:\n"
            "    print('PEAK_KB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)")
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env,
                          timeout=timeout)


def test_a_hostile_corpus_ingests_in_one_run_with_every_bad_file_reported(tmp_path):
    folder, outside = tmp_path / "corpus", tmp_path / "outside"
    folder.mkdir()
    outside.mkdir()
    titles = good_articles(folder, 24)
    reasons = hostile_files(folder, outside, random.Random(7))
    run = rag_cli("ingest", str(folder), "--json", env_extra={"RAG_DATA_DIR": str(tmp_path / "index"),
                                                              "RAG_MAX_FILE_MB": "1"})
    assert run.returncode == 0, run.stderr[-2000:]
    assert "Traceback" not in run.stderr
    peak_mb = int(run.stderr.split("PEAK_KB")[-1].split()[0]) / 1024
    assert peak_mb < PEAK_MB
    report = json.loads(run.stdout)
    skipped = {Path(s["path"].split(":")[0]).name: s["reason"] for s in report["skipped"]}
    for name, word in reasons.items():
        if not word:
            continue  # read or skipped, either is fine: it must only not crash the run
        assert name in skipped, (name, sorted(skipped))
        assert word.lower() in skipped[name].lower(), (name, skipped[name])
    added = set(report["added"])
    assert set(titles) <= added  # every good article is in
    assert {"Lone \ufffd surrogate", "Odd \ufffd title", "UTF-16 harbour news", "Cafe news"} <= added
    assert not [t for t in added if "Secret" in t or "root:" in t]  # nothing from outside the folder
    assert len([t for t in added if t.startswith("Tiny ")]) == 200

    bot = Assistant(Settings(data_dir=tmp_path / "index", llm="extractive"))
    answer = bot.ask("What did the utf16 port expand?")
    assert "docks" in answer.text
    again = rag_cli("ingest", str(folder), "--json", env_extra={"RAG_DATA_DIR": str(tmp_path / "index"),
                                                                "RAG_MAX_FILE_MB": "1"})
    assert json.loads(again.stdout)["passages_written"] == 0  # nothing re-embedded, nothing duplicated


def passage_ids(data_dir: Path) -> list[str]:
    bot = Assistant(Settings(data_dir=data_dir, llm="extractive"))
    return [pid for pid, _, _ in bot.store.passages(include=[])]


def long_articles(folder: Path, count: int) -> Path:
    """``count`` articles of about 5 passages each: an ingest long enough to be killed in the middle."""
    folder.mkdir()
    for i in range(count):
        (folder / f"a{i}.md").write_text(f"---\ntitle: Article {i}\n---\n" + f"Sentence {i} about ports. " * 150)
    return folder


def kill_ingest_after(folder: Path, data_dir: Path, seconds: float) -> None:
    """Start `rag ingest folder` and kill -9 it after ``seconds``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env["RAG_DATA_DIR"] = str(data_dir)
    proc = subprocess.Popen([sys.executable, "-c", "from rag.cli import main; main()", "ingest", str(folder)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(seconds)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()


@pytest.mark.parametrize("seed", [1, 2])
def test_kill_9_at_a_random_point_of_an_ingest_loses_nothing_and_duplicates_nothing(tmp_path, seed):
    folder = long_articles(tmp_path / "corpus", 40)
    kill_ingest_after(folder, tmp_path / "index", random.Random(seed).uniform(4.0, 9.0))  # inside the writing
    finish = rag_cli("ingest", str(folder), "--json", env_extra={"RAG_DATA_DIR": str(tmp_path / "index")})
    assert finish.returncode == 0, finish.stderr[-2000:]
    report = json.loads(finish.stdout)
    assert len(report["added"]) + len(report["updated"]) + report["unchanged"] == 40
    ids = passage_ids(tmp_path / "index")
    assert len(ids) == len(set(ids))
    complete = Assistant(Settings(data_dir=tmp_path / "index")).store.indexed_articles()
    assert len(complete) == 40 and all(a.content_hash for a in complete.values())


def test_twenty_threads_with_follow_ups_on_one_assistant_never_cross_talk(built):
    topics = [("Who won the men's race at the Riverton marathon?", "And the women's race?"),
              ("What did the Perseverance rover detect?", "And where?"),
              ("What interest rate did the central bank set?", "And inflation?"),
              ("How did the US vote on the UN resolution?", "And China?")]

    def conversation(i: int):
        first, follow = topics[i % len(topics)]
        one = built.ask(first)
        return first, built.ask(follow, history=one.history)

    alone = {first: answer.text for first, answer in map(conversation, range(len(topics)))}
    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(conversation, range(20)))
    for first, answer in results:
        assert answer.query.startswith(first)  # its own conversation's topic, no other
        assert answer.text == alone[first]  # the very answer it gets when asked alone
        assert answer.timings["total"] > 0
    assert "abstention" in alone["How did the US vote on the UN resolution?"]


def llm_bot(built, stub) -> Assistant:
    """The OpenAI path against the stub, failing fast: one retry, 2 s per request."""
    return assistant(built, stub, llm_max_retries=1, llm_timeout=2)


def test_concurrent_llm_requests_each_get_their_own_usage(built, stub):
    bot = llm_bot(built, stub)
    stub.fact = "4.5 percent"
    questions = [f"What interest rate did the central bank set{'?' * (i + 1)}" for i in range(10)]
    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(pool.map(bot.ask, questions))
    for answer in answers:
        assert answer.usage == {"prompt_tokens": 120, "completion_tokens": 16}
    stub.mode = "refuse"
    refused = bot.ask(questions[0])
    assert refused.refused and refused.usage["completion_tokens"] == 8  # this request's, not the last one's


@pytest.mark.parametrize("mode,message", [
    ("badjson", "not an OpenAI chat completion"),
    ("html", "not an OpenAI chat completion"),
    ("badstream", "not an OpenAI chat completion"),
    ("cut", "stopped in the middle of its answer"),
    ("429", "rate-limiting requests (429)"),
    ("500", "failed with HTTP 500"),
    ("slow", "did not answer within"),
])
def test_a_broken_llm_server_is_a_one_line_error_never_a_refusal(built, stub, mode, message):
    stub.mode = mode
    with pytest.raises(BackendError, match=re.escape(message)) as info:
        llm_bot(built, stub).ask("What interest rate did the central bank set?")
    assert "\n" not in str(info.value)


def test_citations_of_passages_never_given_are_dropped(built, stub):
    stub.mode = "bogus"
    answer = llm_bot(built, stub).ask("What interest rate did the central bank set?")
    assert answer.text == "The rate rose, said the bank." and answer.sources == []


@pytest.mark.parametrize("mode,message", [("html", "not an OpenAI chat completion"),
                                          ("cut", "stopped in the middle"), ("refused", "cannot connect")])
def test_the_cli_exits_non_zero_with_one_line_on_a_broken_server(built, stub, mode, message):
    stub.mode = mode
    url = "http://127.0.0.1:9/v1" if mode == "refused" else stub.url
    run = rag_cli("ask", "What interest rate did the central bank set?",
                  env_extra={"RAG_DATA_DIR": str(built.settings.data_dir), "RAG_LLM": "openai",
                             "OPENAI_BASE_URL": url, "RAG_LLM_MAX_RETRIES": "0"})
    assert run.returncode == 1 and message in run.stderr and "Traceback" not in run.stderr
    assert "don't cover that" not in run.stdout


def test_cli_options_are_checked_and_article_text_is_printed_as_written(built, tmp_path):
    bad = rag_cli("ask", "How did the US vote?", "--top-k", "-1",
                  env_extra={"RAG_DATA_DIR": str(built.settings.data_dir)})
    assert bad.returncode == 2 and "--top-k" in bad.stderr and "move it away" not in bad.stderr
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "emoji.md").write_text("---\ntitle: \"Codes :x: and :smile:\"\n---\n"
                                     "The vote code :x: meant no, said clerks.\n")
    index = {"RAG_DATA_DIR": str(tmp_path / "index")}
    assert rag_cli("ingest", str(folder), env_extra=index).returncode == 0
    asked = rag_cli("ask", "What did the vote code mean?", env_extra=index)
    assert ":x:" in asked.stdout and "❌" not in asked.stdout and "Codes :x: and :smile:" in asked.stdout
