"""A moment's text: neighbouring passages joined without the words they share, and a
mark where passages between two matching ones were left out."""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path

from indexer.core.analysis import terms
from indexer.engines.protocol import Match, PassageHit
from indexer.ingest.captions import Snippet
from indexer.ingest.passages import _units, build_passages
from indexer.search.highlight import Marks
from indexer.search.results import moment_json, moment_text, new_words, telling_moments
from tests.conftest import TEST_DATA


def _transcript(path: Path) -> list[Snippet]:
    return [Snippet(s["text"], s["start"], s["duration"])
            for s in json.loads(path.read_text(encoding="utf-8"))]  # fmt: skip


def _hits(snippets: list[Snippet]) -> list[PassageHit]:
    """A transcript's passages as an engine returns them, numbered in order."""
    return [PassageHit("video", passage.start, passage.end, passage.text, number=number)
            for number, passage in enumerate(build_passages(snippets))]  # fmt: skip


def _spoken(snippets: list[Snippet]) -> list[str]:
    """The transcript's words once each, as passages are cut from them."""
    return [word for unit in _units(snippets) for word in unit.words]


def test_neighbouring_passages_say_each_word_once():
    snippets = _transcript(TEST_DATA / "transcripts" / "aaaaaaaaaaa.json")
    hits = _hits(snippets)
    assert len(hits) > 3
    joined = " ".join(hit.text for hit in hits).split()
    assert len(joined) > len(_spoken(snippets))  # passages do share words
    assert moment_text(hits).split() == _spoken(snippets)


def test_passages_left_out_between_two_are_marked():
    hits = _hits(_transcript(TEST_DATA / "transcripts" / "aaaaaaaaaaa.json"))
    first, second, fourth = hits[0], hits[1], hits[3]
    text = moment_text([first, second, fourth])
    assert text.startswith(moment_text([first, second]) + " \u2026 ")
    assert text.endswith(fourth.text)
    assert moment_text([first]) == first.text and moment_text([]) == ""


def test_passages_of_unknown_place_are_joined_as_they_come():
    hits = _hits(_transcript(TEST_DATA / "transcripts" / "aaaaaaaaaaa.json"))[:2]
    unplaced = [PassageHit(h.video_id, h.start, h.end, h.text) for h in hits]
    assert moment_text(unplaced) == f"{hits[0].text} {hits[1].text}"



def test_a_moment_plays_from_the_passage_that_says_the_most_of_the_query():
    """One query word said in passing in the first passage, all of them together in the
    third: the moment shows the third and plays from when it starts."""
    filler = " ".join(["and so on"] * 15)
    texts = [f"people call it peacetime {filler}", f"then {filler}",
             f"Facebook apparently calls them lockdowns, which is a term {filler}"]  # fmt: skip
    hits = [PassageHit("vid00000000", 60.0 + 20 * n, 80.0 + 20 * n, text, number=n)
            for n, text in enumerate(texts)]  # fmt: skip
    moment = moment_json(hits, {"videos": []}, Marks(frozenset({"call", "lockdown"})))
    assert "apparently <mark>calls</mark> them <mark>lockdowns</mark>" in moment["html"]
    assert (moment["start"], moment["end"]) == (100.0, 120.0)
    assert moment["url"].endswith("t=100s")
    alone = moment_json(hits, {"videos": []}, Marks(frozenset({"call"})))
    assert alone["start"] == 60.0 and "<mark>call</mark> it peacetime" in alone["html"]

def test_a_moment_is_shown_when_it_says_more_than_half_of_what_the_best_one_says():
    """Groups: a word (any of its alternatives) and a phrase (all of its words). Moments
    found by meaning stay whatever words they say."""
    groups = ((Match(tuple(terms("raised"))), Match(tuple(terms("funded")))),
              (Match(tuple(terms("series b")), phrase=True),), (Match(tuple(terms("round"))),))
    said = ["we raised a series B round", "a funded series B", "B then series",
            "the round was funded", "a round"]  # fmt: skip
    moments = [[PassageHit("vid00000000", 100.0 * n, 100.0 * n + 20, text, number=10 * n)]
               for n, text in enumerate(said)]  # fmt: skip
    moments.append([PassageHit("vid00000000", 900.0, 920.0, "a round", "meaning", 90)])
    marks = Marks(frozenset(terms("raised funded round")), (tuple(terms("series b")),))
    shown = telling_moments(moments, {"videos": []}, marks, groups)
    # held: 3, 2, 1 (the phrase's words in another order count: this counts, it does not
    # find), 2, 1; and the one found by meaning
    assert [(moment["text"], moment["found_by"]) for moment in shown] == [
        ("we raised a series B round", "keyword"), ("a funded series B", "keyword"),
        ("the round was funded", "keyword"), ("a round", "meaning")]
    everything = telling_moments(moments, {"videos": []}, marks, groups[:1])
    assert len(everything) == len(moments)  # one group: every moment says all there is


def test_real_transcripts_join_back_into_what_was_said(corpus):
    for path in sorted((corpus / "lenny" / "transcripts").glob("*.json"))[:25]:
        snippets = _transcript(path)
        assert moment_text(_hits(snippets)).split() == _spoken(snippets), path.name


def _new_words_plainly(previous: str, text: str) -> str:
    """The oracle: every overlap size tried, longest first."""
    before, words = previous.split(), text.split()
    for size in range(min(len(before), len(words)), 0, -1):
        if before[-size:] == words[:size]:
            return " ".join(words[size:])
    return text


def test_the_words_a_passage_repeats_are_found_as_the_plain_search_finds_them():
    hits = _hits(_transcript(TEST_DATA / "transcripts" / "aaaaaaaaaaa.json"))
    texts = [hit.text for hit in hits]
    cases = list(itertools.pairwise(texts))  # real overlaps
    cases += [(a, b) for a in texts[:4] for b in texts[:4]]  # none, or the whole passage
    cases += [("a b a b a", "a b a c"), ("x a a", "a a a y"), ("a", "a"), ("", "a b"),
              ("a b", ""), ("so so so", "so so"), ("end of it", "of it all of it")]
    rng = random.Random(3)
    for _ in range(2000):  # short texts of a few words, so that runs repeat
        previous, text = (" ".join(rng.choice("abc") for _ in range(rng.randint(0, 7)))
                          for _ in range(2))  # fmt: skip
        cases.append((previous, text))
    for previous, text in cases:
        assert new_words(previous, text) == _new_words_plainly(previous, text), (previous, text)
