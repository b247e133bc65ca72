"""Thumbs-down answers as a QA file for ``rag eval``: the loop from a reader's "that was wrong" back to a
measured regression set.

Each thumbs-down becomes one JSON line in rag's QA format (rag/evaluation/qa.py): the question, the date
it was asked as of, and, when the reader gave it, the right answer. A line without a right answer has no
``answer`` field, so ``rag eval`` lists it as incomplete ('no "answer"') and runs the rest; fill it in
(or set ``"answerable": false``) to count it. The answer that was rejected and the reader's comment
ride along (``rejected_answer``, ``comment``, ``cited``), which ``rag eval`` ignores.
"""

from __future__ import annotations

import json
from pathlib import Path

from ui.conversations import ConversationStore, DislikedTurn


def qa_line(turn: DislikedTurn) -> dict:
    line = {"id": f"feedback-{turn.conversation_id[:12]}-{turn.position}", "question": turn.question,
            "category": "feedback"}
    if turn.answer.as_of:
        line["date"] = turn.answer.as_of
    if turn.feedback.right_answer:
        line["answer"] = [turn.feedback.right_answer]
    line |= {"rejected_answer": turn.answer.text, "refused": turn.answer.refused, "comment": turn.feedback.comment,
             "cited": [s.url or s.article_id for s in turn.answer.sources]}
    return line


def export(store: ConversationStore, out: Path) -> tuple[int, int]:
    """Write every thumbs-down to ``out``; returns (lines written, lines still without a right answer)."""
    lines = [qa_line(t) for t in store.disliked()]
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8")
    return len(lines), sum(1 for line in lines if "answer" not in line)
