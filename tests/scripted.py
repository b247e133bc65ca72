"""A scripted answerer: replies as told, records what it was given. For fast tests of the chain."""

from __future__ import annotations

import threading

from rag.answerers import Reply


class ScriptedAnswerer:
    label = "scripted"

    def __init__(self, pieces: list[str], short: str = "", condensed: str | None = None) -> None:
        self.pieces = pieces
        self.short = short
        self.condensed = condensed
        self.calls: list[dict] = []
        self._lock = threading.Lock()

    def condense(self, question: str, history: list[dict]) -> str:
        return self.condensed if history and self.condensed else question

    def reply(self, question, query, history, passages, as_of=None) -> Reply:
        with self._lock:
            self.calls.append({"question": question, "query": query, "passages": passages, "as_of": as_of})
            number = len(self.calls)
        reply = Reply(pieces=[], short=self.short)

        def pieces():
            yield from self.pieces
            reply.usage = {"prompt_tokens": number, "completion_tokens": len(question)}  # per request

        reply.pieces = pieces()
        return reply

    def choose(self, question, choices, passages) -> int | None:
        return None
