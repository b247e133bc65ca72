"""The embedded default answerer: it quotes the retrieved sentences that best answer the question.

Tiny local LLMs echo the prompt and invent numbers; quoting is faithful by construction. A sentence
is scored by how much of the question's weighted content it covers (idf over the candidate
sentences) plus its passage's retrieval score; the best few are then re-scored with the embedding
model. Nothing that covers the question means a refusal, never a guess.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass

from rag.answer import REFUSAL
from rag.answerers.base import Reply
from rag.embeddings import MiniLMEmbedding
from rag.passages import Passage
from rag.text import sentences, stopwords, terms

# Offline, a question this short leans on the previous one ("And China?", "How many votes?"); 3 was too
# many: "What did Trump call Zelensky?" is complete on its own.
FOLLOW_UP_TERMS = 2
_FOLLOW_UP = re.compile(r"^(and|but|what about|how about|what of|also|so)\b|\b(it|its|they|them|their|"
                        r"he|she|his|her|that|this|those|these|there)\b", re.IGNORECASE)

RESCORED = 4  # sentences re-scored with embeddings: 4 short ones cost about 20 ms on 2 cores
MIN_WORDS = 5  # shorter "sentences" are headings, captions or bylines
SECOND_WITHIN = 0.85  # a second sentence is quoted when it scores this close to the best one
# A sentence answers when it covers half the question's weighted terms and is not off-topic, or when
# it is close in meaning on its own. Calibrated on the sample corpus with 12 questions it answers and
# 10 it does not (README, "Refusals"): answered ones scored coverage >= 0.65 with cosine >= 0.27, or
# cosine >= 0.6; refused ones at most coverage 0.41 with cosine 0.14, or cosine 0.49 alone.
MIN_COVERAGE = 0.5
MIN_SEMANTIC = 0.2
SEMANTIC_ALONE = 0.55


ANSWER_TYPE_BONUS = 0.15  # the sentence holds the kind of thing asked for (a number for "how many")
ECHO_PENALTY = 0.2  # the sentence says little beyond the question's own words
_MONTHS = r"(January|February|March|April|May|June|July|August|September|October|November|December)"
_KINDS = (
    ("number", re.compile(r"^\s*(how (many|much)|what (number|percentage|share|amount)|what was .*(revenue|"
                          r"price|cost|rate))", re.IGNORECASE), re.compile(r"\d")),
    ("date", re.compile(r"^\s*(when|(in )?what year|which year|on what date)", re.IGNORECASE),
     re.compile(rf"\b(1[89]|20)\d\d\b|\b{_MONTHS}\b")),
    ("name", re.compile(r"^\s*(who|whom|whose)\b", re.IGNORECASE), re.compile(r"(?<=\w )[A-Z][a-z]+")),
)


_SPANS = {
    "number": re.compile(r"(?<![\w.$])(?:\$\s?)?\d[\d,.]*\d?(?:\s?(?:%|percent|million|billion|trillion|thousand))?"
                        r"(?:\s+(?!of\b|in\b|and\b|to\b)[a-z]+)?"),
    "date": re.compile(rf"(?:{_MONTHS}\s+\d{{1,2}},?\s+)?(?:{_MONTHS}\s+)?\b(?:1[89]|20)\d\d\b|{_MONTHS}\s+\d{{1,2}}"),
    "name": re.compile(r"[A-Z][\w'’.-]*(?:\s+(?:of\s+|de\s+|van\s+|von\s+|al-|bin\s+)?[A-Z][\w'’.-]*)*"),
}
_SHORT_KIND = (("number", _KINDS[0][1]), ("date", _KINDS[1][1]),
               ("name", re.compile(r"^\s*(who|whom|whose|which)\b", re.IGNORECASE)))
_WHO_IS_NAME = re.compile(r"^\s*[Ww]ho\s+(is|was|are|were)\s+[A-Z]")
_NOT_NAMES = {"The", "A", "An", "In", "On", "At", "But", "And", "It", "This", "That", "He", "She", "They", "We",
              "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "January",
              "February", "March", "April", "May", "June", "July", "August", "September", "October",
              "November", "December"}


def short_answer(question: str, sentence: str) -> str:
    """The span of ``sentence`` that answers a who/which/how-many/when question ("18 countries"), or "".

    Candidates are spans of the asked kind that the question does not already contain; the one nearest
    the question's own words in the sentence wins (summed over the words, each at its nearest place)."""
    kind = next((name for name, asks in _SHORT_KIND if asks.search(question)), None)
    if kind is None or _WHO_IS_NAME.search(question):  # "Who is Dorothy Shea?" asks for a description
        return ""
    asked = {w for w in re.findall(r"\w+", question.lower()) if len(w) > 1}  # not the "s" of "women's"
    anchors: dict[str, list[int]] = {}  # each question word found in the sentence, and where
    for m in re.finditer(r"\w+", sentence):
        if m.group().lower() in asked and m.group().lower() not in stopwords():
            anchors.setdefault(m.group().lower(), []).append(m.start())
    best, best_distance = "", float("inf")
    for match in _SPANS[kind].finditer(sentence):
        span = re.split(r"['’]s\s+", match.group().strip(" ,."))[-1]  # "Ethiopia's Hana Tesfaye": the name
        words = [w for w in re.findall(r"\w+", span) if len(w) > 1 or w.isdigit()]
        seen = [w.lower() in asked for w in words]
        # a number may name its unit from the question ("18 countries"); a name must be new entirely
        if not words or all(seen) or (kind == "name" and any(seen)) or span in _NOT_NAMES:
            continue
        if kind == "number" and len(words) > 1 and words[-1].lower() in asked:
            return span  # the very unit asked about: "how many countries" -> "18 countries"
        # near every question word at once: "Hana Tesfaye won the women's race", not "Amos Kiprop won"
        distance = sum(min(abs(match.start() - p) for p in places) for places in anchors.values()) \
            if anchors else match.start()
        if distance < best_distance:
            best, best_distance = span, distance
    return best


