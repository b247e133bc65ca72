"""Run a QA set through the same Assistant the chat uses, and gather every figure."""

from __future__ import annotations

import datetime as dt
import hashlib
import platform
import subprocess
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from rag import Assistant
from rag.answerers import Completer
from rag.corpus import article_id, canonical_url
from rag.errors import ConfigError, RagError
from rag.evaluation import metrics as m
from rag.evaluation.choices import by_evidence, by_short_answer
from rag.evaluation.judge import judge
from rag.evaluation.qa import QAItem, load
from rag.evaluation.stats import interval

RETRIEVAL_DEPTH = 30  # passages searched for the article-level ranking (hit@10 needs 10 articles)
KS = (1, 3, 5, 10)


@dataclass
class QuestionResult:
    id: str
    question: str
    category: str
    gold_answers: list[str]
    gold: list[str]
    choices: list[str]
    answerable: bool
    date: str = ""  # the reference date the question was asked on
    answer: str = ""
    short: str = ""  # the answer's short form, when it has one
    confidence: float | None = None  # the answerer's score that the passages answer, when it gives one
    refused: bool = False
    error: str = ""
    query: str = ""
    sources: list[dict] = field(default_factory=list)
    ranked_articles: list[str] = field(default_factory=list)
    gold_rank: int | None = None
    exact_match: float | None = None
    f1: float | None = None
    choice: int | None = None
    choice_correct: bool | None = None
    cited_gold_share: float | None = None
    citations_hold_answer: bool | None = None
    # A gold answer is in the passages the answerer was given (word for word): the questions its corpus
    # and retrieval do answer, where a refusal is the answerer's fault and a miss is its reading's.
    answer_retrieved: bool | None = None
    seconds: float = 0.0
    usage: dict = field(default_factory=dict)
    judge_faithful: int | None = None
    judge_correct: int | None = None

    @property
    def passed(self) -> bool:
        if not self.answerable:
            return self.refused
        if self.choice_correct is not None:
            return self.choice_correct
        return not self.refused and ((self.f1 or 0) >= 0.5 or m.contains_answer(self.answer, self.gold_answers))


@dataclass
class EvalReport:
    qa_file: str
    backend: str
    index: str
    config: dict  # what decides the results: settings, models, index fingerprint, code commit
    started: str
    machine: str
    problems: list[str]
    results: list[QuestionResult]
    interrupted: bool = False
    seconds: float = 0.0

    @property
    def metrics(self) -> dict:
        return summarize(self.results)

    def by_category(self) -> dict[str, dict]:
        groups: dict[str, list[QuestionResult]] = {}
        for r in self.results:
            groups.setdefault(r.category or "(none)", []).append(r)
        return {name: summarize(rs) for name, rs in sorted(groups.items())}

    def to_dict(self) -> dict:
        data = asdict(self)
        data["metrics"] = self.metrics
        data["intervals"] = intervals(self.results)
        data["by_category"] = self.by_category()
        data["refusal_curve"] = refusal_curve(self.results)
        for row, result in zip(data["results"], self.results, strict=True):
            row["passed"] = result.passed
        return data


RATES = ["hit@1", "hit@3", "hit@5", "hit@10", "recall@1", "recall@3", "recall@5", "recall@10", "mrr@10",
         "exact_match", "f1", "choice_accuracy", "cited_gold_share", "citations_hold_answer",
         "refusal_rate_unanswerable", "false_refusal_rate", "f1_answer_retrieved",
         "false_refusal_rate_answer_retrieved", "pass_rate", "judge_faithfulness", "judge_correctness"]


