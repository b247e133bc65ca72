"""Conversations that last: kept in SQLite in the data directory, one owner each.

Every call opens its own connection (WAL mode, so readers never wait for a writer), which makes the
store safe to share between Gradio's worker threads. A turn keeps what the chat needs to show it
again and to go on from it: the question, the answer (text, short form, the query it searched with,
refusal), its sources (title, date, url, path, quote, the passage and score) and the follow-up
history the next question leans on. Every method takes the owner: a conversation of another owner
is as absent as one that never existed.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from rag import Answer, Source

LOCAL_OWNER = "local"  # everything on loopback without a login belongs to this one user
TITLE_CHARS = 80

_SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY, owner TEXT NOT NULL, title TEXT NOT NULL,
    created REAL NOT NULL, updated REAL NOT NULL);
CREATE INDEX IF NOT EXISTS conversations_owner ON conversations(owner, updated);
CREATE TABLE IF NOT EXISTS turns (
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    position INTEGER NOT NULL, question TEXT NOT NULL, answer TEXT NOT NULL,
    record TEXT NOT NULL, created REAL NOT NULL,
    PRIMARY KEY (conversation_id, position));
CREATE TABLE IF NOT EXISTS feedback (
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    position INTEGER NOT NULL, rating TEXT NOT NULL CHECK (rating IN ('up', 'down')),
    comment TEXT NOT NULL DEFAULT '', right_answer TEXT NOT NULL DEFAULT '', created REAL NOT NULL,
    PRIMARY KEY (conversation_id, position));
"""


@dataclass
class ConversationInfo:
    id: str
    title: str
    created: float
    updated: float
    turns: int


@dataclass
class Feedback:
    rating: str  # "up" or "down"
    comment: str = ""
    right_answer: str = ""  # what the answer should have been, when the reader says


@dataclass
class Turn:
    question: str
    answer: Answer
    history: list[dict]  # the messages a follow-up of this turn is condensed with
    created: float
    feedback: Feedback | None = None


@dataclass
class DislikedTurn:
    """A thumbs-down, with what a QA line for ``rag eval`` needs."""

    conversation_id: str
    position: int
    question: str
    answer: Answer
    feedback: Feedback


@dataclass
class Conversation:
    id: str
    owner: str
    title: str
    created: float
    updated: float
    turns: list[Turn] = field(default_factory=list)

    @property
    def history(self) -> list[dict]:
        return self.turns[-1].history if self.turns else []


def title_of(question: str) -> str:
    words = " ".join(question.split())
    return words if len(words) <= TITLE_CHARS else words[:TITLE_CHARS - 1].rstrip() + "…"


def _record(answer: Answer) -> dict:
    return {"text": answer.text, "short": answer.short, "query": answer.query, "refused": answer.refused,
            "backend": answer.backend, "as_of": answer.as_of, "sources": [asdict(s) for s in answer.sources]}


def _answer(question: str, record: dict) -> Answer:
    return Answer(question=question, text=record["text"], backend=record.get("backend", ""),
                  sources=[Source(**s) for s in record.get("sources", [])], refused=record.get("refused", False),
                  short=record.get("short", ""), query=record.get("query", ""), as_of=record.get("as_of", ""))


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


