"""Highlighting word by word finds what analysing the whole text finds."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.engines.whoosh.analyzer import ANALYZER
from indexer.search.highlight import (
    Marks,
    _first_match,
    _marked_spans,
    _matches,
    _spans,
    _word_spans,
    excerpt,
    excerpt_marked,
    mark,
)

SAMPLES = [
    "Werner Vogels on re:Invent's event-driven S3 design at Amazon.com, 10:30 a.m.",
    "It\u2019s the customer's café — naïve caching; don't over-engineer the p99/p50 ratio.",
]


def _whole_text_tokens(text: str) -> list[tuple[str, int, int]]:
    return [(t.text, t.startchar, t.endchar) for t in ANALYZER(text, chars=True)]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("abcé's-:./ \u20191\n"), max_size=60))
def test_spans_match_whole_text_analysis(text):
    _check_spans(text)


def test_spans_of_real_sentences():
    for text in SAMPLES:
        _check_spans(text)


def _check_spans(text: str) -> None:
    tokens = _whole_text_tokens(text)
    terms = {term for term, _, _ in tokens[::2]}
    expected: list[tuple[int, int]] = []
    for term, start, end in tokens:
        if term in terms:
            if expected and start < expected[-1][1]:
                expected[-1] = (expected[-1][0], max(expected[-1][1], end))
            else:
                expected.append((start, end))
    assert _spans(text, terms) == expected


def test_marks_stems_and_compound_parts():
    html = mark(SAMPLES[0], {"invent", "event", "design"})
    assert "<mark>Invent</mark>" in html and "<mark>design</mark>" in html
    assert "<mark>event</mark>-driven" in html
    assert mark("<b>designs</b>", {"design"}) == "&lt;b&gt;<mark>designs</mark>&lt;/b&gt;"


def test_a_phrase_is_marked_where_it_stands_not_word_by_word():
    from indexer.core.analysis import phrase_parts
    from indexer.search.highlight import Marks

    phrase = tuple(phrase_parts("four to six years")[1])
    text = "It took four to six years. Then, to be fair, four more years and six months."
    html = mark(text, Marks(phrases=(phrase,)))
    assert html.count("<mark>") == 1
    assert "<mark>four to six years</mark>" in html
    both = mark(text, Marks(frozenset({"month"}), (phrase,)))
    assert both.count("<mark>") == 2 and "<mark>months</mark>" in both


def test_phrase_searches_mark_the_phrase_in_results(fixture_data):
    from tests.searching import search

    result = search(fixture_data / "index", '"and then it was"')
    [moment] = [m for r in result["results"] for m in r["moments"] if "<mark>" in m["html"]][:1]
    assert "<mark>and then it was</mark>" in moment["html"].lower()
    assert moment["html"].count("<mark>") == moment["text"].lower().count("and then it was")


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=st.sampled_from("abc runs ran running the of\n"), max_size=80),
    st.sets(st.sampled_from(["run", "the", "ab", "c", "of"]), max_size=3),
    st.lists(st.sampled_from([("the", "run"), ("run", "of"), ("ab", "c")]), max_size=2),
)
def test_an_excerpt_starts_at_the_first_match_the_full_list_gives(text, words, phrases):
    marks = Marks(frozenset(words), tuple(phrases))
    everything = _matches(text, marks)
    assert _first_match(text, marks) == (everything[0] if everything else None)


@settings(max_examples=500, deadline=None)
@given(
    st.text(alphabet=st.sampled_from("ab\u00e9_1's-:./\u2019 \n"), max_size=60),
    st.sets(
        st.sampled_from(["a", "ab", "b", "ba", "abab", "1", "a_b", "e", "\u00e9", "s"]),
        max_size=4,
    ),
)
def test_marked_spans_found_per_distinct_token_match_the_word_by_word_scan(text, words):
    assert _marked_spans(text, frozenset(words)) == sorted(_word_spans(text, words))


def test_marked_spans_of_real_sentences_match_the_word_by_word_scan():
    for text in SAMPLES:
        for terms in ({"invent", "event", "design"}, {"s3", "amazon.com", "com"},
                      {"caf", "cafe", "customer", "dont", "p99"}, {"naiv", "it", "s"}):  # fmt: skip
            assert _marked_spans(text, frozenset(terms)) == sorted(_word_spans(text, terms))


@settings(max_examples=500, deadline=None)
@given(
    st.lists(st.sampled_from(["run", "runs", "the", "of", "ab-c", "c", " ", "  ", "\n"]),
             max_size=40).map("".join),
    st.sets(st.sampled_from(["run", "the", "ab", "c", "abc"]), max_size=3),
    st.lists(st.sampled_from([("the", "run"), ("run", "of"), ("ab", "c")]), max_size=2),
    st.integers(min_value=1, max_value=8),
)  # fmt: skip
def test_an_excerpt_marked_in_one_reading_equals_marking_the_excerpt(text, words, phrases, size):
    marks = Marks(frozenset(words), tuple(phrases))
    cut = excerpt(text, marks, size)
    assert excerpt_marked(text, marks, size) == (cut, mark(cut, marks))
