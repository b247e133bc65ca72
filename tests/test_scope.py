"""A question scoped to some articles or sources searches only those, in the dense and BM25 rankings
alike; a filter that leaves nothing says so rather than refusing as if the corpus lacked the answer."""

from __future__ import annotations

import pytest

from rag import Assistant, InputError, Settings
from rag.retrieval import Scope

MARATHON = "Who won the women's race at the Riverton marathon?"


def ids_of(bot: Assistant, *titles: str) -> list[str]:
    return [a.article_id for a in bot.articles() if a.title in titles]


def test_a_scope_to_one_article_retrieves_only_its_passages(built):
    [rover] = ids_of(built, "Rover finds organic molecules in Jezero crater")
    passages = built.retrieve("marathon runners race", articles=[rover])
    assert passages and {p.article_id for p in passages} == {rover}


def test_a_scope_to_sources_keeps_articles_of_those_sources_and_adds_listed_articles(built):
    [bananas] = ids_of(built, "Ecuador's banana exports rise despite shipping costs")
    passages = built.retrieve("interest rate marathon bananas", top_k=10, sources=["Example Wire"],
                              articles=[bananas])
    assert {p.source for p in passages} == {"Example Wire", ""} and bananas in {p.article_id for p in passages}


def test_the_bm25_side_honours_the_scope_too(built):
    """A name only BM25 finds: with the scope elsewhere it must not come back through the sparse side."""
    [rover] = ids_of(built, "Rover finds organic molecules in Jezero crater")
    scope = Scope(articles=(rover,))
    hits = built.retriever.bm25.search("Hana Tesfaye", 10, admit=scope.admits)
    assert hits == []
    assert built.retriever.bm25.search("Hana Tesfaye", 10)  # unscoped, BM25 finds her


def test_an_answer_out_of_scope_is_a_refusal_that_says_the_scope_was_searched(built):
    assert "Hana Tesfaye" in built.ask(MARATHON).text
    answer = built.ask(MARATHON, sources=["Space Desk"])
    assert answer.refused and not answer.sources
    assert "Only the chosen articles or sources were searched." in answer.text
    answer = built.ask(MARATHON, articles=ids_of(built, "City marathon draws record field"))
    assert "Hana Tesfaye" in answer.text and {s.title for s in answer.sources} == {"City marathon draws record field"}


def test_a_filter_that_leaves_nothing_says_so(built):
    answer = built.ask(MARATHON, date_from="2030-01-01")
    assert answer.refused and answer.text.startswith("No article is dated from 2030-01-01, so nothing was searched")
    answer = built.ask(MARATHON, sources=["No such source"])
    assert answer.refused and "No article is among the chosen articles or sources" in answer.text
    answer = built.ask(MARATHON, date_to="2023-12-31", sources=["Space Desk"])  # the rover is from 2024
    assert answer.text.startswith("No article is dated to 2023-12-31 and is among the chosen")


def test_a_scope_given_as_a_bare_string_is_a_clear_error(built):
    with pytest.raises(InputError, match="articles must be a list"):
        built.ask(MARATHON, articles="79f1f0c3740df0a7")


def test_dense_only_retrieval_is_scoped_as_well(tmp_path, corpus_dir):
    bot = Assistant(Settings(data_dir=tmp_path / "index", corpus_dir=corpus_dir, llm="extractive",
                             retrieval="dense"))
    bot.ingest()
    passages = bot.retrieve("marathon", sources=["Space Desk"])
    assert passages and {p.source for p in passages} == {"Space Desk"}
