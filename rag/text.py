"""Sentences and words: the one way the project splits text, so every part agrees on what a word is.

BM25, the relevance gate, the extractive answerer and the multiple-choice picker all call ``terms``:
"U.S." and "United States" are the acronym "US" (not the pronoun "us"), British spellings are read
as American ones ("favour" is "favor", breame's 1,730 pairs), hyphenated words are their parts, and
the rest is lower-cased and stemmed (Snowball English, PyStemmer's C implementation). Sentences come
from nltk's trained English Punkt model, which llama-index bundles (its own splitter uses an untrained
Punkt that breaks "U.S. Deputy" in two).
"""

from __future__ import annotations

import re
from functools import lru_cache

import Stemmer
from breame.data.spelling_constants import BRITISH_ENGLISH_SPELLINGS

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'’]*|\d[\d,.]*\d|\d")
_DOTTED_ACRONYM = re.compile(r"\b(?:[A-Z]\.){2,}")
# Names news writes both ways; each long form is read as its acronym ("United States" = "US").
_ALIASES = re.compile(r"\b(United States|United Nations|United Kingdom|European Union)\b", re.IGNORECASE)
_ACRONYM_OF = {"united states": "US", "united nations": "UN", "united kingdom": "UK",
               "european union": "EU"}
_STEMMER = Stemmer.Stemmer("english")


@lru_cache(maxsize=200_000)
def _normal(word: str) -> str:
    return _STEMMER.stemWord(BRITISH_ENGLISH_SPELLINGS.get(word, word))


@lru_cache(maxsize=1)
def _punkt():
    from llama_index.core.utils import globals_helper
    from nltk.tokenize import PunktTokenizer

    _ = globals_helper.stopwords  # puts llama-index's bundled nltk data on nltk's path, offline
    return PunktTokenizer("english")


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    from llama_index.core.utils import globals_helper

    # Words of how questions are asked, not of what they ask about ("how many", "how much").
    return frozenset(globals_helper.stopwords) | {"said", "says", "would", "could", "also", "one", "many",
                                                  "much"}


def sentences(text: str) -> list[str]:
    """Sentences of ``text``; paragraph breaks always end one. Markdown headings are not sentences: a
    title says what an article is about, not what happened, so it is never quoted as an answer."""
    out = []
    for block in re.split(r"\n\s*\n|\n(?=#)", text):
        block = block.strip()
        if re.match(r"#{1,6}\s", block):  # a heading line, perhaps with its paragraph ("#MeToo" is not one)
            block = block.partition("\n")[2].strip()
        if block:
            out.extend(s.strip() for s in _punkt().tokenize(block.replace("\n", " ")) if s.strip())
    return out


def ends_on_abbreviation(sentence: str) -> bool:
    """The sentence's final period is an abbreviation's ("... rejecting U.S."): where a text was cut,
    that is more likely the cut than the sentence's end (Punkt's trained abbreviations)."""
    last = sentence.rstrip().rsplit(maxsplit=1)[-1] if sentence.strip() else ""
    # nltk keeps the trained model's abbreviations ("u.s", "dr", "jan") in _params and offers no accessor
    return last.endswith(".") and last[:-1].lower() in _punkt()._params.abbrev_types


def terms(text: str, drop_stopwords: bool = True) -> list[str]:
    """Normalised words: stemmed, lower case, acronyms (US, UN) kept, stop-words dropped unless asked."""
    text = _DOTTED_ACRONYM.sub(lambda m: m.group().replace(".", ""), text)
    text = _ALIASES.sub(lambda m: _ACRONYM_OF[m.group().lower()], text)
    stop = stopwords() if drop_stopwords else frozenset()
    out = []
    for word in _WORD.findall(text):
        word = word.rstrip("'’").replace("’", "'")
        if word.endswith("'s"):
            word = word[:-2]
        acronym = len(word) >= 2 and word.isupper()
        lower = word.lower().replace(",", "")
        if not acronym and (lower in stop or (len(lower) < 2 and not lower.isdigit())):
            continue
        out.append(lower if acronym or lower[0].isdigit() else _normal(lower))
    return out


def coverage(question: str, text: str) -> float:
    """Share of the question's content terms that ``text`` contains (0 when it has none)."""
    wanted = set(terms(question))
    return len(wanted & set(terms(text))) / len(wanted) if wanted else 0.0


def best_sentence(text: str, against: str) -> str:
    """The sentence of ``text`` that shares most content with ``against`` (a citation's quote)."""
    wanted = set(terms(against))
    options = sentences(text) or [text]
    return max(options, key=lambda s: (len(wanted & set(terms(s))), -options.index(s)))
