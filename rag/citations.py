"""Verify and renumber citation markers, also while the answer streams.

Every [n] must name a passage that was given to the answerer; unknown numbers are dropped. The cited
passages are renumbered 1, 2, ... in order of first citation, so the sources list holds exactly the
cited passages, numbered as they appear in the text.
"""

from __future__ import annotations

import re

MARKER = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]( ?)")  # a dropped marker takes its space along
_MAX_MARKER = 24  # a "[" not closed within this many characters is plain text


class CitationFilter:
    def __init__(self, passages: int) -> None:
        self.passages = passages
        self.order: list[int] = []  # original passage numbers (1-based), in order of first citation
        self._pending = ""

    def feed(self, piece: str) -> str:
        """Text that is safe to show now; an unfinished "[.." is held back until it closes."""
        text = self._pending + piece
        cut = text.rfind("[")
        if cut != -1 and "]" not in text[cut:] and len(text) - cut < _MAX_MARKER:
            text, self._pending = text[:cut], text[cut:]
        else:
            self._pending = ""
        return MARKER.sub(self._renumber, text)

    def flush(self) -> str:
        text, self._pending = self._pending, ""
        return MARKER.sub(self._renumber, text)

    def _renumber(self, match: re.Match) -> str:
        out = []
        for raw in re.split(r"\s*[,;]\s*", match.group(1)):
            number = int(raw)
            if not 1 <= number <= self.passages:
                continue  # a passage the model was never given
            if number not in self.order:
                self.order.append(number)
            marker = f"[{self.order.index(number) + 1}]"
            if marker not in out:
                out.append(marker)
        return "".join(out) + match.group(2) if out else ""

