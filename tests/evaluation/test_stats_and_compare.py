"""Intervals on cases worked by hand, comparisons of crafted runs, and determinism of a real run."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from rag import evaluate
from rag.evaluation.compare import compare
from rag.evaluation.report import write
from rag.evaluation.stats import interval, paired

ROOT = Path(__file__).resolve().parents[2]


def test_intervals_match_the_normal_approximation_on_a_fair_coin():
    low, high = interval([0.0] * 50 + [1.0] * 50)
    half = 1.96 * math.sqrt(0.25 / 100)  # 0.098
    assert abs(low - (0.5 - half)) <= 0.02 and abs(high - (0.5 + half)) <= 0.02
    assert interval([1.0] * 30) == (1.0, 1.0) and interval([]) is None
    assert interval([0.0, 1.0] * 20) == interval([0.0, 1.0] * 20)  # a fixed seed: reproducible


def test_a_paired_difference_knows_a_real_gain_from_noise():
    gain = paired([0.0] * 40 + [1.0] * 60, [1.0] * 100)  # 40 questions fixed, none broken
    assert gain.diff == pytest.approx(0.4) and gain.significant and gain.p < 0.001
    swap = paired([1.0, 0.0] * 50, [0.0, 1.0] * 50)  # as many broken as fixed: no difference
    assert swap.diff == 0 and not swap.significant and swap.p > 0.5
    one = paired([0.0] * 180, [0.0] * 179 + [1.0])  # one question in 180 is noise
    assert not one.significant
    assert paired([], []) is None


def run_folder(tmp_path: Path, name: str, rows: list[dict], settings: dict) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    base = {"category": "", "gold_answers": ["x"], "gold": ["g"], "choices": [], "answerable": True, "answer": "",
            "refused": False, "sources": [], "ranked_articles": [], "f1": 0.0, "exact_match": 0.0}
    results = [{**base, **row} for row in rows]
    for r in results:
        r["gold_rank"] = r["ranked_articles"].index("g") + 1 if "g" in r["ranked_articles"] else None
    (folder / "report.json").write_text(json.dumps({"results": results, "config": {"settings": settings}}))
    return folder


def test_compare_pairs_questions_lists_the_unpaired_and_says_what_changed(tmp_path):
    a = run_folder(tmp_path, "a", [{"id": f"q{i}", "question": f"Q{i}?", "ranked_articles": ["z", "g"], "answer": "no"}
                                   for i in range(30)] + [{"id": "only-a", "question": "Gone?"}], {"top_k": 5})
    b = run_folder(tmp_path, "b", [{"id": f"q{i}", "question": f"Q{i}?", "ranked_articles": ["g"], "answer": "x",
                                    "f1": 1.0, "exact_match": 1.0} for i in range(30)]
                   + [{"id": "only-b", "question": "New?"}], {"top_k": 8})
    result = compare(a, b)
    assert result.only_in_a == ["only-a"] and result.only_in_b == ["only-b"]
    assert result.metrics["mrr@10"].a == 0.5 and result.metrics["mrr@10"].b == 1.0
    assert result.metrics["mrr@10"].significant and result.metrics["mrr@10"].questions == 30
    assert result.config_differences == {"settings.top_k": [5, 8]}
    first = result.changed[0]
    assert "wrong -> right" in first["changes"] and "gold rank 2 -> 1" in first["changes"]
    assert not result.worse("mrr@10") and compare(b, a).worse("mrr@10")


def test_rag_eval_compare_prints_the_table_and_fails_when_asked_to(tmp_path):
    a = run_folder(tmp_path, "a", [{"id": f"q{i}", "question": "Q?", "ranked_articles": ["g"]} for i in range(30)], {})
    b = run_folder(tmp_path, "b", [{"id": f"q{i}", "question": "Q?", "ranked_articles": ["z"]} for i in range(30)], {})
    command = [sys.executable, "-c", "from rag.cli import main; main()", "eval", "compare", str(a), str(b)]
    ok = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0 and "mrr@10" in ok.stdout and "-1.000" in ok.stdout
    assert (b / "compare.json").exists() and "Questions that changed (30)" in (b / "compare.html").read_text()
    worse = subprocess.run([*command, "--fail-if-worse", "hit@1"], capture_output=True, text=True, timeout=120)
    assert worse.returncode == 1 and "significantly worse" in worse.stderr and "hit@1" in worse.stderr


def test_the_same_run_twice_gives_the_same_per_question_results(built, tmp_path):
    runs = []
    for name in ("one", "two"):
        write(evaluate(ROOT / "qa" / "sample.jsonl", built), tmp_path / name)
        data = json.loads((tmp_path / name / "report.json").read_text())
        for row in data["results"]:
            row.pop("seconds")
        runs.append((data["results"], data["intervals"], data["config"]))
    assert json.dumps(runs[0]) == json.dumps(runs[1])
    assert runs[0][2]["index"]["passages"] == built.store.count() and runs[0][2]["settings"]["top_k"] == 5
    assert runs[0][1]["pass_rate"][0] <= runs[0][1]["pass_rate"][1]


def test_the_refusal_curve_says_what_each_confidence_threshold_would_answer_and_refuse():
    from rag.evaluation.runner import QuestionResult, refusal_curve

    def result(n: int, answerable: bool, confidence: float | None) -> QuestionResult:
        return QuestionResult(id=str(n), question="q", category="", gold_answers=["a"] if answerable else [],
                              gold=[], choices=[], answerable=answerable, confidence=confidence)

    results = [result(1, True, 0.9), result(2, True, 0.6), result(3, True, 0.3),
               result(4, False, 0.4), result(5, False, 0.1), result(6, False, None)]  # None: nothing retrieved
    at = {round(c["threshold"], 2): c for c in refusal_curve(results)}
    assert at[0.5] == {"threshold": 0.5, "answered_answerable": 2 / 3, "refused_unanswerable": 1.0,
                       "refusal_precision": 3 / 4}
    assert at[0.2]["answered_answerable"] == 1.0 and at[0.2]["refused_unanswerable"] == 2 / 3
    assert at[0.95]["answered_answerable"] == 0.0 and at[0.95]["refusal_precision"] == 0.5
    assert refusal_curve([result(1, True, None)]) == []  # a backend that gives no confidence: no curve


def test_refusals_and_f1_are_also_counted_where_the_retrieved_passages_hold_the_answer():
    """The issue's own measure: a refusal of a question whose answer the retrieved news holds is the
    answerer's fault; one whose answer is nowhere in what was retrieved is not."""
    from rag.evaluation.runner import QuestionResult, summarize

    def result(n: int, refused: bool, f1: float, retrieved: bool | None) -> QuestionResult:
        return QuestionResult(id=str(n), question="q", category="", gold_answers=["a"], gold=[], choices=[],
                              answerable=True, refused=refused, f1=f1, answer_retrieved=retrieved)

    figures = summarize([result(1, True, 0.0, True), result(2, False, 1.0, True), result(3, False, 0.5, True),
                         result(4, True, 0.0, False), result(5, True, 0.0, False)])
    assert figures["false_refusal_rate"] == 3 / 5
    assert figures["false_refusal_rate_answer_retrieved"] == 1 / 3 and figures["f1_answer_retrieved"] == 0.5
    assert summarize([result(1, True, 0.0, None)])["f1_answer_retrieved"] is None  # no such question