class ConversationStore:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(self.path, timeout=30) as db:
            db.execute("PRAGMA journal_mode=WAL")  # kept by the file: every later connection uses it
            db.executescript(_SCHEMA)
        db.close()

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> ConversationStore:
        return cls(Path(data_dir) / "conversations.sqlite3")

    @contextmanager
    def _db(self, write: bool = False):
        """One connection, one transaction: BEGIN IMMEDIATE takes the write lock up front, so two
        writers of one conversation never read the same next position; readers never wait (WAL)."""
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            db.execute("PRAGMA foreign_keys=ON")
            db.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        finally:
            db.close()

    def create(self, owner: str, title: str = "") -> str:
        now = time.time()
        conversation_id = uuid.uuid4().hex
        with self._db(write=True) as db:
            db.execute("INSERT INTO conversations VALUES (?, ?, ?, ?, ?)",
                       (conversation_id, owner, title_of(title) or "New conversation", now, now))
        return conversation_id

    def list(self, owner: str, search: str = "", limit: int = 200) -> list[ConversationInfo]:
        """The owner's conversations, newest first; ``search`` matches titles, questions and answers."""
        query = ("SELECT c.id, c.title, c.created, c.updated, (SELECT COUNT(*) FROM turns t WHERE"
                 " t.conversation_id = c.id) FROM conversations c WHERE c.owner = ?")
        args: list = [owner]
        if search.strip():
            query += (" AND (c.title LIKE ? ESCAPE '\\' OR EXISTS (SELECT 1 FROM turns t WHERE"
                      " t.conversation_id = c.id AND (t.question LIKE ? ESCAPE '\\' OR t.answer LIKE ? ESCAPE '\\')))")
            args += [_like(search.strip())] * 3
        query += " ORDER BY c.updated DESC, c.rowid DESC LIMIT ?"
        with self._db() as db:
            rows = db.execute(query, [*args, limit]).fetchall()
        return [ConversationInfo(*row) for row in rows]

    def get(self, owner: str, conversation_id: str) -> Conversation | None:
        with self._db() as db:
            row = db.execute("SELECT id, owner, title, created, updated FROM conversations WHERE id = ? AND"
                             " owner = ?", (conversation_id or "", owner)).fetchone()
            if row is None:
                return None
            turns = db.execute("SELECT t.question, t.record, t.created, f.rating, f.comment, f.right_answer FROM"
                               " turns t LEFT JOIN feedback f ON f.conversation_id = t.conversation_id AND"
                               " f.position = t.position WHERE t.conversation_id = ? ORDER BY t.position",
                               (conversation_id,)).fetchall()
        conversation = Conversation(*row)
        for question, record, created, rating, comment, right in turns:
            data = json.loads(record)
            feedback = Feedback(rating, comment, right) if rating else None
            conversation.turns.append(Turn(question, _answer(question, data["answer"]), data["history"], created,
                                           feedback))
        return conversation

    def rename(self, owner: str, conversation_id: str, title: str) -> bool:
        title = title_of(title)
        if not title:
            return False
        with self._db(write=True) as db:
            changed = db.execute("UPDATE conversations SET title = ? WHERE id = ? AND owner = ?",
                                 (title, conversation_id or "", owner)).rowcount
        return changed == 1

    def delete(self, owner: str, conversation_id: str) -> bool:
        with self._db(write=True) as db:
            return db.execute("DELETE FROM conversations WHERE id = ? AND owner = ?",
                              (conversation_id or "", owner)).rowcount == 1

    def append_turn(self, owner: str, conversation_id: str, question: str, answer: Answer,
                    history: list[dict]) -> int:
        """Adds a turn and returns its position; KeyError when the owner has no such conversation."""
        record = json.dumps({"answer": _record(answer), "history": history}, ensure_ascii=False)
        now = time.time()
        with self._db(write=True) as db:
            if db.execute("SELECT 1 FROM conversations WHERE id = ? AND owner = ?",
                          (conversation_id or "", owner)).fetchone() is None:
                raise KeyError(conversation_id)
            position = db.execute("SELECT COALESCE(MAX(position) + 1, 0) FROM turns WHERE conversation_id = ?",
                                  (conversation_id,)).fetchone()[0]
            db.execute("INSERT INTO turns VALUES (?, ?, ?, ?, ?, ?)",
                       (conversation_id, position, question, answer.text, record, now))
            db.execute("UPDATE conversations SET updated = ? WHERE id = ?", (now, conversation_id))
        return position

    def pop_turn(self, owner: str, conversation_id: str) -> int | None:
        """Remove the last turn (and its feedback) to answer it again; returns its position, None when none."""
        with self._db(write=True) as db:
            if db.execute("SELECT 1 FROM conversations WHERE id = ? AND owner = ?",
                          (conversation_id or "", owner)).fetchone() is None:
                return None
            last = db.execute("SELECT MAX(position) FROM turns WHERE conversation_id = ?",
                              (conversation_id,)).fetchone()[0]
            if last is None:
                return None
            db.execute("DELETE FROM turns WHERE conversation_id = ? AND position = ?", (conversation_id, last))
            db.execute("DELETE FROM feedback WHERE conversation_id = ? AND position = ?", (conversation_id, last))
        return last

    def set_feedback(self, owner: str, conversation_id: str, position: int, rating: str | None = None,
                     comment: str | None = None, right_answer: str | None = None) -> bool:
        """Record a thumbs up or down on a turn (``rating`` None: keep it), and its optional comment and
        right answer (None: keep them); False when the owner has no such turn, or nothing is rated yet."""
        if rating not in (None, "up", "down"):
            raise ValueError(f"rating must be 'up' or 'down', not {rating!r}")
        with self._db(write=True) as db:
            if db.execute("SELECT 1 FROM turns t JOIN conversations c ON c.id = t.conversation_id WHERE c.id = ?"
                          " AND c.owner = ? AND t.position = ?", (conversation_id or "", owner, position)).fetchone() \
                    is None:
                return False
            old = db.execute("SELECT rating, comment, right_answer FROM feedback WHERE conversation_id = ? AND"
                             " position = ?", (conversation_id, position)).fetchone()
            rating = rating or (old[0] if old else None)
            if rating is None:
                return False
            comment = (comment if comment is not None else old[1] if old else "").strip()[:2000]
            right = (right_answer if right_answer is not None else old[2] if old else "").strip()[:2000]
            db.execute("INSERT OR REPLACE INTO feedback VALUES (?, ?, ?, ?, ?, ?)",
                       (conversation_id, position, rating, comment, right, time.time()))
        return True

    def clear_feedback(self, owner: str, conversation_id: str, position: int) -> bool:
        """Forget a turn's rating and comment (the reader un-clicked the thumb)."""
        with self._db(write=True) as db:
            if db.execute("SELECT 1 FROM conversations WHERE id = ? AND owner = ?",
                          (conversation_id or "", owner)).fetchone() is None:
                return False
            return db.execute("DELETE FROM feedback WHERE conversation_id = ? AND position = ?",
                              (conversation_id, position)).rowcount == 1

    def disliked(self) -> list[DislikedTurn]:
        """Every thumbs-down of every owner, oldest first (for ``rag feedback export``)."""
        with self._db() as db:
            rows = db.execute("SELECT t.conversation_id, t.position, t.question, t.record, f.comment, f.right_answer"
                              " FROM feedback f JOIN turns t ON t.conversation_id = f.conversation_id AND t.position"
                              " = f.position WHERE f.rating = 'down' ORDER BY f.created").fetchall()
        return [DislikedTurn(cid, position, question, _answer(question, json.loads(record)["answer"]),
                             Feedback("down", comment, right))
                for cid, position, question, record, comment, right in rows]

    def export_json(self, owner: str, conversation_id: str) -> str | None:
        conversation = self.get(owner, conversation_id)
        if conversation is None:
            return None
        turns = [{"question": t.question, "answer": t.answer.text, "short": t.answer.short,
                  "searched_for": t.answer.query, "refused": t.answer.refused, "backend": t.answer.backend,
                  "asked_at": _iso(t.created),
                  "sources": [{"number": s.number, "title": s.title, "date": s.date, "url": s.url, "path": s.path,
                               "quote": s.quote, "passage": s.passage, "score": round(s.score, 4)}
                              for s in t.answer.sources],
                  "feedback": asdict(t.feedback) if t.feedback else None,
                  "history": t.history} for t in conversation.turns]
        return json.dumps({"id": conversation.id, "title": conversation.title, "created": _iso(conversation.created),
                           "updated": _iso(conversation.updated), "turns": turns}, ensure_ascii=False, indent=2)

    def export_markdown(self, owner: str, conversation_id: str) -> str | None:
        conversation = self.get(owner, conversation_id)
        if conversation is None:
            return None
        lines = [f"# {conversation.title}", "", f"_{len(conversation.turns)} questions, last on"
                 f" {_iso(conversation.updated)}_", ""]
        for turn in conversation.turns:
            lines += [f"## {' '.join(turn.question.split())}", ""]
            if turn.answer.short:
                lines += [f"**{turn.answer.short}**", ""]
            lines += [turn.answer.text, ""]
            if turn.answer.query and turn.answer.query != turn.question:
                lines += [f"_searched for: {turn.answer.query}_", ""]
            if turn.answer.sources:
                lines += ["Sources:", ""]
                for s in turn.answer.sources:
                    title = s.title or "(untitled)"
                    where = f"[{title}]({s.url})" if s.url else f"{title} ({s.path})"
                    lines += [f"{s.number}. {where}" + (f", {s.date}" if s.date else ""),
                              f"   > {' '.join(s.quote.split())}", ""]
        return "\n".join(lines).rstrip() + "\n"


def _iso(stamp: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(stamp))
