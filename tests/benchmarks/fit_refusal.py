"""Fit the offline answerer's answer/refuse score on tuning sets, and print its precision/recall curve.

    python tests/benchmarks/fit_refusal.py QA.jsonl:INDEX_DIR [QA.jsonl:INDEX_DIR ...]

Each pair is a QA file (``answerable`` true or false per question) and the data directory of its index
(e.g. runs/rgbu/data/rgb-en-unanswerable.jsonl:runs/rgbu/index). For every question it retrieves as the
chain does, takes the signals of the sentence the answerer judged most answering (most coverage plus
cosine), and fits a logistic regression (numpy, class-balanced) to "the question is answerable". It
prints the weights to put in rag/answerers/extractive.py (WEIGHTS) and, per threshold, the share of
answerable questions answered and of unanswerable ones refused. Fit on tuning sets only, never on a
test split.
"""

from __future__ import annotations

import sys

import numpy as np

from rag import Assistant, Settings
from rag.answerers import extractive
from rag.evaluation import qa

NAMES = [n for n in extractive.WEIGHTS if n != "bias"]


def rows(qa_file: str, data_dir: str) -> tuple[list[list[float]], list[int]]:
    bot = Assistant(Settings(data_dir=data_dir, llm="extractive"))
    features, labels = [], []
    for item in qa.load(qa_file).items:
        passages = bot.gate.postprocess(bot.retrieve(item.question, as_of=item.date or None), item.question)
        verdict = extractive.answer(item.question, passages, bot.embed_model) if passages else None
        judged = verdict.judged if verdict else []
        best = max(judged, key=lambda s: s.coverage + s.cosine, default=None)
        features.append([float(getattr(best, n)) if best else 0.0 for n in NAMES])
        labels.append(int(item.answerable))
    return features, labels


def fit(x: np.ndarray, y: np.ndarray, steps: int = 20_000, rate: float = 0.5, l2: float = 1e-3) -> np.ndarray:
    """Class-balanced logistic regression by gradient descent; returns [bias, *weights]."""
    x = np.hstack([np.ones((len(x), 1)), x])
    balance = np.where(y == 1, 0.5 / max(1, y.sum()), 0.5 / max(1, (1 - y).sum()))
    w = np.zeros(x.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-x @ w))
        w -= rate * (x.T @ (balance * (p - y)) + l2 * np.r_[0, w[1:]])
    return w


def main() -> None:
    x, y = [], []
    for pair in sys.argv[1:]:
        qa_file, data_dir = pair.split(":")
        f, labels = rows(qa_file, data_dir)
        x += f
        y += labels
        print(f"{qa_file}: {sum(labels)} answerable, {len(labels) - sum(labels)} unanswerable")
    x, y = np.array(x), np.array(y)
    w = fit(x, y)
    print("WEIGHTS =", {"bias": round(w[0], 2), **{n: round(v, 2) for n, v in zip(NAMES, w[1:], strict=True)}})
    p = 1 / (1 + np.exp(-(np.hstack([np.ones((len(x), 1)), x]) @ w)))
    print("threshold  answered(answerable)  refused(unanswerable)")
    for t in np.arange(0.1, 0.91, 0.05):
        answered = (p[y == 1] >= t).mean() if (y == 1).any() else float("nan")
        refused = (p[y == 0] < t).mean() if (y == 0).any() else float("nan")
        print(f"{t:9.2f}  {answered:20.3f}  {refused:21.3f}")


if __name__ == "__main__":
    main()
