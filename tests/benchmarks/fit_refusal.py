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


def fit(x: np.ndarray, y: np.ndarray, group: np.ndarray, steps: int = 20_000, rate: float = 0.5,
        l2: float = 1e-3) -> np.ndarray:
    """Logistic regression by gradient descent, each (set, answerable or not) group weighing the same
    (a big set does not drown a small one), weights kept >= 0 (more coverage, cosine or names found
    never lowers the confidence); returns [bias, *weights]."""
    x = np.hstack([np.ones((len(x), 1)), x])
    keys = list(zip(group, y, strict=True))
    sizes = {k: keys.count(k) for k in set(keys)}
    balance = np.array([1 / (len(sizes) * sizes[k]) for k in keys])
    w = np.zeros(x.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-x @ w))
        w -= rate * (x.T @ (balance * (p - y)) + l2 * np.r_[0, w[1:]])
        w[1:] = np.maximum(w[1:], 0.0)
    return w


def main() -> None:
    x, y, group = [], [], []
    for pair in sys.argv[1:]:
        qa_file, data_dir = pair.split(":")
        f, labels = rows(qa_file, data_dir)
        x += f
        y += labels
        group += [qa_file] * len(labels)
        print(f"{qa_file}: {sum(labels)} answerable, {len(labels) - sum(labels)} unanswerable")
    x, y, group = np.array(x), np.array(y), np.array(group)
    w = fit(x, y, group)
    print("WEIGHTS =", {"bias": round(w[0], 2), **{n: round(v, 2) for n, v in zip(NAMES, w[1:], strict=True)}})
    p = 1 / (1 + np.exp(-(np.hstack([np.ones((len(x), 1)), x]) @ w)))
    sets = list(dict.fromkeys(group))
    print("threshold", *(f"{s.split('/')[-1][:18]:>18}" for s in sets), " (answered / refused)")
    for t in np.arange(0.1, 0.91, 0.05):
        cells = []
        for s in sets:
            a, u = (group == s) & (y == 1), (group == s) & (y == 0)
            cells.append(f"{(p[a] >= t).mean() if a.any() else float('nan'):.2f}/"
                         f"{(p[u] < t).mean() if u.any() else float('nan'):.2f}".rjust(18))
        print(f"{t:9.2f}", *cells)


if __name__ == "__main__":
    main()
