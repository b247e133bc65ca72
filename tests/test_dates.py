import datetime as dt

import pytest

from rag.dates import DateRange, _may_name_a_date, as_of, named_range
from rag.errors import InputError

FRIDAY = dt.date(2022, 10, 14)
D = dt.date


@pytest.mark.parametrize("question,start,end", [
    ("What happened this week?", D(2022, 10, 10), D(2022, 10, 16)),
    ("What did Biden say last week?", D(2022, 10, 3), D(2022, 10, 9)),
    ("What did the minister say last month?", D(2022, 9, 1), D(2022, 9, 30)),
    ("What was decided yesterday?", D(2022, 10, 13), D(2022, 10, 13)),
    ("What was in yesterday's vote?", D(2022, 10, 13), D(2022, 10, 13)),
    ("What happened in June?", D(2022, 6, 1), D(2022, 6, 30)),  # the last June, not the next
    ("Who won the most races in 2021?", D(2021, 1, 1), D(2021, 12, 31)),
    ("What has changed since Monday?", D(2022, 10, 10), FRIDAY),
    ("What did the court rule on 3 March?", D(2022, 3, 3), D(2022, 3, 3)),
    ("What did the Fed do on Wednesday?", D(2022, 10, 12), D(2022, 10, 12)),
    ("What happened before June?", None, D(2022, 5, 31)),
])
def test_dates_in_questions_become_ranges(question, start, end):
    found = named_range(question, FRIDAY)
    assert (found.start, found.end) == (start, end), found


@pytest.mark.parametrize("question", ["What is the latest news about the strike?", "What did May say?",
                                      "Who will March in the parade?", "How many countries opposed it?"])
def test_questions_without_a_date_name_none(question):
    assert named_range(question, FRIDAY) is None


@pytest.mark.parametrize("question", [
    "Which country was shaken by a 7.0-magnitude earthquake?",  # dateparser: "by a 7", 7 January
    "The singer was given a seven-year sentence for what?",  # a length of time, not 7 January
    "The athlete retired after 26 years at which club?",  # not the year 2048
    "Who hosted the 74th Emmy Awards?",  # an ordinal, not 1974
    "Which stock fell $11 at the open?",  # an amount, not November
    "What did USA TODAY report about the strike?",  # a newspaper's name, not today
    "We also lost a legendary actress. Which role made her famous?",  # "We": dateparser's Wednesday
    "Which airline will fly the route in eight hours?",  # a duration
])
def test_numbers_amounts_and_lengths_of_time_are_not_dates(question):
    assert named_range(question, FRIDAY) is None


@pytest.mark.parametrize("question,start,end", [
    ("Which country was shaken by a 7.0-magnitude earthquake this week?", D(2022, 10, 10), D(2022, 10, 16)),
    ("Who was indicted over the 2020 election this week?", D(2022, 10, 10), D(2022, 10, 16)),  # not all of 2020
    ("After 26 years, which club did he leave last week?", D(2022, 10, 3), D(2022, 10, 9)),
])
def test_the_question_s_own_time_wins_over_numbers_and_years_it_mentions(question, start, end):
    found = named_range(question, FRIDAY)
    assert (found.start, found.end) == (start, end), found


@pytest.mark.parametrize("question,start,end", [
    ("Which retailer cut prices through the November 11 weekend?", D(2022, 11, 11), D(2022, 11, 11)),  # coming
    ("What did the court rule on 3 March?", D(2022, 3, 3), D(2022, 3, 3)),  # far ahead: the past one
    ("We also lost a star on Sunday. Who was she?", D(2022, 10, 9), D(2022, 10, 9)),  # "We" is no Wednesday
])
def test_a_day_without_its_year_is_the_coming_one_when_it_is_near(question, start, end):
    found = named_range(question, FRIDAY)
    assert (found.start, found.end) == (start, end), found


def test_the_reference_date_is_today_unless_given():
    assert as_of(None) == dt.date.today() and as_of("") == dt.date.today()
    assert as_of("2022/10/06") == as_of("2022-10-06") == D(2022, 10, 6)
    with pytest.raises(InputError, match="YYYY-MM-DD"):
        as_of("last spring")


def test_distance_to_a_range():
    week = DateRange(D(2022, 10, 3), D(2022, 10, 9))
    assert week.distance(D(2022, 10, 5)) == 0 and week.distance(D(2022, 10, 1)) == 2
    assert week.distance(D(2022, 10, 12)) == 3 and DateRange(None, D(2022, 1, 1)).distance(D(2021, 1, 1)) == 0


@pytest.mark.parametrize("expression", ["this week", "last month", "yesterday", "in June", "in 2022", "since Monday",
                                        "on 3 March", "tonight", "at noon", "a fortnight ago", "today", "now",
                                        "the day before", "next Tuesday", "two decades ago", "this morning",
                                        "on Sept. 9", "at midnight", "tomorrow"])
def test_every_date_expression_reaches_dateparser(expression):
    """Questions with no date word skip dateparser (its start costs 0.2 s): the check must let every date by."""
    assert _may_name_a_date(f"What happened {expression}?")


@pytest.mark.parametrize("question", ["Who won the election?", "What did China's envoy say about the vote?",
                                      "How many countries opposed it?", "Which team did Brazil beat?"])
def test_a_question_with_no_date_word_skips_dateparser_and_names_none(question):
    assert not _may_name_a_date(question) and named_range(question, FRIDAY) is None
