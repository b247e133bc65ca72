"""What a verb takes in a sentence, for questions that ask about a deed rather than a kind of thing:
"what did China do" (what its subject did: "chose abstention"), "what did they push Ukraine to sign"
(the verb's object), "what did she argue for" (its preposition's object), "what erupted" (its subject),
"how did the US vote" (its manner: "against"), "where did the applause erupt" (its place); and "who is
Dorothy Shea" (what the sentence calls her: "U.S. Deputy Ambassador to the UN").

The question's parse gives the verb, its subject and the asked part (``deed_of``); the sentence's parse,
the phrase the same verb takes there, and never another named actor's (``deed_span``).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from rag.answerers.phrases import DATES, MAX_FILLER, Span, filler, noun_phrase, title_phrase, up_to_head
from rag.text import terms


@dataclass(frozen=True)
class Deed:
    """What a question about a deed asks of the sentence: the ``object`` of its verb ("what did they
    sign": "mineral extraction agreements"), the object of the verb's preposition ("what did she argue
    for"), what its ``subject`` did ("what did China do": "chose abstention"), the verb phrase that
    completes a verb (``then``: "what did Ukraine refuse to do": "withdraw its original resolution"), the
    verb's ``doer`` ("what erupted": "applause"), its ``manner`` ("how did the US vote": "against"), its
    ``place`` ("where did the applause erupt": "the UNGA chamber"), or what the sentence calls a name
    (``identity``: "who is Dorothy Shea": "U.S. Deputy Ambassador to the UN")."""

    # "object", "subject", "then", "doer" (the subject: "what erupted"), "manner", "place", "identity", and
    # "instead" (what the named subject did, when the sentence lacks the asked verb: "how did China vote")
    want: str
    lemma: str  # the verb to find in the sentence ("sign", "argue", "refuse"); "" for "subject"
    prep: str = ""  # the preposition the answer follows ("for" in "argue for what")
    subject: frozenset[str] = frozenset()  # the terms of the question's subject ("china")
    names: frozenset[str] = frozenset()  # those of its proper nouns ("trump" in "the Trump administration")
    asked: frozenset[str] = frozenset()  # the question's terms, for "manner" ("against" the resolution it names)
    named_one: frozenset[str] = frozenset()  # for a naming verb, who is named ("putin" in "what did Trump call Putin")


def deed_of(question_doc, at: int = 0) -> Deed | None:
    """What a "what", "how", "where" or "who is <name>" question asks of a sentence, read from its parse:
    for "what", the last verb of the chain its root starts ("push Ukraine to sign", "caught saying") or
    the one whose preposition the wh-word ends ("argue for"); None when the question has no verb but
    "be" or "have" ("what is the threat")."""
    who = next((t for t in question_doc if t.idx >= at and t.lower_ == "who"), None)
    if who is not None:  # "Who is Dorothy Shea?": the title or description the sentence gives the name
        name = next((t for t in who.head.children if t.dep_ == "nsubj" and t.pos_ == "PROPN"), None)
        return Deed("identity", "", "", *_terms_of(up_to_head(name))) if name is not None else None
    wh = next((t for t in question_doc if t.idx >= at and t.lower_ in ("what", "how", "where")), None)
    if wh is not None and wh.lower_ in ("how", "where"):  # "how did the US vote", "where did it erupt"
        verb = wh.head.head if wh.head.dep_ in ("aux", "auxpass") else wh.head  # "where [is] the sauce made"
        if verb.pos_ != "VERB" and not any(c.dep_ == "aux" for c in verb.children):  # "did ... vote": a verb
            return None
        subject, names = _terms_of([u for t in verb.children if t.dep_ == "nsubj" for u in up_to_head(t)])
        return Deed("manner" if wh.lower_ == "how" else "place", verb.lemma_.lower(), "", subject, names,
                    asked=frozenset(terms(question_doc.text)))
    if wh is None or wh.dep_ == "det":
        return None  # "what sign did it bear" asks for a sign, not for whatever "bear" takes
    root = wh.sent.root
    if root.pos_ != "VERB" and not (root.pos_ == "NOUN" and any(c.dep_ == "aux" for c in root.children)):
        # The small model often reads "What did the US resolution omit?" as a noun "omit" with the subject
        # as its compounds: after do-support the last word is the verb all the same.
        support = any(t.lower_ in ("did", "does", "do") and wh.i < t.i < root.i for t in question_doc)
        if not support or root.pos_ != "NOUN" or root.i + 2 < len(question_doc):
            return None
        return Deed("object", root.lemma_.lower(), "",
                    *_terms_of([t for t in root.children if t.dep_ == "compound"]))
    if wh.dep_ == "nsubj" and wh.head.pos_ == "VERB":  # "what erupted in the chamber", "what caused ..."
        return Deed("doer", wh.head.lemma_.lower())
    subject, names = _terms_of([u for t in root.children if t.dep_ in ("nsubj", "nsubjpass")
                                for u in up_to_head(t) if u.i != wh.i])
    if wh.dep_ == "pobj" and wh.head.head.pos_ == "VERB":  # "what did she argue for"
        return Deed("object", wh.head.head.lemma_.lower(), wh.head.lower_, subject, names)
    verb = root
    while (then := next((c for c in verb.children if c.dep_ == "xcomp" and c.pos_ == "VERB"), None)) is not None:
        verb, last = then, verb
    if any(c.dep_ in ("auxpass", "nsubjpass") for c in verb.children):
        return None  # "what is it called": the name it is given, which is not what "call" takes in a sentence
    if verb.lemma_ != "do":
        # a naming verb's object, read off the words after it: the small model parses "What did Trump call
        # Putin?" with "Putin" as an adverb
        named_one = frozenset(w for t in question_doc[verb.i + 1:] if t.pos_ in ("NOUN", "PROPN")
                              for w in terms(t.text)) if verb.lemma_.lower() in _NAMING else frozenset()
        return Deed("object", verb.lemma_.lower(), "", subject, names, named_one=named_one)
    if verb.i == root.i:
        return Deed("subject", "", "", subject, names) if subject else None
    return Deed("then", last.lemma_.lower(), "", subject, names)


def deed_span(deed: Deed, doc) -> Span | None:
    """The phrase of ``doc`` that answers ``deed`` (see ``Deed``); of several verbs with the asked lemma,
    the one whose subject the question names, and never one whose subject names another actor ("What did
    Lopez announce?" is not answered by what Pritzker announced)."""
    if deed.want == "identity":
        return _identity(deed.names, doc)
    if deed.want == "manner" and deed.subject and not any(t.lemma_.lower() == deed.lemma for t in doc):
        # "How did China vote?" against "China chose abstention": the sentence tells what the subject did
        return deed_span(dataclasses.replace(deed, want="instead", lemma=""), doc)
    found: list[tuple[bool, Span]] = []
    for token in doc:
        if token.pos_ not in ("VERB", "AUX") or _negated(token):
            continue  # "the sauce isn't made in Texas" says where it is not made
        # the asked verb ("what did China do": any verb but "be", "have", "do") before its subject is read
        wanted = token.lemma_ not in ("be", "have", "do") if deed.want in ("subject", "instead") else \
            token.lemma_.lower() == deed.lemma or {token.lemma_.lower(), deed.lemma} <= _NAMING
        if not wanted:
            continue
        subject, named = _subject_terms(token)
        if deed.names and named and not named & deed.names:
            continue  # another named actor's deed
        if deed.want in ("subject", "instead"):
            if not subject & deed.subject or token.dep_ == "xcomp":
                continue  # a verb another completes is told with it: "refused to withdraw", not "withdraw"
            if deed.want == "instead" and not _named_subject(token, deed.subject):
                continue  # "U.S. Deputy Ambassador Dorothy Shea took the floor" is not what the US did
            rest = filler(token) or _completion(token)
            span = Span(token.i, rest.end, token.doc[token.i:rest.end].text) if rest is not None else None
        elif deed.want == "doer":  # "the applause (that) erupted", "was caused by frozen gas lines"
            doer = next((c for c in token.children if c.dep_ == "nsubj" and c.pos_ != "PRON"), None) \
                or next((g for c in token.children if c.dep_ == "agent" for g in c.children if g.dep_ == "pobj"),
                        None) or (token.head if token.dep_ in ("relcl", "acl") else None)
            span = noun_phrase(doer) if doer is not None and doer.pos_ in ("NOUN", "PROPN") else None
        elif deed.want == "manner":  # "voting against the resolution": "against"; "died in a car crash"
            span = _manner(token, deed.asked)
        elif deed.want == "place":  # "the applause that erupted in the UNGA chamber": "the UNGA chamber"
            span = _place(token)
        elif deed.want == "then":
            span = _completion(token)
        elif deed.prep:
            prep = next((c for c in token.children if c.dep_ == "prep" and c.lower_ == deed.prep), None)
            span = filler(prep) if prep is not None else None
        elif deed.lemma in _NAMING and _names_another(token, deed.named_one):
            continue  # "referred to Zelensky as a dictator" does not say what Trump called Putin
        elif deed.lemma in _NAMING and (named_as := _named_as(token)) is not None:
            span = named_as  # "referred to Zelensky as a “dictator”" for "what did Trump call Zelensky"
        else:  # "signed [a pay deal]"; "refused [to withdraw its resolution]" when the object is a verb phrase
            span = filler(token) or _completion(token)
        if span is not None and span.end - span.start < MAX_FILLER:  # a clause cut short says nothing whole
            found.append((bool(subject & deed.subject), span))
    return max(found, key=lambda f: f[0])[1] if found else None


# Verbs that name something: "what did Trump call Zelensky" is answered by "referred to Zelensky as a
# dictator", "described him as", "branded it"; what they name it is the phrase after "as", or the
# second object ("called him a dictator").
_NAMING = frozenset({"call", "describe", "refer", "label", "brand", "dub", "term"})


def _names_another(verb, named_one: frozenset[str]) -> bool:
    """The naming verb's object ("called him", "referred to Zelensky") is a noun the question does not name."""
    objects = [c for c in verb.children if c.dep_ == "dobj"] + \
        [g for c in verb.children if c.dep_ == "prep" and c.lower_ == "to" for g in c.children if g.dep_ == "pobj"]
    said = {w for o in objects if o.pos_ in ("NOUN", "PROPN") for t in up_to_head(o) for w in terms(t.text)}
    return bool(named_one and said and not said & named_one)


def _named_as(verb) -> Span | None:
    """What a naming verb names its object: the object of its "as" ("referred to X as a dictator"), also
    when the parse hangs "as" on the object, or the verb's second object ("called him a dictator")."""
    holders = [verb, *(g for c in verb.children if c.dep_ in ("dobj", "prep") for g in [c, *c.children])]
    as_ = next((c for h in holders for c in h.children if c.dep_ == "prep" and c.lower_ == "as"), None)
    named = filler(as_) if as_ is not None else None
    if named is None:  # "called Zelensky a dictator": the second object, which the parse may hang on the first
        objects = [c for c in verb.children if c.dep_ in ("dobj", "oprd", "xcomp")]
        second = next((t for o in objects for t in [o, *o.children] if t.pos_ == "NOUN"
                       and (t is not o or len(objects) > 1) and t.dep_ in ("oprd", "xcomp", "appos", "dobj")), None)
        named = noun_phrase(second) if second is not None else None
    if named is None:
        return None
    text = re.sub(r"[“”\"]", "", named.text).strip()  # 'a “dictator”': the quoted word, not a stray quote mark
    return Span(named.start, named.end, text) if text else None


def _identity(names: frozenset[str], doc) -> Span | None:
    """What the sentence calls the named person or thing: the noun it is in apposition to ("U.S. Deputy
    Ambassador to the UN, Dorothy Shea"), its own appositive ("Dorothy Shea, the deputy ambassador"), or
    the title before the name ("Russian President Vladimir Putin")."""
    for token in doc:
        if token.pos_ != "PROPN" or token.dep_ in ("compound", "flat") or not set(terms(token.text)) & names:
            continue
        if token.dep_ == "appos":
            return title_phrase(token.head)
        described = next((c for c in token.children if c.dep_ == "appos" and c.pos_ == "NOUN"), None)
        if described is not None:
            return title_phrase(described)
        starts = next(t.i for t in doc[token.left_edge.i:token.i + 1] if set(terms(t.text)) & names)
        title = [t for t in doc[token.left_edge.i:starts] if t.pos_ != "DET"]
        if any(t.pos_ in ("NOUN", "PROPN") for t in title):
            return Span(title[0].i, starts, doc[title[0].i:starts].text)
    return None


def denies(deed: Deed, doc) -> bool:
    """The sentence has the asked verb only in the negative ("the sauce isn't made in Texas")."""
    verbs = [t for t in doc if t.lemma_.lower() == deed.lemma and t.pos_ in ("VERB", "AUX")]
    return bool(verbs) and all(_negated(t) for t in verbs)


def _negated(verb) -> bool:
    return any(c.dep_ == "neg" for c in verb.children)


def _completion(verb) -> Span | None:
    """The verb phrase that completes ``verb``: "refused [to] withdraw its original resolution"."""
    then = next((c for c in verb.children if c.dep_ == "xcomp" and c.pos_ in ("VERB", "AUX")), None)
    rest = filler(then) if then is not None else None
    return Span(then.i, rest.end, f"{then.text} {rest.text}") if rest is not None else None


_NOT_MANNER = frozenset({"also", "then", "now", "still", "already", "just", "later", "earlier", "again", "ever",
                         "not", "n't", "only", "even", "first", "last", "finally", "reportedly"})


def _manner(verb, asked: frozenset[str]) -> Span | None:
    """How the verb was done, from its first modifier after it: an adverb ("narrowly"), or a preposition
    with its object ("in a car crash"), the object left out when the question names it ("against" the
    resolution); a date or time is when, not how."""
    for child in (c for c in verb.children if c.i > verb.i):
        if child.dep_ == "advmod" and child.pos_ == "ADV" and child.lower_ not in _NOT_MANNER:
            return Span(child.i, child.i + 1, child.text)
        if child.dep_ == "prep":
            noun = next((c for c in child.children if c.dep_ == "pobj"), None)
            if noun is None or noun.ent_type_ in DATES:
                continue
            rest = filler(child)
            if set(terms(noun.text)) <= asked or rest is None or rest.end <= noun.i:  # named, or cut short
                return Span(child.i, child.i + 1, child.text)
            return Span(child.i, rest.end, f"{child.text} {rest.text}")
    return None


_LOCATIVE = frozenset({"in", "at", "on", "near", "inside", "outside", "off", "across", "from", "to"})


def _place(verb) -> Span | None:
    """Where the verb happened: the object of its first place preposition ("erupted in the UNGA chamber"),
    not a date ("in June")."""
    for prep in (c for c in verb.children if c.dep_ == "prep" and c.lower_ in _LOCATIVE):
        noun = next((c for c in prep.children if c.dep_ == "pobj"), None)
        if noun is not None and noun.ent_type_ not in DATES and noun.pos_ in ("NOUN", "PROPN"):
            return filler(prep)
    return None


def _terms_of(words) -> tuple[frozenset[str], frozenset[str]]:
    """The terms of the nouns among ``words``, and those of the proper nouns (the names) among them."""
    nouns = [t for t in words if t.pos_ in ("PROPN", "NOUN")]
    return (frozenset(w for t in nouns for w in terms(t.text)),
            frozenset(w for t in nouns if t.pos_ == "PROPN" for w in terms(t.text)))


def _named_subject(verb, named: frozenset[str]) -> bool:
    """The verb's own subject is the named one itself ("China chose"), not a noun it modifies."""
    return any(set(terms(c.text)) & named for c in verb.children if c.dep_ in ("nsubj", "nsubjpass"))


def _subject_terms(verb) -> tuple[frozenset[str], frozenset[str]]:
    """The terms of the verb's subject, and of its proper nouns, or those of the verb it completes
    ("Ukraine refused to withdraw": the subject of "withdraw" is Ukraine; "the US stunned allies by
    voting": the US voted); empty when none is written or it is a pronoun."""
    while True:
        subject = [c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")]
        if subject:  # the words up to its head: "Even China, an ally of Russia, chose": China's, not Russia's
            return _terms_of(up_to_head(subject[0]))
        if verb.dep_ not in ("xcomp", "conj", "advcl", "pcomp") or verb.head.i == verb.i:
            return frozenset(), frozenset()
        verb = verb.head.head if verb.dep_ == "pcomp" else verb.head  # "stunned allies by voting": who stunned