def answer_kind(question: str) -> re.Pattern | None:
    """What a sentence must show to answer the question's kind ("how many": a number), if any."""
    for _, asks, shows in _KINDS:
        if asks.search(question):
            return shows
    return None


def question_words(question: str) -> set[str]:
    return set(re.findall(r"\w+", question.lower()))


def shows_answer(sentence: str, asked: set[str], shows: re.Pattern) -> bool:
    """True when the sentence holds a token of the asked kind that the question (``asked``) lacks."""
    return any(m.group().lower() not in asked for m in shows.finditer(sentence))


@dataclass(frozen=True)
class Pick:
    passage: int  # 1-based number of the passage in the list the answerer was given
    sentence: str
    score: float


def question_weights(question: str, earlier: str = "") -> dict[str, float]:
    """Content terms of the question; terms of the earlier question (a follow-up's context) count less."""
    weights = dict.fromkeys(terms(earlier), 0.4)
    weights.update(dict.fromkeys(terms(question), 1.0))
    return weights


def answer(question: str, passages: list[Passage], embed_model: MiniLMEmbedding,
           earlier: str = "") -> list[Pick]:
    """The sentences to quote, best first; empty when the passages do not answer the question."""
    weights = question_weights(question, earlier)
    candidates = [(number, s, set(terms(s)))
                  for number, passage in enumerate(passages, start=1)
                  for s in sentences(passage.text) if len(s.split()) >= MIN_WORDS]
    if not candidates or not weights:
        return []
    df = {t: sum(t in c[2] for c in candidates) for t in weights}
    idf = {t: math.log(1 + len(candidates) / (1 + df[t])) for t in weights}
    total = sum(weights[t] * idf[t] for t in weights)

    def lexical(words: set[str]) -> float:
        return sum(weights[t] * idf[t] for t in weights if t in words) / total

    own = {t for t in weights if weights[t] == 1.0}  # the follow-up's own words ("china" in "And China?")
    own_total = sum(idf[t] for t in own) or 1.0

    def own_coverage(words: set[str]) -> float:
        return sum(idf[t] for t in own if t in words) / own_total

    shows = answer_kind(question)
    asked = question_words(question)

    def form(sentence: str, words: set[str]) -> float:
        """Bonus for holding the asked kind of answer, penalty for echoing the question."""
        bonus = ANSWER_TYPE_BONUS if shows is not None and shows_answer(sentence, asked, shows) else 0.0
        return bonus - (ECHO_PENALTY if len(words - weights.keys()) < 0.25 * max(1, len(words)) else 0.0)

    ranked = sorted(candidates, key=lambda c: lexical(c[2]) + 0.25 * passages[c[0] - 1].score + form(c[1], c[2]),
                    reverse=True)[:RESCORED]
    vectors = embed_model.encode([question + " " + earlier if earlier else question]
                                 + [c[1] for c in ranked])
    semantic = vectors[1:] @ vectors[0]
    scored = []
    for (number, sentence, words), sem in zip(ranked, semantic, strict=True):
        lex = lexical(words)
        covered = max(lex, own_coverage(words))  # the same as lex when there is no earlier question
        if not ((covered >= MIN_COVERAGE and sem >= MIN_SEMANTIC) or sem >= SEMANTIC_ALONE):
            continue
        score = 0.45 * float(sem) + 0.45 * lex + 0.1 * passages[number - 1].score + form(sentence, words)
        scored.append((score, number, sentence, words))
    if not scored:
        return []
    scored.sort(key=lambda s: s[0], reverse=True)
    # A follow-up ("And China?") is answered by a sentence with its own words when one exists, not by
    # the one that best answered the earlier question.
    best = next((s for s in scored if s[3] & own), scored[0])
    picks = [Pick(best[1], best[2], round(best[0], 4))]
    covered = best[3] & weights.keys()
    for score, number, sentence, words in (s for s in scored if s is not best):
        if score >= SECOND_WITHIN * best[0] and (words & own) - covered:
            picks.append(Pick(number, sentence, round(score, 4)))
            break
    return picks



