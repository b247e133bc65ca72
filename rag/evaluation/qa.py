"""The QA file: JSON lines, one question each.

    {"id": "q1", "question": "...", "answer": "gold text" | ["several", "accepted"],
     "gold": ["article URL or id", ...], "choices": ["A", "B", ...], "answerable": true,
     "category": "politics"}

Only ``question`` is required (and ``answer`` unless ``answerable`` is false). A malformed line is
reported with its number and skipped; the rest runs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from rag.dates import as_of
from rag.errors import InputError


@dataclass(frozen=True)
class QAItem:
    id: str
    question: str
    answers: list[str] = field(default_factory=list)
    gold: list[str] = field(default_factory=list)
    choices: list[str] = field(default_factory=list)
    answerable: bool = True
    category: str = ""
    date: str = ""  # the reference date the question is asked on (ISO), "" for today

    @property
    def correct_choice(self) -> int | None:
        """Index of the gold answer among the choices, when there are choices."""
        for i, choice in enumerate(self.choices):
            if choice in self.answers:
                return i
        return None


@dataclass
class QASet:
    items: list[QAItem]
    problems: list[str]  # "line N: reason"


def _strings(value, name: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str | int | float):
        return [str(value)]
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return [str(v) for v in value]
    raise ValueError(f'"{name}" must be a string or a list of strings')


def parse_line(line: str, number: int) -> QAItem:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as err:
        raise ValueError(f"not valid JSON ({err.msg} at column {err.colno})") from None
    if not isinstance(record, dict):
        raise ValueError("not a JSON object")
    question = str(record.get("question") or "").strip()
    if not question:
        raise ValueError('no "question"')
    answerable = record.get("answerable", True)
    if not isinstance(answerable, bool):
        raise ValueError('"answerable" must be true or false')
    answers = _strings(record.get("answer"), "answer")
    if answerable and not answers:
        raise ValueError('no "answer" (set "answerable": false for questions the corpus cannot answer)')
    item = QAItem(id=str(record.get("id") or f"line-{number}"), question=question, answers=answers,
                  gold=_strings(record.get("gold"), "gold"), choices=_strings(record.get("choices"), "choices"),
                  answerable=answerable, category=str(record.get("category") or ""),
                  date=_date(record.get("date")))
    if item.choices and item.answerable and item.correct_choice is None:
        raise ValueError('"answer" is not one of the "choices"')
    return item


def _date(value) -> str:
    if not value:
        return ""
    try:
        return as_of(str(value)).isoformat()
    except InputError:
        raise ValueError(f'"date" must be YYYY-MM-DD or YYYY/MM/DD, not {value!r}') from None


def load(path: Path) -> QASet:
    path = Path(path)
    if not path.is_file():
        raise InputError(f"no QA file at {path}: give a JSON-lines file (see README, 'Evaluation')")
    items, problems = [], []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            items.append(parse_line(line, number))
        except ValueError as err:
            problems.append(f"line {number}: {err}")
    if not items:
        raise InputError(f"{path} holds no usable question ({len(problems)} malformed lines)")
    return QASet(items, problems)
