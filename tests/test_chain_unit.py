"""The chain's own rules, with a scripted answerer over the fixture index: no model, no server."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from rag import REFUSAL, Assistant
from tests.scripted import ScriptedAnswerer

QUESTION = "What interest rate did the central bank set?"


def scripted(built, *pieces: str, **options) -> tuple[Assistant, ScriptedAnswerer]:
    answerer = ScriptedAnswerer(list(pieces), **options)
    return Assistant(built.settings, answerer=answerer), answerer


def test_unknown_citations_are_dropped_and_the_rest_renumbered_in_order_of_first_use(built):
    bot, answerer = scripted(built, "Rates rose [3", "]. Banks [1][9] agreed [3].")
    answer = bot.ask("How did the US vote on the UN resolution?", top_k=3)
    given = answerer.calls[0]["passages"]
    assert len(given) == 3
    assert answer.text == "Rates rose [1]. Banks [2] agreed [1]."
    assert [s.passage_id for s in answer.sources] == [given[2].id, given[0].id]
    assert answer.backend == "scripted"


def test_a_refusal_in_any_case_cites_nothing_and_reads_as_the_one_refusal(built):
    bot, _ = scripted(built, "the articles in this corpus DON’T cover that [1].")
    answer = bot.ask(QUESTION)
    assert answer.refused and answer.text == REFUSAL and answer.sources == []


def test_an_empty_reply_is_a_refusal(built):
    bot, _ = scripted(built)
    answer = bot.ask(QUESTION)
    assert answer.refused and answer.text == REFUSAL


def test_nothing_relevant_is_refused_without_asking_the_answerer(built):
    bot, answerer = scripted(built, "Anything [1].")
    answer = bot.ask("How do I bake sourdough bread?")
    assert answer.refused and answer.sources == [] and answerer.calls == []


def test_the_condensed_query_is_what_is_retrieved_with(built):
    bot, answerer = scripted(built, "It rose [1].", condensed=QUESTION)
    history = [{"role": "user", "content": "Tell me about banks"}, {"role": "assistant", "content": "..."}]
    answer = bot.ask("And the rate?", history=history)
    assert answer.query == QUESTION and answerer.calls[0]["query"] == QUESTION
    assert "4.5 percent" in answer.sources[0].passage


def test_a_stream_iterated_twice_keeps_its_answer(built):
    bot, _ = scripted(built, "It rose ", "to 4.5 percent [1].")
    stream = bot.stream(QUESTION)
    first, second = list(stream), list(stream)
    assert first == second and len(first) == 2 and "".join(first) == "It rose to 4.5 percent [1]."
    assert stream.answer is not None and stream.answer.text == "It rose to 4.5 percent [1]."


def test_usage_and_timings_belong_to_each_request_under_concurrency(built):
    bot, _ = scripted(built, "It rose [1].")
    questions = [f"{QUESTION} ({'x' * i})" for i in range(10)]
    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(pool.map(bot.ask, questions))
    for question, answer in zip(questions, answers, strict=True):
        assert answer.question == question
        assert answer.usage["completion_tokens"] == len(question)  # its own request's count
        assert answer.timings["total"] >= answer.timings["retrieve"] > 0
    assert sorted(a.usage["prompt_tokens"] for a in answers) == list(range(1, 11))


def test_public_calls_for_faces(built):
    stats = built.stats()
    assert (stats.articles, stats.passages) == (5, built.store.count())
    articles = built.articles()
    assert [a.date for a in articles][:3] == ["2024-07-25", "2024-03-01", "2023-10-10"]  # newest first
    assert articles[-1].date == "" and all(a.passages >= 1 for a in articles)
    assert built.recent_titles(1) == ["Rover finds organic molecules in Jezero crater"]
    passages = built.retrieve(QUESTION, top_k=2)
    assert len(passages) == 2 and "4.5 percent" in passages[0].text


def test_the_answerer_reads_the_question_against_the_same_day_as_retrieval(built):
    """"This week" means one thing to retrieval's time prior and to the answerer: the reference date,
    given or today."""
    import datetime as dt

    bot, answerer = scripted(built, "Rates rose [1].")
    bot.ask("What did the central bank do this week?", as_of="2024-03-02")
    bot.ask("What did the central bank do this week?")
    assert [call["as_of"] for call in answerer.calls] == [dt.date(2024, 3, 2), dt.date.today()]
