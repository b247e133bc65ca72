"""Multiple choice from the retrieved evidence.

Extractive (no LLM): each choice is scored by the best sentence of the top passages that contains it,
weighted by how much of the question that sentence also covers and by its passage's retrieval score;
a choice found nowhere scores by the cosine of "question + choice" to the top passage. Ties go to
the earlier choice. With an LLM backend, the model reads the numbered passages and names a letter.
"""

from __future__ import annotations

import re

from rag import Assistant
from rag.extractive import coverage
from rag.retrieval import Passage
from rag.text import sentences, terms

EVIDENCE = 10  # top passages searched for the choices


def pick_extractive(bot: Assistant, question: str, choices: list[str], passages: list[Passage]) -> int:
    top = passages[:EVIDENCE]
    scores = []
    for choice in choices:
        wanted = set(terms(choice)) or set(_words(choice))  # "against" is a stop-word, yet a choice
        best = 0.0
        for passage in top:
            for sentence in sentences(passage.text):
                found = len(wanted & (set(terms(sentence)) | set(_words(sentence)))) / len(wanted) if wanted else 0.0
                if found:
                    best = max(best, found * (1 + coverage(question, sentence)) * max(passage.score, 0.05))
        scores.append(best)
    if max(scores, default=0.0) == 0.0 and top:
        vectors = bot.embed_model.encode([f"{question} {c}" for c in choices] + [top[0].text])
        scores = list(vectors[:-1] @ vectors[-1])
    return max(range(len(choices)), key=lambda i: (scores[i], -i))


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def pick_llm(bot: Assistant, question: str, choices: list[str], passages: list[Passage]) -> int:
    letters = "ABCDEFGHIJ"[: len(choices)]
    context = "\n\n".join(f"[{i}] {p.title}\n{p.text}" for i, p in enumerate(passages[:bot.settings.top_k], 1))
    options = "\n".join(f"{letter}. {choice}" for letter, choice in zip(letters, choices, strict=False))
    prompt = (f"Passages:\n\n{context}\n\nQuestion: {question}\n{options}\n\nUsing the passages, answer with"
              " the letter of the right choice only.")
    reply = bot.llm.complete([{"role": "user", "content": prompt}])
    match = re.search(rf"\b([{letters}])\b", reply.strip().upper())
    return letters.index(match.group(1)) if match else pick_extractive(bot, question, choices, passages)


def pick(bot: Assistant, question: str, choices: list[str], passages: list[Passage]) -> int:
    """Index of the chosen answer."""
    return (pick_llm if bot.llm else pick_extractive)(bot, question, choices, passages)
