"""An optional LLM judge: is an answer faithful to its cited passages, and is it correct?"""

from __future__ import annotations

import json
import re

from rag import Answer

PROMPT = """You grade one answer of a question-answering system over news articles.

Question: {question}
Accepted answers: {gold}
Passages the answer cites:
{passages}
Answer: {answer}

faithful: 1 if every claim in the answer is supported by the cited passages, else 0.
correct: 1 if the answer agrees with an accepted answer, else 0.
Reply with JSON only, like {{"faithful": 1, "correct": 0}}."""


def judge(llm, question: str, gold: list[str], answer: Answer) -> dict[str, int] | None:
    """The judge's two grades, or None when its reply cannot be read."""
    passages = "\n\n".join(f"[{s.number}] {s.passage}" for s in answer.sources) or "(none)"
    reply = llm.complete([{"role": "user", "content": PROMPT.format(
        question=question, gold=" | ".join(gold), passages=passages, answer=answer.text)}])
    match = re.search(r"\{.*\}", reply, re.S)
    try:
        grades = json.loads(match.group()) if match else {}
        return {key: int(bool(grades[key])) for key in ("faithful", "correct")}
    except (ValueError, KeyError, TypeError):
        return None
