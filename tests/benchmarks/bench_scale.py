"""Scale benchmark: how retrieval, ask, a cold `rag ask`, the web chat's memory, the index on disk, BM25
and a small change grow with the index. Not a test: run it by hand.

    nice python tests/benchmarks/bench_scale.py --source RUNS/rtqa-dev/index
        --qa RUNS/rtqa-dev/data/realtimeqa-dev.jsonl [--sizes 5000 37500 100000] [--out scale]

--source is an index of real news built by `rag ingest` (RealTime QA's 37,545 passages, see
docs/benchmarks.md). Its vectors are computed once and reused: an index of N passages takes the first N
of them, and past the source's size its passages again under new ids, as new articles (same text, same
vectors: the timing of HNSW, BM25 and Chroma is what is measured, not answer quality). Questions are
RealTime QA's (the --qa file's `question` fields). For each size it prints and writes to OUT/scale.json:
retrieval p50/p95 (hybrid), `ask` p50/p95 (extractive), a cold `rag ask` process's wall time, the BM25
base's build and load times, peak RSS of `rag serve` after 20 questions through /v1/ask, the index's
size on disk, and a change: 3 new articles ingested and found by BM25 and by their vectors, in this
process and in another over the same index. OUT/scale.png plots them when matplotlib is installed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import chromadb
import httpx
from chromadb.config import Settings as ChromaSettings

from rag import Assistant, Settings
from rag.bm25 import BM25Index
from rag.store import FOLDERS, FOLDERS_KEPT, folders

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_core import percentile

RAG = str(Path(sys.executable).parent / "rag")
CHANGE = [  # three articles no source passage mentions: found only when the change is searchable
    ("Glacier survey finds Vatnajokull thinned 41 metres", "Surveyor Brynja Kolbeinsdottir measured the ice"),
    ("Tram line 9 opens in Plovdiv after six years", "Mayor Dimitar Zhelyazkov cut the ribbon at Trakia"),
    ("Orchid thief sentenced in Kuching court", "Magistrate Nurul Huda Jamaluddin jailed Lorcan Devereux"),
]


def source_rows(source: Path, collection: str) -> tuple[dict, list]:
    """The source collection's metadata and every passage as (id, vector, text, metadata)."""
    client = chromadb.PersistentClient(path=str(source), settings=ChromaSettings(anonymized_telemetry=False))
    col = client.get_collection(collection, embedding_function=None)
    rows, offset = [], 0
    while True:
        got = col.get(include=["embeddings", "documents", "metadatas"], limit=5000, offset=offset)
        rows += list(zip(got["ids"], got["embeddings"], got["documents"], got["metadatas"], strict=True))
        if len(got["ids"]) < 5000:
            return dict(col.metadata), rows
        offset += 5000


