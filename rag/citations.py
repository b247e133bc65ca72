"""Verify and renumber citation markers, also while the answer streams.

Every [n] must name a passage that was given to the answerer; unknown numbers are dropped. The cited
passages are renumbered 1, 2, ... in order of first citation, so the sources list holds exactly the
cited passages, numbered as they appear in the text.
"""

from __future__ import annotations

import re

from rag.answer import REFUSAL, Source
from rag.passages import Passage
from rag.text import best_sentence

MARKER = re.compile(r"( ?)\[(\d+(?:\s*[,;]\s*\d+)*)\]( ?)")  # with a space either side, if any
_MAX_MARKER = 24  # a "[" not closed within this many characters is plain text


class CitationFilter:
    def __init__(self, passages: int) -> None:
        self.passages = passages
        self.order: list[int] = []  # original passage numbers (1-based), in order of first citation
        self._pending = ""

    def feed(self, piece: str) -> str:
        """Text that is safe to show now; an unfinished "[.." is held back until it closes, and so is a
        trailing space and the marker after it (a dropped marker may take the space along)."""
        text = self._pending + piece
        cut = text.rfind("[")
        if cut == -1 or "]" in text[cut:] or len(text) - cut >= _MAX_MARKER:
            cut = len(text)
        cut = len(text[:cut].rstrip(" "))  # a trailing space waits for what follows it
        text, self._pending = text[:cut], text[cut:]
        return MARKER.sub(self._renumber, text)

    def flush(self) -> str:
        text, self._pending = self._pending, ""
        return MARKER.sub(self._renumber, text)

    def _renumber(self, match: re.Match) -> str:
        out = []
        for raw in re.split(r"\s*[,;]\s*", match.group(2)):
            number = int(raw)
            if not 1 <= number <= self.passages:
                continue  # a passage the model was never given
            if number not in self.order:
                self.order.append(number)
            marker = f"[{self.order.index(number) + 1}]"
            if marker not in out:
                out.append(marker)
        if out:
            return match.group(1) + "".join(out) + match.group(3)
        # A dropped marker leaves one space between words, none before punctuation.
        after = match.string[match.end() : match.end() + 1]
        return " " if (match.group(1) or match.group(3)) and after not in ".,;:!?)" else ""



def sources(text: str, passages: list[Passage], order: list[int]) -> list[Source]:
    """The cited passages in citation order, each quoting its sentence that backs the claim."""
    claims: dict[int, str] = {}
    end = 0
    for group in re.finditer(r"(?:\[\d+\])+", text):
        claim = text[end : group.start()]
        for number in re.findall(r"\d+", group.group()):
            claims[int(number)] = claims.get(int(number), "") + " " + claim
        end = group.end()
    return [source(new, passages[old - 1], best_sentence(passages[old - 1].text, claims.get(new, "")))
            for new, old in enumerate(order, start=1)]


def source(number: int, passage: Passage, quote: str) -> Source:
    return Source(number=number, title=passage.title, date=passage.date, url=passage.url,
                  path=passage.path, quote=quote, passage=passage.text, score=passage.score,
                  article_id=passage.article_id, passage_id=passage.id, page=_page(passage, quote))


def _page(passage: Passage, quote: str) -> str:
    """The page of the quoted sentence when the passage spans pages ("p. 3", not "pp. 1-3")."""
    at = passage.text.find(quote) if quote else -1
    return passage.page_at(at) if at >= 0 else passage.page


def _plain(text: str) -> str:
    return " ".join(text.lower().replace("’", "'").split())


_REFUSAL = _plain(REFUSAL).rstrip(".")


def is_refusal(text: str) -> bool:
    """Whether an answer is the refusal sentence (or empty): then it cites nothing."""
    return not text.strip() or _plain(text).startswith(_REFUSAL)