def is_follow_up(question: str) -> bool:
    """A question that leans on the one before: very short, or with a pronoun or a leading "and"."""
    return len(terms(question)) <= FOLLOW_UP_TERMS or bool(_FOLLOW_UP.search(question))


def topic(history: list[dict]) -> str:
    """The conversation's current topic: its latest user question that stood on its own. A chain of
    follow-ups ("And China?", then "And Russia?") each leans on that question, not on one another."""
    users = [m["content"] for m in history if m["role"] == "user"]
    return next((q for q in reversed(users) if not is_follow_up(q)), users[-1] if users else "")


class ExtractiveAnswerer:
    """Answers offline by quoting; needs only the embedding model."""

    label = "embedded extractive (offline)"

    def __init__(self, embed_model: MiniLMEmbedding) -> None:
        self.embed_model = embed_model

    def condense(self, question: str, history: list[dict]) -> str:
        earlier = topic(history) if history and is_follow_up(question) else ""
        return f"{earlier} {question}" if earlier else question

    def reply(self, question: str, query: str, history: list[dict], passages: list[Passage]) -> Reply:
        earlier = topic(history) if query != question else ""  # a condensed follow-up: its topic counts too
        picks = answer(question, passages, self.embed_model, earlier)
        short = next((span for span in (short_answer(question, p.sentence) for p in picks) if span), "")
        return Reply(pieces=_quotes(picks), short=short)

    def choose(self, question: str, choices: list[str], passages: list[Passage]) -> None:
        return None  # quoting has no opinion of its own: the retrieved evidence decides


def _quotes(picks: list[Pick]) -> Iterator[str]:
    """The extractive answer, a sentence at a time, each with its citation."""
    if not picks:
        yield REFUSAL
    for i, pick in enumerate(picks):
        yield ("" if i == 0 else " ") + f"{pick.sentence} [{pick.passage}]"
