"""Metric functions, each small enough to check by hand (tests/evaluation/test_metrics.py)."""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Sequence

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCT = set(string.punctuation) | {"“", "”", "‘", "’", "—", "–"}


def normalize(text: str) -> str:
    """SQuAD's answer normalisation: lower case, no punctuation, no articles, single spaces."""
    text = "".join(ch for ch in text.lower() if ch not in _PUNCT)
    return " ".join(_ARTICLES.sub(" ", text).split())


def exact_match(prediction: str, golds: Sequence[str]) -> float:
    return float(any(normalize(prediction) == normalize(g) for g in golds)) if golds else 0.0


def token_f1(prediction: str, golds: Sequence[str]) -> float:
    """The best SQuAD token F1 against any gold answer (0 for an empty prediction or no gold)."""
    best = 0.0
    predicted = normalize(prediction).split()
    for gold in golds:
        wanted = normalize(gold).split()
        if not predicted or not wanted:
            best = max(best, float(predicted == wanted))
            continue
        common = sum((Counter(predicted) & Counter(wanted)).values())
        if common:
            precision, recall = common / len(predicted), common / len(wanted)
            best = max(best, 2 * precision * recall / (precision + recall))
    return best


def contains_answer(text: str, golds: Sequence[str]) -> bool:
    """Whether a gold answer appears in the text as whole words (punctuation counts as a space, so
    "resolution—a move" holds "resolution")."""

    def words(value: str) -> str:
        return normalize("".join(" " if ch in _PUNCT else ch for ch in value))

    haystack = f" {words(text)} "
    return any(words(g) and f" {words(g)} " in haystack for g in golds)


def first_hit_rank(ranked: Sequence[str], gold: set[str]) -> int | None:
    """1-based rank of the first gold item in ``ranked`` (None when absent)."""
    for rank, item in enumerate(ranked, start=1):
        if item in gold:
            return rank
    return None


def hit_at(ranked: Sequence[str], gold: set[str], k: int) -> float:
    rank = first_hit_rank(ranked, gold)
    return float(rank is not None and rank <= k)


def reciprocal_rank(ranked: Sequence[str], gold: set[str], k: int = 10) -> float:
    rank = first_hit_rank(ranked[:k], gold)
    return 1.0 / rank if rank else 0.0


def recall_at(ranked: Sequence[str], gold: set[str], k: int) -> float:
    return len(set(ranked[:k]) & gold) / len(gold) if gold else 0.0


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..1); 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def mean(values: Sequence[float | None]) -> float | None:
    """Mean of the values that apply (None is 'does not apply'); None when none apply."""
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None
