"""Highlighting word by word finds what analysing the whole text finds."""

from __future__ import annotations

import gzip
import json
import re
from itertools import product

from hypothesis import example, given, settings
from hypothesis import strategies as st

from indexer.core.analysis import WORD, analyze, word_terms
from indexer.engines.whoosh.analyzer import ANALYZER
from indexer.search.highlight import (
    LEAD_WORDS,
    Marks,
    _beginnings,
    _beginnings_of,
    _marked_spans,
    _matches,
    _phrase_spans,
    _spaces_before,
    _spans,
    _window,
    _word_spans,
    _words_before,
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
@given(st.text(alphabet=st.sampled_from("abcé's-:./ \u20191\n+#\u00ad"), max_size=60))
@example("s::1#'s")  # the s of a symbol ending's possessive is not a word
@example("a C++\u2019s s #'s s")
@example("1+1#'1 1#'sx")  # only an s ending there is the possessive
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


def test_an_excerpt_shows_where_the_text_says_the_most_marked_words():
    """One query word said in passing, then all of them together a minute later: the
    excerpt shows them together, opening a few words before."""
    filler = " ".join(["and so on"] * 30)
    text = (f"people call it peacetime {filler} and Facebook apparently calls them "
            f"lockdowns, which is a term {filler}")  # fmt: skip
    cut, html, opening, held = excerpt_marked(text, {"call", "lockdown"}, 20)
    assert text.split()[opening] == "calls" and held == {"call", "lockdown"}
    assert excerpt_marked(text, {"call", "peac"}, 20).held == {"call"}
    assert cut.startswith("\u2026 ") and cut == excerpt(text, {"call", "lockdown"}, 20)
    assert "Facebook apparently <mark>calls</mark> them <mark>lockdowns</mark>" in html
    assert "peacetime" not in cut



def _window_by_scanning(text, spans, at, count, size):
    """The plain version of `_window`: every run of spans and every window tried afresh."""
    if not spans:
        return 0, 0
    held = [{term.text for term in analyze(text[start:end])} for start, end in spans]
    every = set().union(*held)
    runs = [(at[high] - at[low], at[low], at[high]) for low in range(len(at))
            for high in range(low, len(at)) if set().union(*held[low:high + 1]) == every]
    _, left, right = min(runs)
    if all(word < max(0, min(at[0] - LEAD_WORDS, count - size)) + size for word in at):
        return max(0, min(at[0] - LEAD_WORDS, count - size)), left
    begin = max(0, min(left - LEAD_WORDS, count - size))
    if right < begin + size:
        return begin, left
    best, opening, most = 0, 0, -1
    for first in at:
        begin = max(0, min(first - LEAD_WORDS, count - size))
        shown = set().union(*(terms for word, terms in zip(at, held, strict=True)
                              if begin <= word < begin + size))  # fmt: skip
        if len(shown) > most:
            best, opening, most = begin, first, len(shown)
    return best, opening


@settings(max_examples=500, deadline=None)
@given(
    st.lists(st.sampled_from(["run", "Runs", "the", "of", "ab-c", "c", "zed.", "x", "y"]),
             min_size=1, max_size=150).map(" ".join),
    st.sets(st.sampled_from(["run", "the", "ab", "c", "abc", "zed"]), max_size=4),
    st.lists(st.sampled_from([("the", "run"), ("run", "of"), ("ab", "c")]), max_size=2),
    st.integers(min_value=1, max_value=30),
)  # fmt: skip
def test_the_best_window_found_in_one_pass_is_the_one_scanning_every_window_finds(
    text, words, phrases, size
):
    spans = _matches(text, Marks(frozenset(words), tuple(phrases)))
    at = _words_before(text, spans)
    count = len(text.split())
    assert _window(text, spans, at, count, size) == _window_by_scanning(text, spans, at, count,
                                                                          size)

def test_an_excerpt_opens_on_the_first_of_equally_good_places():
    filler = " ".join(["and so on"] * 30)
    text = f"one runs fast {filler} two runs slow, runs and runs {filler}"
    assert excerpt(text, {"run"}, 20).startswith("one runs fast")  # not where said most
    later = excerpt(text, {"run", "slow"}, 20)
    assert "two runs slow" in later and "one" not in later


@settings(max_examples=500, deadline=None)
@given(
    st.text(alphabet=st.sampled_from("abdeingAB\u00e9\u00c9_1's-:./\u2019 \n"), max_size=60),
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
    assert excerpt_marked(text, marks, size)[:2] == (cut, mark(cut, marks))


@settings(max_examples=500, deadline=None)
@given(
    st.lists(st.sampled_from(["run", "Runs", "the", "of", "ab-c", "c", "\u2014", "zed."]),
             min_size=3, max_size=120).map(" ".join),
    st.sets(st.sampled_from(["run", "the", "ab", "c", "abc", "zed"]), max_size=3),
    st.lists(st.sampled_from([("the", "run"), ("run", "of"), ("ab", "c"), ("c", "zed")]),
             max_size=2),
    st.integers(min_value=1, max_value=12),
)  # fmt: skip
@example("the run of c c c c c c", {"the"}, [("the", "run")], 2)  # a phrase and its word
def test_an_excerpt_of_a_long_evenly_spaced_text_equals_marking_the_excerpt(
    text, words, phrases, size
):
    marks = Marks(frozenset(words), tuple(phrases))
    cut = excerpt(text, marks, size)
    found = excerpt_marked(text, marks, size)
    assert found[:2] == (cut, mark(cut, marks))
    spans = _matches(text, marks)  # the opening word, by spaces counted and by splitting
    assert _spaces_before(text, spans) == _words_before(text, spans)
    assert found.opening == _window(text, spans, _words_before(text, spans),
                                    len(text.split()), size)[1]  # fmt: skip


def test_excerpts_of_real_speech_marked_in_one_reading_equal_marking_the_excerpt(corpus):
    with gzip.open(corpus / "ted" / "transcripts.json.gz", "rt", encoding="utf-8") as handle:
        talks = json.load(handle)
    checked = 0
    for snippets in list(talks.values())[::50]:
        text = " ".join(" ".join(snippet["text"].split()) for snippet in snippets[:60])
        terms = [term.text for term in analyze(text)]
        for at in (3, 40, 150, len(terms) - 2):
            if 0 <= at < len(terms):
                marks = Marks(frozenset({terms[at], terms[(at * 7) % len(terms)], "zzz"}))
                cut = excerpt(text, marks)
                assert excerpt_marked(text, marks)[:2] == (cut, mark(cut, marks)), text[:80]
                checked += 1
    assert checked > 150


def test_a_token_skipped_for_one_query_is_marked_for_the_next():
    text = "Running late, Bob ran to the running track"
    assert _marked_spans(text, frozenset({"late"})) == sorted(_word_spans(text, {"late"}))
    assert _marked_spans(text, frozenset({"run"})) == sorted(_word_spans(text, {"run"}))
    assert mark(text, {"run"}).count("<mark>") == 2
    waits = "Two AED kits, dying batteries"  # AED waits under "ae"; its stem is "a"
    for terms in ({"kit"}, {"a"}, {"die"}, {"batteri", "two"}):
        assert _marked_spans(waits, frozenset(terms)) == sorted(_word_spans(waits, terms))
    assert mark(waits, {"a"}) == "Two <mark>AED</mark> kits, dying batteries"


def _cannot_be(token: str, beginnings: set[str]) -> bool:
    """The rule by which a query leaves a waiting token unanalysed: none of the beginnings
    of its terms is one of the query's (or, for a one-letter term, its letter)."""
    found = _beginnings_of(token)
    return found is not None and not any(
        beginning in beginnings or beginning[:1] in beginnings for beginning in found)


def _check_never_skipped_for_its_own_terms(tokens: set[str]) -> None:
    """What skipping relies on: a token is judged unable to analyse to a query's terms
    only when it truly cannot, so a query holding any of its terms keeps it."""
    for token in tokens:
        for term in word_terms(token)[1]:
            assert not _cannot_be(token, _beginnings([term.text])), (token, term.text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("aeiouyYsSlnIEDgbkpr'-1\u00e9"), min_size=1, max_size=14))
def test_a_token_is_kept_for_any_of_its_own_terms(word):
    _check_never_skipped_for_its_own_terms(set(re.findall(WORD, word)))


def test_every_short_word_and_suffixed_stub_is_kept_for_its_own_terms():
    letters = "aeiouydgnlsb"
    short = {"".join(chars) for size in (1, 2, 3) for chars in product(letters, repeat=size)}
    endings = ("ed", "eds", "edly", "ing", "ings", "ingly", "ies", "ied", "s", "ly", "y", "e")
    stubs = {stub + ending for stub in short if len(stub) <= 2 for ending in endings}
    _check_never_skipped_for_its_own_terms(short | stubs | {stub.upper() for stub in stubs})


def test_words_snowball_changes_the_most_are_kept_for_their_own_terms():
    words = "dying Lying tying skies Skis idly gently ugly Early only singly news Yearly yelling"
    more = "Experiments organisation Businesses a I y 2024 AED OED AEDs aing Oingly"
    _check_never_skipped_for_its_own_terms(set(f"{words} {more}".split()))
    assert _cannot_be("dyeing", {"di"}) and not _cannot_be("Dying", {"di"})
    apostrophes = "don't It's Amazon's dying's I'm rock'n'roll o'clock AED's I's x's we\u2019re"
    compounds = "event-driven dy-ing e-mail a-ed Amazon.com K-12 HIV/AIDS 10:10 U.S caf\u00e9-bar"
    _check_never_skipped_for_its_own_terms(set(f"{apostrophes} {compounds}".split()))


def test_what_a_new_word_waits_under_and_which_are_analysed_at_once():
    waits = {"don't": ("do",), "Amazon's": ("am",), "I'm": ("im",), "we\u2019re": ("we",),
             "AED": ("ae",), "caf\u00e9": ("ca",), "event-driven": ("ev", "ev", "dr"),
             "Amazon.com": ("am", "am", "co")}  # fmt: skip
    assert {token: _beginnings_of(token) for token in waits} == waits
    for token in ("dying's", "Lying", "dy-ing", "a_b", "\u03b1\u03b2"):
        assert _beginnings_of(token) is None, token


def test_every_word_of_the_real_transcripts_is_kept_for_its_own_terms(corpus):
    with gzip.open(corpus / "ted" / "transcripts.json.gz", "rt", encoding="utf-8") as handle:
        talks = json.load(handle)
    tokens: set[str] = set()
    for snippets in talks.values():
        tokens.update(re.findall(WORD, " ".join(snippet["text"] for snippet in snippets)))
    assert len(tokens) > 10_000
    _check_never_skipped_for_its_own_terms(tokens)


def _phrase_spans_of_whole_text(text: str, phrases) -> list[tuple[int, int]]:
    """Phrases found in the text's full analysis, compound joins left out (the plain version)."""
    found = list(analyze(text))
    ordered = [term for index, term in enumerate(found)
               if index + 1 == len(found) or found[index + 1].pos != term.pos]  # fmt: skip
    spans = []
    for phrase in phrases:
        for first in range(len(ordered) - len(phrase) + 1):
            run = ordered[first : first + len(phrase)]
            if tuple(term.text for term in run) == phrase:
                spans.append((run[0].start, run[-1].end))
    return spans


@settings(max_examples=500, deadline=None)
@given(
    st.lists(st.sampled_from(["Run", "runs", "the", "The", "of", "ab-c", "Abc", "c", "zed",
                              "\u00c9t\u00e9", "ete", "1", "Dying", "die", "AED", "a", " ",
                              "\n"]),
             max_size=30).map(" ".join),
    st.lists(st.sampled_from([("the", "run"), ("run", "of"), ("ab", "c"), ("abc", "zed"),
                              ("ete", "the"), ("1", "run"), ("die", "the"), ("a", "run")]),
             min_size=1, max_size=3),
)  # fmt: skip
def test_phrases_found_through_the_tokens_of_their_terms_match_the_whole_analysis(
    text, phrases
):
    assert _phrase_spans(text, tuple(phrases)) == _phrase_spans_of_whole_text(text, phrases)


def test_phrases_of_real_speech_match_the_whole_analysis(corpus):
    """Common-word phrases (`"that we"`) in real transcripts, where most words are blanks."""
    with gzip.open(corpus / "ted" / "transcripts.json.gz", "rt", encoding="utf-8") as handle:
        talks = json.load(handle)
    checked = found = 0
    for number, snippets in enumerate(list(talks.values())[::40]):
        text = " ".join(snippet["text"] for snippet in snippets[:40])
        terms = [term.text for term in analyze(text)]
        size = 2 + number % 3
        phrases = [tuple(terms[at : at + size]) for at in range(0, len(terms) - size, 97)]
        phrases.append(("that", "we"))
        phrases.append(("zzz", "that"))
        for phrase in phrases:
            spans = _phrase_spans(text, (phrase,))
            assert spans == _phrase_spans_of_whole_text(text, [phrase]), (phrase, text[:80])
            checked += 1
            found += bool(spans)
    assert checked > 300 and found > checked // 3