def make_index(data_dir: Path, collection: str, meta: dict, rows: list, size: int) -> float:
    """An index of ``size`` passages from the source's rows (copies past its end); seconds taken."""
    started = time.perf_counter()
    client = chromadb.PersistentClient(path=str(data_dir), settings=ChromaSettings(anonymized_telemetry=False))
    keep = {k: v for k, v in meta.items() if k != "generation"} | {FOLDERS_KEPT: True}
    col = client.create_collection(collection, metadata=keep, embedding_function=None)
    batch: list = []
    for n in range(size):
        pid, vector, text, m = rows[n % len(rows)]
        copy = n // len(rows)
        if copy:  # the same text as a new article: new ids, and a path of its own
            m = {**m, "article_id": f"{m['article_id']}~{copy}", "path": f"{m.get('path', '')}~{copy}"}
            pid = f"{pid}~{copy}"
        if m.get("chunk") == 0 and (found := folders(str(m.get("path", "")))):
            m = {**m, FOLDERS: found}  # as `rag ingest` writes a first passage (the source may predate it)
        batch.append((pid, vector, text, m))
        if len(batch) == 2000 or n == size - 1:
            ids, vecs, docs, metas = zip(*batch, strict=True)
            col.add(ids=list(ids), embeddings=list(vecs), documents=list(docs), metadatas=list(metas))
            batch = []
    return time.perf_counter() - started


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def peak_rss_of_serve(env: dict, questions: list[str]) -> float:
    """Peak RSS (MB) of a `rag serve` process after it answered ``questions`` through /v1/ask."""
    port = free_port()
    proc = subprocess.Popen([RAG, "serve", "--no-ingest", "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(600):
            try:
                httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(0.5)
        for question in questions:
            httpx.post(f"http://127.0.0.1:{port}/v1/ask", json={"question": question}, timeout=120)
        status = Path(f"/proc/{proc.pid}/status").read_text()
        return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM"))) / 1024
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def cold_ask(env: dict, question: str) -> float:
    started = time.perf_counter()
    subprocess.run([RAG, "ask", question], env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def change(bot: Assistant, corpus: Path, env: dict) -> dict:
    """Ingest the three new articles; how long until BM25 and the vectors find them here, and the first
    search of another process over the same index."""
    corpus.mkdir(parents=True, exist_ok=True)
    for i, (title, text) in enumerate(CHANGE):
        (corpus / f"change-{i}.txt").write_text(f"{title}\n{text}, officials said on Monday.\n")
    started = time.perf_counter()
    bot.ingest(corpus)
    found_bm25 = all(bot.retriever.bm25.search(t.split(" ", 2)[2], 3) for _, t in CHANGE)
    found = all(any(p.title == title for p in bot.retrieve(text, top_k=5)) for title, text in CHANGE)
    searchable = time.perf_counter() - started
    other = subprocess.run([sys.executable, "-c", (
        "import time, sys; from rag import Assistant; bot = Assistant(); t = time.perf_counter();"
        f" hits = bot.retriever.bm25.search({CHANGE[1][1]!r}, 3); print(time.perf_counter() - t, bool(hits))")],
        env=env, check=True, capture_output=True, text=True).stdout.split()
    return {"change searchable (s)": round(searchable, 2), "found by BM25 and vectors": found_bm25 and found,
            "other process's first BM25 search (s)": round(float(other[0]), 2), "found there": other[1] == "True"}


def latency(call, questions: list[str]) -> str:
    """p50 / p95 of ``call(question)`` over the questions, in ms."""
    took = []
    for question in questions:
        started = time.perf_counter()
        call(question)
        took.append(time.perf_counter() - started)
    return f"{statistics.median(took) * 1000:.1f} / {percentile(took, 0.95) * 1000:.1f}"


def measure(size: int, data_dir: Path, source: Path, meta: dict, rows: list, questions: list[str],
            collection: str) -> dict:
    figures: dict[str, object] = {"passages": size}
    figures["index built from reused vectors (s)"] = round(make_index(data_dir, collection, meta, rows, size), 1)
    if (source / "models").exists():  # the derived int8 graph, as `rag ingest` left it beside the source
        shutil.copytree(source / "models", data_dir / "models")
    env = {**os.environ, "RAG_DATA_DIR": str(data_dir), "RAG_LLM": "extractive", "RAG_COLLECTION": collection}
    settings = Settings(data_dir=data_dir, llm="extractive", collection=collection)
    bot = Assistant(settings)
    started = time.perf_counter()
    bot.retriever.bm25.refresh()  # builds the base and keeps it on disk
    figures["BM25 build (s)"] = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    BM25Index(bot.store, settings.data_dir / "bm25" / collection).refresh()
    figures["BM25 load (s)"] = round(time.perf_counter() - started, 2)
    bot.ask(questions[0])  # warm
    figures["retrieval p50 / p95 (ms)"] = latency(bot.retrieve, questions)
    figures["ask p50 / p95 (ms)"] = latency(bot.ask, questions)
    figures["cold `rag ask` process (s)"] = round(min(cold_ask(env, q) for q in questions[:3]), 2)
    figures["`rag serve` peak RSS after 20 questions (MB)"] = round(peak_rss_of_serve(env, questions[:20]))
    figures["index on disk (MB)"] = round(sum(p.stat().st_size for p in data_dir.rglob("*") if p.is_file()) / 2**20)
    figures.update(change(bot, data_dir.parent / f"change-{size}", env))
    return figures


def plot(results: list[dict], out: Path) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("(no plot: pip install matplotlib)", file=sys.stderr)
        return
    sizes = [r["passages"] / 1000 for r in results]
    panels = [("retrieval p50 (ms)", lambda r: float(r["retrieval p50 / p95 (ms)"].split(" / ")[0])),
              ("ask p50 (ms)", lambda r: float(r["ask p50 / p95 (ms)"].split(" / ")[0])),
              ("cold rag ask (s)", lambda r: r["cold `rag ask` process (s)"]),
              ("rag serve peak RSS (MB)", lambda r: r["`rag serve` peak RSS after 20 questions (MB)"]),
              ("index on disk (MB)", lambda r: r["index on disk (MB)"]),
              ("BM25 build / load (s)", lambda r: (r["BM25 build (s)"], r["BM25 load (s)"]))]
    fig, axes = plt.subplots(2, 3, figsize=(12, 6.5))
    for ax, (title, value) in zip(axes.flat, panels, strict=True):
        ys = [value(r) for r in results]
        if isinstance(ys[0], tuple):
            ax.plot(sizes, [y[0] for y in ys], "o-", label="build")
            ax.plot(sizes, [y[1] for y in ys], "s-", label="load")
            ax.legend()
        else:
            ax.plot(sizes, ys, "o-")
        ax.set_title(title)
        ax.set_xlabel("thousand passages")
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(out)
    print(f"plot: {out}", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, required=True)
    parser.add_argument("--qa", type=Path, required=True)
    parser.add_argument("--sizes", type=int, nargs="+", default=[5000, 37500, 100000])
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--collection", default="articles")
    parser.add_argument("--out", type=Path, default=Path("scale"))
    args = parser.parse_args()
    questions = [json.loads(line)["question"] for line in args.qa.read_text().splitlines() if line.strip()]
    questions = questions[: args.questions]
    meta, rows = source_rows(args.source, args.collection)
    print(f"source: {len(rows)} passages from {args.source}", file=sys.stderr)
    args.out.mkdir(parents=True, exist_ok=True)
    results = []
    for size in args.sizes:
        work = args.out / f"index-{size}"
        shutil.rmtree(work, ignore_errors=True)
        results.append(measure(size, work / "index", args.source, meta, rows, questions, args.collection))
        for key, value in results[-1].items():
            print(f"{key:<48} {value}")
        print()
        (args.out / "scale.json").write_text(json.dumps(results, indent=2))
    plot(results, args.out / "scale.png")


if __name__ == "__main__":
    main()
