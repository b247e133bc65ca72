"""Time in questions: the reference date ("as of") and the dates a question names, as day ranges.

Expressions are found and resolved by dateparser against the reference date, preferring the past (a
news question's "in June" is the last June, not the next); dateparser also says how wide each one
is (a day, a week, a month, a year), which becomes the range. "since"/"after" and "before"/"until"
open the range on one side. A bare month name ("What did May say?", "March in the parade") is not
taken for a date: it is too often a name or a verb.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from rag.errors import InputError

_MONTH_ALONE = re.compile(r"^(?:the\s+)?(January|February|March|April|May|June|July|August|September|October"
                          r"|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)$", re.IGNORECASE)
_SINCE = re.compile(r"\b(since|after|from)\s*$", re.IGNORECASE)
_BEFORE = re.compile(r"\b(before|until|till|by)\s*$", re.IGNORECASE)
_EDGE_WORDS = re.compile(r"^(?:(?:in|on|the|about|of|at)\s+)+|(?:\s+(?:in|on|the|of|at))+$", re.IGNORECASE)
# "this week", "last month", "yesterday", "3 days ago", a weekday: said relative to the reference date
_RELATIVE = re.compile(r"\b(this|last|next|past|ago|today|tonight|yesterday|tomorrow|now|monday|tuesday|wednesday|"
                       r"thursday|friday|saturday|sunday)\b", re.IGNORECASE)
_DURATION = re.compile(r"\b(a|an|one|two|three|four|five|six|seven|eight|nine|ten|several|few|\d+)[\s-]+"
                       r"(years?|months?|weeks?|days?|hours?|minutes?|decades?|centur(y|ies))\b", re.IGNORECASE)
YEAR = re.compile(r"\b(?:1[89]|20)\d\d\b")  # a year as news writes one; the answerers read it too
MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"  # "Jun", "Sept.", "June" (a pattern)
_NUMERIC_DATE = re.compile(r"\b\d{1,4}[/.-]\d{1,2}([/.-]\d{1,4})?\b")
_NOT_DATE_WORDS = frozenset({"a", "an", "in", "on", "at", "of", "by", "the", "and", "to", "st", "nd", "rd", "th"})
_POSSESSIVE = re.compile(r"\b(yesterday|today|tonight)['’]s\b", re.IGNORECASE)


@dataclass(frozen=True)
class DateRange:
    """Inclusive day range; None leaves a side open. ``text`` is the words of the question it came from."""

    start: dt.date | None
    end: dt.date | None
    text: str = ""

    def contains(self, day: dt.date) -> bool:
        return (self.start is None or day >= self.start) and (self.end is None or day <= self.end)

    def distance(self, day: dt.date) -> int:
        """Days from ``day`` to the range (0 inside it)."""
        if self.start is not None and day < self.start:
            return (self.start - day).days
        if self.end is not None and day > self.end:
            return (day - self.end).days
        return 0


def as_of(value: str | dt.date | None) -> dt.date:
    """The reference date of a question: the given one (YYYY-MM-DD or YYYY/MM/DD), else today."""
    if value is None or value == "":
        return dt.date.today()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip().replace("/", "-")
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        raise InputError(f"the reference date '{value}' is not a date: use YYYY-MM-DD") from None


def named_range(question: str, reference: dt.date) -> DateRange | None:
    """The dates the question names, resolved against ``reference`` ("this week", "in June", "since
    Monday", "on 3 March", "in 2022"), or None when it names none."""
    question = _POSSESSIVE.sub(lambda m: m.group(1), question)
    found = [(text.strip(), day) for text, day in _search(question, reference) if _names_a_date(text, day, reference)]
    # "this week" says when the question is about; a year in it mostly names something earlier ("the 2020
    # election"), so a relative expression, where there is one, wins
    found.sort(key=lambda item: not _RELATIVE.search(item[0]))
    for text, day in found:
        core = _EDGE_WORDS.sub("", text)
        if _MONTH_ALONE.match(core) and not re.search(rf"\b(in|since|after|before|until|last|this)\s+{core}\b",
                                                      question, re.IGNORECASE):
            continue
        start, end = _span(text, _nearest_year(text, day.date(), reference), reference)
        before = question[: question.find(text)]
        if _SINCE.search(before):
            return DateRange(start, reference, text)
        if _BEFORE.search(before):
            return DateRange(None, start - dt.timedelta(days=1), text)
        return DateRange(start, end, text)
    return None


def _names_a_date(text: str, day: dt.datetime, reference: dt.date) -> bool:
    """False for what dateparser's search takes for a date but a news question means otherwise: an amount
    ("$11", "79%"), a length of time ("after 26 years", "a seven-year sentence", "in eight hours"), an
    ordinal or a bare number ("the 74th Emmys", "by a 7.0-magnitude quake"), a name in capitals, or a day
    more than a year ahead."""
    if re.search(r"[$£€%]", text) or (text.isupper() and len(text) > 3) \
            or day.date() > reference + dt.timedelta(days=365):
        return False  # "$11"; "USA TODAY" is a newspaper; "after 26 years" read as 2048
    if _DURATION.search(text) and not _RELATIVE.search(text):
        return False
    words = set(re.findall(r"[a-z]+", text.lower()))
    if len(words) == 1 and len(text.strip(" ,.")) <= 3:
        return False  # "We", "Sun", "Sat": dateparser's abbreviations of weekdays are words too
    return bool(words & _date_words() - _NOT_DATE_WORDS) or bool(YEAR.search(text)) or bool(_NUMERIC_DATE.search(text))


UPCOMING_DAYS = 60  # a day named without its year this close ahead is the coming one


def _nearest_year(text: str, day: dt.date, reference: dt.date) -> dt.date:
    """A day named without its year that comes within UPCOMING_DAYS ("coming July 29", "through July 4
    weekend", asked in June) is the coming one: dateparser's preference for the past would make it last
    year's. Further ahead, the past one stays ("on 3 March", asked in October)."""
    if YEAR.search(text) or (reference - day).days <= 183:
        return day
    try:
        following = day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day
    return following if (following - reference).days <= UPCOMING_DAYS else day


@lru_cache(maxsize=256)  # retrieval's time prior and the answerer both read a question's dates
def _search(question: str, reference: dt.date) -> tuple[tuple[str, dt.datetime], ...]:
    if not _may_name_a_date(question):  # most questions: dateparser's search would cost 0.2 s to start
        return ()
    from dateparser.search import search_dates

    settings = {"RELATIVE_BASE": dt.datetime.combine(reference, dt.time(12)), "PREFER_DATES_FROM": "past",
                "RETURN_TIME_AS_PERIOD": True}
    return tuple(search_dates(question, languages=["en"], settings=settings) or ())


def _may_name_a_date(question: str) -> bool:
    """False when no date can be in ``question``: it has no digit and none of the words dateparser's
    English reads as a date or part of one (month and day names, units of time, "today", "now")."""
    return any(c.isdigit() for c in question) or not _date_words().isdisjoint(re.findall(r"[a-z]+", question.lower()))


@lru_cache(maxsize=1)
def _date_words() -> frozenset[str]:
    from dateparser.data.date_translation_data.en import info

    grammar = {"name", "date_order", "locale_specific", "skip", "pertain", "sentence_splitter_group", "ago", "in",
               "relative-type", "relative-type-regex", "simplifications"}  # the rest: names, units, times of day
    words = {w for key, names in info.items() if key not in grammar for name in names for w in name.lower().split()}
    words |= {p for phrases in info["relative-type"].values() for p in phrases if " " not in p}  # "now", "today"
    words |= {"noon", "midnight", "tonight"}  # dateparser's simplifications make these times
    return frozenset(w for w in words if len(w) > 1)  # "5h", "3d": a one-letter unit follows a digit


def _span(text: str, day: dt.date, reference: dt.date) -> tuple[dt.date, dt.date]:
    period = _period(text, reference)
    if period == "year":
        return dt.date(day.year, 1, 1), dt.date(day.year, 12, 31)
    if period == "month":
        return day.replace(day=1), day.replace(day=calendar.monthrange(day.year, day.month)[1])
    if period == "week":
        monday = day - dt.timedelta(days=day.weekday())
        return monday, monday + dt.timedelta(days=6)
    return day, day


@lru_cache(maxsize=4096)
def _period(text: str, reference: dt.date) -> str:
    return _parser(reference).get_date_data(text).period or "day"


@lru_cache(maxsize=64)
def _parser(reference: dt.date):
    from dateparser.date import DateDataParser

    settings = {"RELATIVE_BASE": dt.datetime.combine(reference, dt.time(12)), "PREFER_DATES_FROM": "past",
                "RETURN_TIME_AS_PERIOD": True}
    return DateDataParser(languages=["en"], settings=settings)
