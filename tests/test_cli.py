"""The command line as a user runs it: a real process, real index, no traceback on errors."""

import json
import os
import subprocess
import sys


def rag(*args, data_dir, cwd=None, extra_env=None):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("RAG_") and k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL")}
    env.update({"RAG_DATA_DIR": str(data_dir), **(extra_env or {})})
    return subprocess.run([sys.executable, "-c", "from ui.launch import main; main()", *args],  # as `rag` starts
                          capture_output=True, text=True, env=env, cwd=cwd, timeout=300)


def test_ingest_then_ask_prints_the_answer_and_its_sources(corpus_dir, tmp_path):
    index = tmp_path / "index"
    first = rag("ingest", str(corpus_dir), data_dir=index)
    assert first.returncode == 0, first.stderr
    assert "5 added, 0 updated, 0 removed, 0 unchanged" in first.stdout
    again = rag("ingest", str(corpus_dir), "--json", data_dir=index)
    report = json.loads(again.stdout)
    assert report["unchanged"] == 5 and report["passages_written"] == 0

    asked = rag("ask", "Who won the women's race at the Riverton marathon?", data_dir=index)
    assert asked.returncode == 0, asked.stderr
    assert "Hana Tesfaye" in asked.stdout and "[1]" in asked.stdout
    assert "Sources" in asked.stdout and "https://example.org/wire/marathon" in asked.stdout

    as_json = json.loads(rag("ask", "What interest rate did the central bank set?", "--json",
                             data_dir=index).stdout)
    assert "4.5 percent" in as_json["text"] and as_json["sources"][0]["date"] == "2024-03-01"
    dated = json.loads(rag("ask", "What was announced this week?", "--as-of", "2024-07-26", "--json",
                           "--top-k", "1", data_dir=index).stdout)
    assert dated["as_of"] == "2024-07-26" and dated["retrieved"][0]["date"] == "2024-07-25"


def test_the_rag_command_is_the_launcher():
    """The fast start (ui.launch) is what `pip install` puts on the PATH, not ui.cli directly."""
    from importlib.metadata import entry_points

    assert [e.value for e in entry_points(group="console_scripts", name="rag")] == ["ui.launch:main"]


def test_errors_are_one_line_without_traceback(corpus_dir, tmp_path):
    missing = rag("ask", "How did the US vote?", data_dir=tmp_path / "none")
    assert missing.returncode == 1
    assert "Traceback" not in missing.stderr
    assert missing.stderr.strip().startswith("error: no index yet") and "rag ingest" in missing.stderr

    rag("ingest", str(corpus_dir), data_dir=tmp_path / "index")
    empty = rag("ask", "   ", data_dir=tmp_path / "index")
    assert empty.returncode == 1 and "question is empty" in empty.stderr and "Traceback" not in empty.stderr

    bad_key = rag("ask", "How did the US vote?", data_dir=tmp_path / "index",
                  extra_env={"RAG_LLM": "openai", "OPENAI_BASE_URL": "http://127.0.0.1:9/v1",
                             "RAG_LLM_MAX_RETRIES": "0"})
    assert bad_key.returncode == 1 and "cannot connect to the LLM server" in bad_key.stderr
    assert "Traceback" not in bad_key.stderr
