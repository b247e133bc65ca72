"""BM25 grows with the index: a change is searchable through the segment of what was written since the
base, in this process and the next, without rebuilding the base; deletions leave; a big segment merges."""

from __future__ import annotations

import json

import pytest

from rag import Assistant
from rag.bm25 import _META, BM25Index

WINNER = "Who won the men's race at the Riverton marathon?"
FLOOD = ("The Ostrava flood barrier held on Tuesday after the Oder rose 4.1 metres, engineer Pavla Hruba said.\n")


def no_build(self, collection):
    raise AssertionError("the BM25 base was rebuilt")


def bm25_hits(bot: Assistant, query: str) -> dict[str, float]:
    return {h.passage_id: h.score for h in bot.retriever.bm25.search(query, 10)}


@pytest.fixture
def grown(settings):
    """An index whose BM25 base is built and kept, then one article edited and one added."""
    bot = Assistant(settings)
    bot.ingest()
    assert "Amos Kiprop" in bot.ask(WINNER).text  # the base is built here
    wire = settings.corpus_dir / "wire.jsonl"
    wire.write_text(wire.read_text().replace("Amos Kiprop", "Zebedee Quill"))  # same passage count
    (settings.corpus_dir / "flood.txt").write_text("Flood barrier holds in Ostrava\n\n" + FLOOD * 3)
    return bot


def test_an_edit_and_a_new_article_are_found_without_rebuilding_the_base(grown, settings, monkeypatch):
    cache = settings.data_dir / "bm25" / settings.collection
    since = json.loads((cache / _META).read_text())["since"]
    monkeypatch.setattr(BM25Index, "_build", no_build)
    report = grown.ingest()
    assert len(report.updated) == 1 and len(report.added) == 1
    assert "Zebedee Quill" in grown.ask(WINNER).text
    assert not grown.retriever.bm25.search("Amos Kiprop", 10)  # the replaced base passage is masked
    top = grown.retriever.bm25.search("Pavla Hruba Ostrava", 3)[0]
    assert top.metadata["title"] == "Flood barrier holds in Ostrava"
    again = Assistant(settings)  # a new process: the kept base, and the segment read from Chroma
    assert "Zebedee Quill" in again.ask(WINNER).text
    assert again.retriever.bm25.search("Pavla Hruba", 3)
    assert json.loads((cache / _META).read_text())["since"] == since  # the base on disk was not rebuilt


def test_the_segment_scores_rank_as_a_rebuilt_index_would(grown, settings):
    grown.ingest()
    queries = ["Pavla Hruba flood barrier", "Zebedee Quill marathon", "interest rate inflation", "Ostrava Oder"]
    grown_hits = [bm25_hits(grown, q) for q in queries]
    fresh = BM25Index(grown.store)  # no cache: one base over every passage
    for query, hits in zip(queries, grown_hits, strict=True):
        rebuilt = {h.passage_id: h.score for h in fresh.search(query, 10)}
        assert list(hits) == list(rebuilt), query  # same passages, same order
        for pid, score in hits.items():
            assert score == pytest.approx(rebuilt[pid], rel=0.15), query  # the base's statistics are a little older


def test_deleted_articles_and_dropped_passages_leave_bm25(grown, settings, monkeypatch):
    monkeypatch.setattr(BM25Index, "_build", no_build)
    grown.ingest()
    flood = next(a for a in grown.articles() if a.title.startswith("Flood barrier"))
    grown.delete_article(flood.article_id)
    assert not grown.retriever.bm25.search("Pavla Hruba Ostrava", 5)  # a segment passage gone
    marathon = next(a for a in grown.articles() if "marathon" in a.title)
    grown.delete_article(marathon.article_id)
    assert not grown.retriever.bm25.search("Zebedee Quill", 5)
    bananas = next(a for a in grown.articles() if "banana" in a.title)  # in the base, never rewritten
    grown.delete_article(bananas.article_id)
    assert not grown.retriever.bm25.search("Fusarium wilt Guayas", 5)
    grown.ingest()  # the corpus folder brings all three back
    for query in ("Zebedee Quill", "Pavla Hruba", "Fusarium wilt Guayas"):
        assert grown.retriever.bm25.search(query, 5), query


def test_a_segment_past_its_limit_is_merged_into_a_new_base(grown, settings, monkeypatch):
    cache = settings.data_dir / "bm25" / settings.collection
    before = json.loads((cache / _META).read_text())
    monkeypatch.setattr("rag.bm25.merge_at", lambda rows: 1)
    grown.ingest()  # 2 passages written: past the limit of 1
    after = json.loads((cache / _META).read_text())
    assert after["since"] > before["since"] and after["passages"] == grown.store.count()
    state = grown.retriever.bm25._state
    assert not state.segment.rows and state.masked.all()
    assert "Zebedee Quill" in grown.ask(WINNER).text


def test_a_rebuilt_collection_gets_a_new_base(settings):
    bot = Assistant(settings)
    bot.ingest()
    assert "Amos Kiprop" in bot.ask(WINNER).text
    (settings.corpus_dir / "wire.jsonl").unlink()
    bot.ingest(rebuild=True)  # a new collection: none of the old base's rows may come back
    assert not bot.retriever.bm25.search("Amos Kiprop", 5)
    assert not Assistant(settings).retriever.bm25.search("Amos Kiprop", 5)
