"""Metric functions against expectations computed by hand."""

import pytest

from rag.evaluation import metrics as m


def test_squad_normalisation():
    assert m.normalize("The  U.S. voted, against!") == "us voted against"
    assert m.normalize("An apple a day") == "apple day"


def test_exact_match_takes_any_accepted_answer():
    assert m.exact_match("the Financial Times.", ["Financial Times"]) == 1.0
    assert m.exact_match("Financial Times weekly", ["Financial Times"]) == 0.0
    assert m.exact_match("", ["x"]) == 0.0
    assert m.exact_match("anything", []) == 0.0  # no gold answer: nothing to match


def test_token_f1_by_hand():
    # prediction "france uk denmark" vs gold "france uk denmark and slovenia" (SQuAD drops only
    # a/an/the): common 3, precision 3/3, recall 3/5, F1 = 2 * 1 * 0.6 / 1.6 = 0.75
    assert m.token_f1("France, UK, Denmark", ["France, the UK, Denmark, and Slovenia"]) == pytest.approx(0.75)
    # repeated tokens count only as often as they occur in both: "vote vote" vs "vote": P 1/2, R 1
    assert m.token_f1("vote vote", ["vote"]) == pytest.approx(2 * 0.5 * 1 / 1.5)
    assert m.token_f1("Truth Social", ["Twitter", "Truth Social"]) == 1.0  # best of several answers
    assert m.token_f1("", ["93"]) == 0.0  # an empty answer scores nothing
    assert m.token_f1("", [""]) == 1.0  # ... unless the gold is empty too (SQuAD's rule)
    assert m.token_f1("the", ["a"]) == 1.0  # both normalise to nothing


def test_contains_answer_is_whole_words_and_ignores_punctuation():
    assert m.contains_answer("refused to withdraw its original resolution—a move", ["original resolution"])
    assert not m.contains_answer("in 1930, it was", ["93"])
    assert not m.contains_answer("anything", [""])


def test_retrieval_ranks_by_hand():
    ranked = ["a", "b", "c", "d"]
    assert m.first_hit_rank(ranked, {"c", "x"}) == 3
    assert m.hit_at(ranked, {"c"}, 2) == 0.0 and m.hit_at(ranked, {"c"}, 3) == 1.0
    assert m.reciprocal_rank(ranked, {"c", "b"}) == 0.5  # the first gold counts
    assert m.reciprocal_rank(ranked, {"d"}, k=3) == 0.0  # beyond k
    assert m.recall_at(ranked, {"a", "d", "z"}, 4) == pytest.approx(2 / 3)
    assert m.recall_at(ranked, set(), 4) == 0.0
    assert m.first_hit_rank([], {"a"}) is None


def test_ties_keep_the_retrieval_order():
    # two passages of one article rank it once, at its best passage
    from types import SimpleNamespace

    from rag.evaluation.runner import ranked_keys

    passages = [SimpleNamespace(article_id=a, title=f"T{a}", url="") for a in ["a", "b", "a", "c", "b"]]
    assert ranked_keys(passages, []) == ["a", "b", "c"]
    assert ranked_keys(passages, ["Tc"]) == ["a", "b", "Tc"]  # a gold article is named by its gold entry


def test_percentile_and_mean_skip_what_does_not_apply():
    assert m.percentile([3, 1, 2, 4, 5], 0.5) == 3
    assert m.percentile([1, 2, 3, 4, 100], 0.95) == 100
    assert m.percentile([], 0.5) == 0.0
    assert m.mean([1.0, None, 0.0]) == 0.5
    assert m.mean([None]) is None


def test_the_short_answer_picks_the_one_choice_it_names():
    from rag.evaluation.choices import by_short_answer

    choices = ["Honda", "Toyota", "Ford Motor Co", "Tesla"]
    assert by_short_answer("Toyota", choices) == 1
    assert by_short_answer("Ford", choices) == 2  # most of the choice's words
    assert by_short_answer("", choices) is None  # no short answer: the evidence decides
    assert by_short_answer("General Motors", choices) is None  # it names none of them
    assert by_short_answer("Motor", ["Ford Motor", "General Motor"]) is None  # it names two alike
