from rag.citations import CitationFilter


def run(pieces, passages=3):
    f = CitationFilter(passages)
    text = "".join(f.feed(p) for p in pieces) + f.flush()
    return text, f.order


def test_unknown_numbers_are_dropped_and_the_rest_renumbered_in_order_of_citation():
    text, order = run(["Rates rose [3]. Inflation fell [7][1]. Again [3]. Bogus [9] claim."])
    assert text == "Rates rose [1]. Inflation fell [2]. Again [1]. Bogus claim."
    assert order == [3, 1]


def test_markers_split_across_streamed_pieces_are_held_until_they_close():
    f = CitationFilter(2)
    assert f.feed("Rates rose [") == "Rates rose"  # the space waits too: a dropped marker may take it
    assert f.feed("2") == ""
    assert f.feed("] and fell [1, 9].") == " [1] and fell [2]."
    assert f.order == [2, 1]


def test_brackets_that_are_not_citations_pass_through():
    text, order = run(["A list [see below] and [", "0] and [a] ", "end ["])
    assert text == "A list [see below] and and [a] end ["
    assert order == []


def test_a_grouped_marker_becomes_separate_markers_without_repeats():
    text, order = run(["Both [2, 1; 2]."])
    assert text == "Both [1][2]."
    assert order == [2, 1]


def test_a_dropped_marker_leaves_one_space_between_words_and_none_before_punctuation():
    assert run(["It rose [9], said the bank [12]. Banks [1][8] agreed."])[0] == \
        "It rose, said the bank. Banks [1] agreed."
    assert run(["It rose ", "[9]", ", said", " the bank ", "[12]", "."])[0] == "It rose, said the bank."