def per_question(results: list[QuestionResult]) -> dict[str, dict[str, float]]:
    """Every rate as each question's own value ({metric: {question id: value}}), for the questions it
    applies to: a rate is the mean of these, its interval and a comparison resample them."""
    out: dict[str, dict[str, float]] = {name: {} for name in RATES}
    for r in results:
        if r.error:
            continue
        out["pass_rate"][r.id] = float(r.passed)
        if not r.answerable:
            out["refusal_rate_unanswerable"][r.id] = float(r.refused)
            continue
        out["false_refusal_rate"][r.id] = float(r.refused)
        if r.answer_retrieved:
            out["false_refusal_rate_answer_retrieved"][r.id] = float(r.refused)
            out["f1_answer_retrieved"][r.id] = r.f1 or 0.0
        if r.gold:
            for k in KS:
                out[f"hit@{k}"][r.id] = m.hit_at(r.ranked_articles, set(r.gold), k)
                out[f"recall@{k}"][r.id] = m.recall_at(r.ranked_articles, set(r.gold), k)
            out["mrr@10"][r.id] = m.reciprocal_rank(r.ranked_articles, set(r.gold), 10)
        for name, value in (("exact_match", r.exact_match), ("f1", r.f1), ("cited_gold_share", r.cited_gold_share),
                            ("judge_faithfulness", r.judge_faithful), ("judge_correctness", r.judge_correct)):
            if value is not None:
                out[name][r.id] = float(value)
        if r.choice_correct is not None:
            out["choice_accuracy"][r.id] = float(r.choice_correct)
        if r.citations_hold_answer is not None:
            out["citations_hold_answer"][r.id] = float(r.citations_hold_answer)
    return out


def refusal_curve(results: list[QuestionResult]) -> list[dict]:
    """What each threshold on the answerer's confidence would do: the share of answerable questions it
    answers (recall), of unanswerable ones it refuses, and the precision of its refusals. For an
    answerer that refuses when its confidence is under its threshold (the offline one); empty when the
    backend gives none. No confidence (nothing relevant was retrieved) counts as 0."""
    scored = [(r.answerable, r.confidence or 0.0) for r in results if not r.error]
    if all(r.confidence is None for r in results if not r.error):
        return []
    answerable = [c for ok, c in scored if ok]
    unanswerable = [c for ok, c in scored if not ok]

    def share(values: list[bool]) -> float | None:
        return sum(values) / len(values) if values else None

    curve = []
    for step in range(5, 100, 5):
        threshold = step / 100
        curve.append({
            "threshold": threshold,
            "answered_answerable": share([c >= threshold for c in answerable]),
            "refused_unanswerable": share([c < threshold for c in unanswerable]),
            "refusal_precision": share([not ok for ok, c in scored if c < threshold])})
    return curve


def summarize(results: list[QuestionResult]) -> dict:
    values = per_question(results)
    seconds = [r.seconds for r in results if not r.error]
    out = {"questions": len(results), "errors": sum(bool(r.error) for r in results),
           "with_gold_articles": len(values["mrr@10"])}
    out.update({name: m.mean(list(values[name].values())) for name in RATES})
    out["latency_p50_s"] = m.percentile(seconds, 0.5)
    out["latency_p95_s"] = m.percentile(seconds, 0.95)
    tokens = [r.usage for r in results if r.usage]
    if tokens:
        out["prompt_tokens"] = sum(u.get("prompt_tokens", 0) for u in tokens)
        out["completion_tokens"] = sum(u.get("completion_tokens", 0) for u in tokens)
    return out


def intervals(results: list[QuestionResult]) -> dict[str, list[float]]:
    """The 95% bootstrap interval of every rate that applies to some question."""
    found = {name: interval(list(values.values())) for name, values in per_question(results).items()}
    return {name: [round(lo, 4), round(hi, 4)] for name, (lo, hi) in
            ((n, ci) for n, ci in found.items() if ci is not None)}


def gold_matches(article, gold: list[str]) -> set[str]:
    """The gold entries (article ids, URLs or exact titles) that a retrieved or cited article matches."""
    keys = {article.article_id, article.title, canonical_url(article.url) if article.url else ""} - {""}
    return {g for g in gold if g in keys or ("://" in g and (canonical_url(g) in keys or article_id(g, "") in keys))}


def ranked_keys(passages, gold: list[str]) -> list[str]:
    """Articles in the order of their best passage; each named by the gold entry it matches, if any."""
    best: dict = {}
    for passage in passages:
        best.setdefault(passage.article_id, passage)  # the first passage of an article is its best
    return [min(gold_matches(p, gold), default=article) for article, p in best.items()]


