"""The long reliability run, for what CI cannot afford: prints files tried, crashes, lost articles,
peak memory, kills survived, sessions and errors. Not a test: run it by hand.

    python tests/benchmarks/reliability_long.py [--good 400] [--kills 10] [--threads 20]

1. A fuzz corpus: good articles in every format, every hostile file of the CI suite, each format
   truncated at every structural point, random bytes, many tiny files; ingested in one process.
2. kill -9 at random points of an ingest, ``--kills`` times, each followed by a finishing run.
3. ``--threads`` Python threads holding conversations with follow-ups on one Assistant.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from rag import Assistant, Settings  # noqa: E402
from tests.test_reliability import (  # noqa: E402
    good_articles,
    hostile_files,
    kill_ingest_after,
    long_articles,
    rag_cli,
)

TEMPLATES = {
    "md": '---\ntitle: "Truncated harbour"\ndate: 2024-02-03\nurl: https://example.org/t\n---\n# Head\n\nBody text.\n',
    "jsonl": '{"title": "Truncated harbour", "text": "Body text.", "date": "2024-02-03", "id": "t1"}\n',
    "html": ('<html><head><title>T</title><meta property="og:title" content="Truncated"></head><body>'
             "<article><p>Body text.</p></article></body></html>"),
    "txt": "Truncated harbour\nBody text.\n",
}
STRUCTURE = set('{}[]":,<>/-\n#=')


def truncations(folder: Path) -> int:
    """Every template cut right after each structural character: how many files were written."""
    count = 0
    for ext, text in TEMPLATES.items():
        for cut in (i + 1 for i, ch in enumerate(text) if ch in STRUCTURE):
            (folder / f"cut-{ext}-{cut}.{ext}").write_text(text[:cut])
            count += 1
    return count


def fuzz(work: Path, good: int, rng: random.Random) -> dict:
    folder, outside = work / "fuzz", work / "outside"
    folder.mkdir()
    outside.mkdir()
    titles = good_articles(folder, good)
    hostile = hostile_files(folder, outside, rng)
    cut = truncations(folder)
    for i in range(100):
        name = f"random-{i}.{rng.choice(['md', 'txt', 'html', 'jsonl'])}"
        (folder / name).write_bytes(rng.randbytes(rng.randrange(1, 20_000)))
    tried = sum(1 for p in folder.rglob("*") if p.is_file() or p.is_symlink())
    run = rag_cli("ingest", str(folder), "--json", env_extra={"RAG_DATA_DIR": str(work / "fuzz-index"),
                                                              "RAG_MAX_FILE_MB": "1"}, timeout=7200)
    crashed = run.returncode != 0 or "Traceback" in run.stderr
    report = json.loads(run.stdout) if not crashed else {"added": [], "skipped": []}
    lost = sorted(set(titles) - set(report["added"]))
    return {"files tried": tried, "hostile kinds": len(hostile), "truncated variants": cut, "crashes": int(crashed),
            "good articles lost": len(lost), "files skipped with a reason": len(report["skipped"]),
            "peak RSS of the ingest (MB)": round(int(run.stderr.split("PEAK_KB")[-1].split()[0]) / 1024)}


def kills(work: Path, times: int, rng: random.Random) -> dict:
    folder = long_articles(work / "kill", 120)
    bad = 0
    for _ in range(times):
        kill_ingest_after(folder, work / "kill-index", rng.uniform(3.0, 15.0))
        store = Assistant(Settings(data_dir=work / "kill-index")).store
        ids = [pid for pid, _, _ in store.passages(include=[])]
        bad += len(ids) != len(set(ids))
    finish = rag_cli("ingest", str(folder), "--json", env_extra={"RAG_DATA_DIR": str(work / "kill-index")})
    articles = Assistant(Settings(data_dir=work / "kill-index")).store.indexed_articles()
    return {"kill -9 during ingest": times, "runs with duplicate passages": bad,
            "finishing run exit code": finish.returncode,
            "articles complete after finishing": f"{sum(bool(a.content_hash) for a in articles.values())} of 120"}


def threads(work: Path, count: int) -> dict:
    from tests.conftest import make_corpus

    bot = Assistant(Settings(data_dir=work / "threads-index", corpus_dir=make_corpus(work / "threads")))
    bot.ingest()
    topics = [("How did the US vote on the UN resolution?", "And China?"),
              ("Who won the men's race at the Riverton marathon?", "And the women's race?"),
              ("What interest rate did the central bank set?", "And inflation?")]

    def talk(i: int) -> str:
        first, follow = topics[i % len(topics)]
        return bot.ask(follow, history=bot.ask(first).history).text

    alone = [talk(i) for i in range(len(topics))]
    errors = crossed = 0
    with ThreadPoolExecutor(max_workers=count) as pool:
        for i, future in enumerate([pool.submit(talk, i) for i in range(count * 10)]):
            try:
                crossed += future.result() != alone[i % len(topics)]
            except Exception:  # noqa: BLE001  (counted, not raised: this script reports)
                errors += 1
    return {"threads": count, "conversations": count * 10, "errors": errors, "answers unlike asked alone": crossed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--good", type=int, default=400)
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--threads", type=int, default=20)
    args = parser.parse_args()
    rng = random.Random(2026)
    work = Path(tempfile.mkdtemp(prefix="rag-reliability-"))
    figures = {**fuzz(work, args.good, rng), **kills(work, args.kills, rng), **threads(work, args.threads)}
    width = max(map(len, figures))
    for key, value in figures.items():
        print(f"{key:<{width}}  {value}")
    print(f"(work files in {work}; delete them when done)", file=sys.stderr)


if __name__ == "__main__":
    main()
