"""Sentences and content terms, for the extractive answerer and for picking a citation's quote.

Sentences come from nltk's trained English Punkt model, which llama-index bundles (its own splitter
uses an untrained Punkt that breaks "U.S. Deputy" in two); terms are stemmed, stop-words dropped,
acronyms kept ("US" is not the pronoun "us").
"""

from __future__ import annotations

import re
from functools import lru_cache

from nltk.stem import PorterStemmer

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'’]*|\d[\d,.]*\d|\d")
_DOTTED_ACRONYM = re.compile(r"\b(?:[A-Z]\.){2,}")
# Names news writes both ways; each long form is read as its acronym ("United States" = "US").
_ALIASES = re.compile(r"\b(United States|United Nations|United Kingdom|European Union)\b", re.IGNORECASE)
_ACRONYM_OF = {"united states": "US", "united nations": "UN", "united kingdom": "UK",
               "european union": "EU"}
_stem = lru_cache(maxsize=50_000)(PorterStemmer().stem)


@lru_cache(maxsize=1)
def _punkt():
    from llama_index.core.utils import globals_helper
    from nltk.tokenize import PunktTokenizer

    globals_helper.stopwords  # puts llama-index's bundled nltk data on nltk's path, offline
    return PunktTokenizer("english")


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    from llama_index.core.utils import globals_helper

    # Words of how questions are asked, not of what they ask about ("how many", "how much").
    return frozenset(globals_helper.stopwords) | {"said", "says", "would", "could", "also", "one", "many",
                                                  "much"}


def sentences(text: str) -> list[str]:
    """Sentences of ``text``; paragraph breaks and markdown headings always end one."""
    out = []
    for block in re.split(r"\n\s*\n|\n(?=#)", text):
        block = re.sub(r"^#+\s*", "", block.strip())
        if block:
            out.extend(s.strip() for s in _punkt().tokenize(block.replace("\n", " ")) if s.strip())
    return out


def terms(text: str) -> list[str]:
    """Stemmed content words: lower case, no stop-words, acronyms (US, UN) kept."""
    text = _DOTTED_ACRONYM.sub(lambda m: m.group().replace(".", ""), text)
    text = _ALIASES.sub(lambda m: _ACRONYM_OF[m.group().lower()], text)
    out = []
    for word in _WORD.findall(text):
        word = word.rstrip("'’").replace("’", "'")
        if word.endswith("'s"):
            word = word[:-2]
        acronym = len(word) >= 2 and word.isupper()
        lower = word.lower().replace(",", "")
        if not acronym and (lower in stopwords() or len(lower) < 2 and not lower.isdigit()):
            continue
        out.append(lower if acronym or lower[0].isdigit() else _stem(lower))
    return out