def run_one(bot: Assistant, item: QAItem, use_judge: bool = False) -> QuestionResult:
    result = QuestionResult(id=item.id, question=item.question, category=item.category, date=item.date,
                            gold_answers=item.answers, gold=item.gold, choices=item.choices,
                            answerable=item.answerable)
    started = time.perf_counter()
    try:
        answer = bot.ask(item.question, as_of=item.date or None)
        passages = bot.retrieve(answer.query, max(RETRIEVAL_DEPTH, bot.settings.top_k), as_of=item.date or None)
        if item.choices:
            result.choice = bot.answerer.choose(item.question, item.choices, passages)
            if result.choice is None and not answer.refused:
                result.choice = by_short_answer(answer.short, item.choices)
            if result.choice is None:
                result.choice = by_evidence(item.question, item.choices, passages, bot.embed_model.encode)
        if use_judge and item.answerable and not answer.refused:
            grades = judge(bot.answerer, item.question, item.answers, answer) or {}
            result.judge_faithful, result.judge_correct = grades.get("faithful"), grades.get("correct")
    except RagError as error:
        result.error = str(error)
        return result
    result.seconds = answer.timings.get("total", time.perf_counter() - started)  # the ask, as a user waits
    result.answer, result.refused, result.query, result.usage = answer.text, answer.refused, answer.query, answer.usage
    result.short, result.confidence = answer.short, answer.confidence
    result.sources = [{"number": s.number, "title": s.title, "url": s.url, "date": s.date,
                       "article_id": s.article_id, "quote": s.quote, "score": s.score} for s in answer.sources]
    result.ranked_articles = ranked_keys(passages, item.gold)
    gold = set(item.gold)
    if item.answerable:
        predicted = "" if answer.refused else (answer.short or answer.text)  # the open answer
        result.exact_match = m.exact_match(predicted, item.answers)
        result.f1 = m.token_f1(predicted, item.answers)
        result.answer_retrieved = any(m.contains_answer(s.passage, item.answers) for s in answer.retrieved)
        if result.choice is not None:
            result.choice_correct = result.choice == item.correct_choice
        if gold:
            result.gold_rank = m.first_hit_rank(result.ranked_articles, gold)
            if answer.sources:
                cited_gold = sum(bool(gold_matches(s, item.gold)) for s in answer.sources)
                result.cited_gold_share = cited_gold / len(answer.sources)
        if answer.sources:
            result.citations_hold_answer = any(m.contains_answer(s.passage, item.answers) for s in answer.sources)
    return result


def config(bot: Assistant) -> dict:
    """Everything that decides a run's results, so that compare can say what two runs differ in."""
    articles = bot.store.indexed_articles()
    fingerprint = hashlib.sha256("".join(f"{k}:{a.content_hash};" for k, a in sorted(articles.items()))
                                 .encode()).hexdigest()[:16]
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=5,
                                cwd=Path(__file__).parent, check=False).stdout.strip()
    except OSError:
        commit = ""
    return {"settings": bot.settings.model_dump(mode="json", exclude={"openai_api_key"}),
            "embedding": bot.embed_model.model_name, "backend": bot.backend, "commit": commit,
            "index": {"articles": len(articles), "passages": bot.store.count(), "fingerprint": fingerprint}}


def evaluate(qa_path: Path, bot: Assistant | None = None, corpus: Path | None = None, limit: int | None = None,
             on_progress: Callable[[int, int], None] | None = None, use_judge: bool = False) -> EvalReport:
    """Every question of the QA file through ``bot``; Ctrl-C stops and keeps what was finished.
    ``use_judge`` asks the (OpenAI-compatible) LLM to grade faithfulness and correctness."""
    bot = bot or Assistant()
    if use_judge and not isinstance(bot.answerer, Completer):
        raise ConfigError("the LLM judge needs an OpenAI-compatible backend: set OPENAI_API_KEY or"
                          " OPENAI_BASE_URL (and RAG_LLM=openai)")
    qa = load(Path(qa_path))
    if corpus:
        bot.ingest(corpus)
    items = qa.items[:limit] if limit else qa.items
    report = EvalReport(qa_file=str(qa_path), backend=bot.backend, index=bot.store.where, config=config(bot),
                        started=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                        machine=f"{platform.machine()}, {platform.python_implementation()} {platform.python_version()}",
                        problems=qa.problems, results=[])
    started = time.perf_counter()
    try:
        for done, item in enumerate(items, start=1):
            report.results.append(run_one(bot, item, use_judge))
            if on_progress:
                on_progress(done, len(items))
    except KeyboardInterrupt:
        report.interrupted = True
    report.seconds = time.perf_counter() - started
    return report
