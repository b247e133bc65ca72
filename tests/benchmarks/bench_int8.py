"""Int8 embeddings: quality against the shipped fp32 graph and speed, measured in one run. Not a test.

    nice -n 10 python tests/benchmarks/bench_int8.py [--quality 1000] [--speed 300] [--ingest 2000]

Prints: cosine of the int8 vectors to the shipped model's on --quality real news passages (mean, 1st
percentile, min); passages/s of the shipped model alone, of the int8 graph alone and of the int8
graph built with the exporter's NaN guards kept (the recipe before they were dropped; its vectors
must be the same) on the same passages (interleaved rounds, the best round of each, so load from
other jobs hits all alike; also the median of the rounds' ratios, steadier when the load changes
within a round); and a whole ingest (read, split, embed, write) of about --ingest passages with the
int8 default, as a ratio to the shipped model and to the int8 graph. RealTime QA articles are read
from ../shared/eval into a temporary folder.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

import numpy as np

from rag import Assistant, Settings, embeddings
from rag.corpus import load
from rag.embeddings import MiniLMEmbedding
from rag.ingest import splitter, to_document

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_core import ROOT, build_corpus, print_figures


def passages(corpus: Path, settings: Settings, model: MiniLMEmbedding, n: int) -> list[str]:
    """``n`` passages spread over the corpus (every k-th), as the model is given them."""
    docs = [to_document(a) for a in load(corpus).articles]
    nodes = splitter(settings, model).get_nodes_from_documents(docs)
    texts = [node.get_content(metadata_mode="embed") for node in nodes]
    return texts[:: max(1, len(texts) // n)][:n]


def rate(model: MiniLMEmbedding, texts: list[str]) -> float:
    started = time.perf_counter()
    model.encode(texts)
    return len(texts) / (time.perf_counter() - started)


def guarded(threads: int = 0) -> MiniLMEmbedding:
    """The int8 graph as built before the NaN guards were dropped."""
    import onnxruntime as ort

    with mock.patch.object(embeddings, "_drop_nan_guards", lambda graph: None):
        graph = embeddings._quantize(not embeddings._has_vnni())
    model = MiniLMEmbedding(compute="fp32", threads=threads)
    options = ort.SessionOptions()
    options.log_severity_level = 3
    options.intra_op_num_threads = threads
    model._session = ort.InferenceSession(graph, sess_options=options, providers=["CPUExecutionProvider"])
    return model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quality", type=int, default=1000)
    parser.add_argument("--speed", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--ingest", type=int, default=2000)
    parser.add_argument("--eval-dir", type=Path, default=ROOT.parent / "shared" / "eval")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="rag-int8-"))
    settings = Settings(data_dir=tmp / "index", llm="extractive")
    fp32 = MiniLMEmbedding(compute="fp32")
    int8 = MiniLMEmbedding(compute="int8", cache_dir=tmp / "models")
    figures: dict[str, object] = {}

    for folder in ("quality", "ingest"):
        (tmp / folder).mkdir()
    big, _ = build_corpus(args.eval_dir, max(args.quality, args.ingest), tmp / "quality")
    texts = passages(big, settings, fp32, args.quality)
    started = time.perf_counter()
    int8.encode(texts[:1])  # builds the graph
    figures["int8 graph built from the shipped weights (s)"] = round(time.perf_counter() - started, 1)
    cosine = (fp32.encode(texts) * int8.encode(texts)).sum(axis=1)
    figures[f"cosine int8 vs fp32 on {len(texts)} passages: mean"] = round(float(cosine.mean()), 5)
    figures["cosine 1st percentile (target >= 0.99)"] = round(float(np.percentile(cosine, 1)), 5)
    figures["cosine min"] = round(float(cosine.min()), 5)
    before = guarded()
    figures["int8 vectors identical to the guarded graph's"] = bool(
        np.array_equal(int8.encode(texts[: args.speed]), before.encode(texts[: args.speed])))

    sample = texts[: args.speed]
    models = {"fp32": fp32, "int8": int8, "guarded": before}
    rates: dict[str, list[float]] = {name: [] for name in models}
    for _ in range(args.rounds):
        for name, model in models.items():
            rates[name].append(rate(model, sample))
    raw_fp32, raw_int8, raw_guarded = (max(rates[name]) for name in models)
    figures["shipped model alone (fp32 compute, passages/s)"] = round(raw_fp32, 1)
    figures["int8 graph alone (passages/s)"] = round(raw_int8, 1)
    figures["int8 / shipped, model alone"] = round(raw_int8 / raw_fp32, 2)
    figures["int8 with the NaN guards kept, alone (passages/s)"] = round(raw_guarded, 1)
    figures["int8 / int8 with the guards kept"] = round(raw_int8 / raw_guarded, 2)
    paired = {name: np.median(np.array(rates["int8"]) / np.array(rates[name])) for name in ("fp32", "guarded")}
    figures["median of the rounds' ratios: int8 / shipped, int8 / guarded"] = (
        f"{paired['fp32']:.2f}, {paired['guarded']:.2f}")

    corpus, _ = build_corpus(args.eval_dir, args.ingest, tmp / "ingest")
    bot = Assistant(settings.model_copy(update={"corpus_dir": corpus, "data_dir": tmp / "index"}))
    report = bot.ingest(corpus)
    ingest_rate = report.passages_written / report.seconds
    figures["ingest, int8 default: passages"] = report.passages_written
    figures["ingest (passages/s)"] = round(ingest_rate, 1)
    figures["ingest / shipped model alone (target >= 1.8)"] = round(ingest_rate / raw_fp32, 2)
    figures["ingest / int8 model alone (target >= 0.95)"] = round(ingest_rate / raw_int8, 3)
    figures["rounds fp32 / int8 / guarded (passages/s)"] = " / ".join(
        str([round(r, 1) for r in rates[name]]) for name in models)

    print_figures(figures, tmp)


if __name__ == "__main__":
    main()
