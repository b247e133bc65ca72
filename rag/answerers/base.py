"""What every answering backend does, and the reply it gives for one question."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from rag.answer import REFUSAL
from rag.passages import Passage


@dataclass
class Reply:
    """One answer being written: its pieces (text with [n] markers naming the numbered passages), the
    short form when the backend can tell it, and the token usage once the pieces are done. It is
    per request, so concurrent questions never share usage."""

    pieces: Iterable[str]
    short: str = ""
    usage: dict[str, int] = field(default_factory=dict)
    confidence: float | None = None  # 0-1, how sure the backend is that the passages answer, if it can tell

    @classmethod
    def refusal(cls) -> Reply:
        return cls(pieces=[REFUSAL])


class Answerer(Protocol):
    """An answering backend. ``label`` names it for people ("embedded extractive (offline)")."""

    label: str

    def condense(self, question: str, history: list[dict]) -> str:
        """The question made standalone with the conversation ("And China?" -> "How did ... China?")."""

    def reply(self, question: str, query: str, history: list[dict], passages: list[Passage],
              as_of: dt.date | None = None) -> Reply:
        """The answer from the numbered passages (1-based, in order), citing them as [n]; ``query`` is
        the standalone question that retrieved them; ``as_of`` the day it is asked on (what "this week"
        and "yesterday" mean; None: today), the one retrieval read its time words against."""

    def choose(self, question: str, choices: list[str], passages: list[Passage]) -> int | None:
        """The index of the right choice, or None to leave it to the retrieved evidence."""


@runtime_checkable
class Completer(Protocol):
    """A backend that can complete any prompt (a language model): what the evaluation's judge needs."""

    def complete(self, messages: list[dict]) -> str: ...

