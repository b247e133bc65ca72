"""Phrases of a parsed sentence that short answers are cut from: the words that complete a word to its
right ("plans for [student loan forgiveness]"), a noun phrase up to its head, and the span they make.

Shared by ``spans`` (typed entities, gaps) and ``deeds`` (what a verb takes). spaCy's parse gives the
dependencies; what counts as the phrase (the head noun with the "of" that completes it, not the clause
after it; a date is never part of it) is ours: no library cuts answer phrases.
"""

from __future__ import annotations

from dataclasses import dataclass

DATES = frozenset({"DATE", "TIME"})


@dataclass(frozen=True)
class Span:
    start: int  # token offsets in the sentence's document
    end: int
    text: str
    label: str = ""  # spaCy's entity label, when the span is an entity


MAX_FILLER = 10  # tokens: a gap holds a phrase, not the rest of the sentence


# Prepositions that complete the noun right before them: "a list of deals", "any reference to its aggression".
_COMPLETING = frozenset({"of", "to", "on", "against"})
_FREE_RELATIVE = frozenset({"what", "whatever", "which", "who", "whom", "whoever", "how", "why"})


def title_phrase(noun) -> Span:
    """A noun with the words before it and the of/to phrase that completes it: "U.S. Deputy Ambassador to
    the UN", "the deputy ambassador"."""
    doc = noun.doc
    start = next((t.i for t in doc[noun.left_edge.i:noun.i + 1] if t.pos_ != "DET"), noun.i)
    end = noun.i + 1
    prep = next((c for c in noun.children if c.i == noun.i + 1 and c.dep_ == "prep" and c.lower_ in _COMPLETING), None)
    if prep is not None and (object_ := next((c for c in prep.children if c.dep_ == "pobj"), None)) is not None:
        end = object_.i + 1
    return Span(start, end, doc[start:end].text)


def filler(token) -> Span | None:
    """The phrase that completes ``token`` to its right, cut at punctuation and at MAX_FILLER tokens."""
    doc = token.doc
    right = [c for c in token.children if c.i > token.i]
    if token.pos_ == "ADP" and token.dep_ != "prt":
        heads = [c for c in right if c.dep_ in ("pobj", "pcomp")]
    elif token.lower_ in ("to", "who", "that", "which") and token.head.i > token.i:
        heads = [token.head]  # "trying to burn ...", "a coach who prayed ..."
    elif token.pos_ in ("VERB", "AUX") or token.dep_ == "prt":
        verb = token.head if token.dep_ == "prt" else token
        heads = [c for c in verb.children if c.i > token.i and c.dep_ in ("dobj", "attr", "oprd", "dative", "ccomp")]
    else:
        heads = []
    if not heads and token.pos_ in ("ADP", "SCONJ") and token.i + 1 < len(doc):
        following = doc[token.i + 1]  # "its largest hike since 1994": spaCy often leaves "since" without an object
        heads = [following] if following.pos_ in ("NUM", "PROPN", "NOUN") else []
    if not heads:
        return None
    head = heads[0]
    start, end = token.i + 1, head.right_edge.i + 1
    if doc[start].lower_ in _FREE_RELATIVE:
        return None  # "playing in what is likely the final tournament": it points at the answer, it is not one
    if head.pos_ in ("NOUN", "PROPN", "NUM"):  # the noun phrase, with an "of" that completes it, not its setting
        of = [c for c in head.children if c.i > head.i and c.dep_ == "prep" and c.lower_ in _COMPLETING
              and all(t.is_punct for t in doc[head.i + 1:c.i])]  # right after it: 'a “long list” of deals'
        noun = next((c for c in of[0].children if c.dep_ == "pobj"), of[0].right_edge) if of else head
        if noun.ent_type_ in DATES:
            noun = head  # "an asteroid on Monday": when, not what
        end = noun.i + 1  # "a long list of business deals", not the clause after "deals"
        if (named := after_colon(noun)) is not None:
            return named  # "resurrect another extinct species: the Tasmanian tiger"
    elif head.pos_ in ("VERB", "AUX"):  # a verb phrase: the verb and its object, not every clause after it
        kept = [c for c in head.children if c.i > head.i and c.dep_ in ("dobj", "prt", "attr", "prep", "acomp")]
        end = (kept[0].right_edge.i + 1) if kept else head.i + 1
    stop = next((t.i for t in doc[start:end] if t.is_punct and t.text not in "\"'“”‘’-"), end)
    end = min(stop, start + MAX_FILLER)
    marks = [t for t in doc[start:end] if t.text in "“”"]
    if marks and marks[-1].text == "“":  # a quotation opened in the phrase runs to its close: “going very well.”
        end = next((t.i + 1 for t in doc[end:start + MAX_FILLER] if t.text == "”"), end)
    text = doc[start:end].text.strip(" \"'“”‘’")
    if text.count("“") != text.count("”"):  # a quote mark the cut left alone
        text = text.replace("“", "").replace("”", "").rstrip(" .,;:")
    return Span(start, end, text) if text else None


def after_colon(noun) -> Span | None:
    """What a colon right after the noun names it as ("a new burial option: human composting"): news puts
    the answer there when the sentence introduces it by its kind. Cut like ``filler``."""
    doc = noun.doc
    if noun.i + 2 >= len(doc) or doc[noun.i + 1].text != ":":
        return None
    start = noun.i + 2
    stop = next((t.i for t in doc[start:] if t.is_punct and t.text not in "\"'“”‘’-"), len(doc))
    end = min(stop, start + MAX_FILLER)
    if not any(t.pos_ in ("NOUN", "PROPN", "NUM") for t in doc[start:end]):
        return None
    text = doc[start:end].text.strip(" \"'“”‘’")
    return Span(start, end, text) if text else None


def up_to_head(noun) -> list:
    """The words of a noun phrase from its first to its head ("the Trump administration", "Russia's
    veto") and of its appositives ("the ambassador, Dorothy Shea"), without the clauses and prepositional
    phrases after them ("China, an ally of Russia": China's words, not Russia)."""
    words = list(noun.doc[noun.left_edge.i:noun.i + 1])
    return words + [t for a in noun.children if a.dep_ == "appos" for t in noun.doc[a.left_edge.i:a.i + 1]]


def noun_phrase(noun) -> Span:
    """The noun with the words before it ("the applause", "frozen gas lines"), not the clause after it."""
    words = [t for t in noun.doc[noun.left_edge.i:noun.i + 1] if not t.is_punct]
    start = next((t.i for t in words if t.pos_ != "DET"), noun.i)
    return Span(start, noun.i + 1, noun.doc[start:noun.i + 1].text)
