"""Core benchmark: prints embedding and ingest throughput, re-ingest time, retrieval and ask latency,
and peak memory, all measured in one run. Not a test: run it by hand.

    python tests/benchmarks/bench_core.py [--passages 5000] [--eval-dir ../shared/eval]

The corpus is built from RealTime QA's retrieved news articles (read from ../shared/eval, written to a
temporary directory, never into the repository) until it holds about --passages passages.
"""

from __future__ import annotations

import argparse
import gzip
import json
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

from rag import Assistant, Settings
from rag.corpus import load
from rag.ingest import splitter, to_document

ROOT = Path(__file__).resolve().parents[2]


def build_corpus(eval_dir: Path, passages: int, target: Path) -> tuple[Path, list[str]]:
    """A JSONL corpus of about ``passages`` passages, and the questions asked in those weeks."""
    folder = eval_dir / "realtimeqa-2022" / "past" / "2022"
    seen, records, questions, chars = set(), [], [], 0
    for gcs in sorted(folder.glob("*_gcs.jsonl.gz")):
        qa = gcs.with_name(gcs.name.replace("_gcs.jsonl.gz", "_qa.jsonl"))
        questions += [json.loads(line)["question_sentence"] for line in qa.read_text().splitlines() if line]
        with gzip.open(gcs, "rt") as lines:
            records_of_week = [json.loads(line) for line in lines]
        for record in records_of_week:
            for hit in record["search_result"]:
                url = hit.get("url", "").split("#:~:text=")[0]
                if url in seen or len(hit.get("text", "")) < 500:
                    continue
                seen.add(url)
                records.append({"title": hit.get("title", ""), "text": hit["text"], "url": url,
                                "date": hit.get("publish_date", "")})
                chars += len(hit["text"])
        if chars >= passages * 1000:  # about 1,000 characters a passage, measured below
            break
    path = target / "news.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    return path, questions


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=5000)
    parser.add_argument("--eval-dir", type=Path, default=ROOT.parent / "shared" / "eval")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="rag-bench-"))
    corpus, questions = build_corpus(args.eval_dir, args.passages, tmp)
    settings = Settings(data_dir=tmp / "index", corpus_dir=corpus, llm="extractive")
    bot = Assistant(settings)
    figures: dict[str, float | str] = {}

    # Raw model throughput on the very passages the pipeline will write (first 300).
    articles = load(corpus).articles
    nodes = splitter(settings, bot.embed_model).get_nodes_from_documents([to_document(a) for a in articles[:60]])
    texts = [n.get_content(metadata_mode="embed") for n in nodes][:300]
    bot.embed_model.encode(texts[:5])
    started = time.perf_counter()
    bot.embed_model.encode(texts)
    raw = len(texts) / (time.perf_counter() - started)
    figures["raw embedding (passages/s)"] = round(raw, 1)

    report = bot.ingest(corpus)
    ingest_rate = report.passages_written / report.seconds
    figures["articles"] = len(report.added)
    figures["passages"] = report.passages_written
    figures["first ingest (s)"] = round(report.seconds, 1)
    figures["ingest (passages/s)"] = round(ingest_rate, 1)
    figures["ingest / raw ratio (target >= 0.9)"] = round(ingest_rate / raw, 3)

    again = Assistant(settings).ingest(corpus)
    assert again.passages_written == 0, again.summary()
    figures["re-ingest unchanged (s)"] = round(again.seconds, 2)
    figures["re-ingest / first (target <= 2%)"] = f"{100 * again.seconds / report.seconds:.2f}%"

    sample = questions[:100]
    bot.retriever.retrieve(sample[0], settings.top_k)
    retrieval = []
    for q in sample:
        started = time.perf_counter()
        bot.retriever.retrieve(q, settings.top_k)
        retrieval.append(time.perf_counter() - started)
    figures["retrieval p50 (ms)"] = round(1000 * statistics.median(retrieval), 1)
    figures["retrieval p95 (ms)"] = round(1000 * percentile(retrieval, 0.95), 1)

    asks, refused = [], 0
    for q in sample:
        started = time.perf_counter()
        answer = bot.ask(q)
        asks.append(time.perf_counter() - started)
        refused += answer.refused
    figures["ask p50, extractive, warm (ms; target <= 100)"] = round(1000 * statistics.median(asks), 1)
    figures["ask p95 (ms)"] = round(1000 * percentile(asks, 0.95), 1)
    figures["refused (of 100 quiz questions)"] = refused
    figures["peak RSS (MB)"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 0)

    print_figures(figures, tmp)


def print_figures(figures: dict, tmp: Path) -> None:
    """One figure a line, names aligned; where the corpus and index were left."""
    width = max(len(k) for k in figures)
    for key, value in figures.items():
        print(f"{key:<{width}}  {value}")
    print(f"(corpus and index in {tmp}; delete it when done)", file=sys.stderr)


if __name__ == "__main__":
    main()
