"""Search behaviour on indexes built from the project's own fixtures and the bundled notes."""

import json
import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import build_data_folder
from tests.searching import TalkIndex, search


def titles(result):
    return [r["talk"]["title"] for r in result["results"]]


@pytest.fixture(scope="module")
def index(fixture_data):
    with TalkIndex(fixture_data / "index") as opened:
        yield opened


@pytest.mark.parametrize(
    ("query", "title"),
    [
        ("ENA Express", "Peter DeSantis - SVP AWS"),
        ("EventBridge pipes", "Werner Vogels - CTO AWS"),
        ("cell based architecture", "Reliable scalability: How Amazon.com scales in the cloud"),
        ("Application Recovery Controller", "Operating highly available Multi-AZ applications"),
        ("Gall's law", "Werner Vogels - CTO AWS"),
        ("SnapStart", "Peter DeSantis - SVP AWS"),
        ("shuffle sharding", "Reliable scalability: How Amazon.com scales in the cloud"),
        ("resilience hub", "How to understand and improve resiliency for serverless systems"),
    ],
)
def test_bundled_notes_find_the_right_talk_first(bundled_data, query, title):
    result = search(bundled_data / "index", query)
    assert titles(result)[0] == title
    assert not result["fallback"]


def test_result_shape(bundled_data):
    result = search(bundled_data / "index", "ENA Express")
    assert set(result) == {
        "query",
        "total",
        "page",
        "per_page",
        "sort",
        "mode",
        "suggestion",
        "fallback",
        "partial",
        "notices",
        "facets",
        "results",
    }
    assert result["partial"] is False and result["notices"] == []
    assert result["mode"] == "keyword"  # hybrid asked for, but this index has no vectors
    (item,) = result["results"]
    assert item["talk"] == {
        "id": "reinvent-2022-peter-desantis-svp-aws",
        "title": "Peter DeSantis - SVP AWS",
        "speaker": "Peter DeSantis",
        "role": "SVP AWS",
        "event": "AWS re:Invent 2022",
        "section": "Keynotes",
        "video_id": "R11YgBEZzqE",
        "url": "https://www.youtube.com/watch?v=R11YgBEZzqE",
        "source": "reinvent-2022.md:13",
        "date": "2022",
        "transcript_missing": (
            "The index was built offline and no transcript was cached for this video."
        ),
        "same_transcript_as": None,
        "title_unsaid": False,
        "title_html": "Peter DeSantis - SVP AWS",
        "speaker_html": "Peter DeSantis",
        "description_html": "",  # it has a note to show
    }
    note = item["notes"][0]
    assert note["line"] == 21 and note["start"] is None and note["found_by"] == "keyword"
    assert "<mark>ENA</mark>" in note["html"] and "<mark>Express</mark>" in note["html"]
    assert item["moments"] == []
    json.dumps(result)


def test_stems_match_and_are_highlighted(index):
    result = index.search("compiling")
    assert titles(result)[0] == "Grace Hopper - Rear Admiral"
    moment = result["results"][0]["moments"][0]
    assert "<mark>compiler</mark>" in moment["html"]


def test_moments_carry_time_and_link(index):
    result = index.search("moth relay")
    (item,) = result["results"]
    moment = item["moments"][0]
    assert moment["video_id"] == "aaaaaaaaaaa"
    assert moment["start"] <= 105 <= moment["end"]  # the moth is mentioned at ~104 s
    assert moment["url"] == f"https://www.youtube.com/watch?v=aaaaaaaaaaa&t={int(moment['start'])}s"
    assert "<mark>moth</mark>" in moment["html"] and "<mark>relay</mark>" in moment["html"]


def test_phrases_need_the_words_in_order_stop_words_included(index):
    assert titles(index.search('"and then it was"')) == ["Grace Hopper - Rear Admiral"]
    assert titles(index.search('"and it then was"')) == []
    assert titles(index.search('"it was time to hand"')) == ["Grace Hopper - Rear Admiral"]


def test_phrase_across_caption_cues(index):
    # "inverted" and "indexes" are on two different VTT cues
    assert titles(index.search('"why inverted indexes still win"')) == [
        "Closing keynote: the future of search"
    ]


def test_or_minus_and_not(index):
    assert set(titles(index.search("moth OR zeppelin"))) == {"Grace Hopper - Rear Admiral"}
    both = set(titles(index.search("compiler OR stemmer")))
    assert both == {"Grace Hopper - Rear Admiral", "Closing keynote: the future of search"}
    assert titles(index.search("compiler OR stemmer -finnish")) == ["Grace Hopper - Rear Admiral"]
    assert titles(index.search("compiler OR stemmer NOT finnish")) == [
        "Grace Hopper - Rear Admiral"
    ]


def test_prefix(index):
    assert titles(index.search("nanosec*")) == ["Grace Hopper - Rear Admiral"]
    assert "Closing keynote: the future of search" in titles(index.search("invert*"))


def test_filters_and_scopes(index):
    assert titles(index.search("speaker:hopper wire")) == ["Grace Hopper - Rear Admiral"]
    assert titles(index.search("speaker:nobody wire")) == []
    assert set(titles(index.search("section:workshops"))) == {"Hands-on caching", "Hallway track"}
    assert titles(index.search("event:devcon coffee")) == ["Hallway track"]
    assert titles(index.search('event:"Example Podcast" loops')) == [
        "Growth loops, explained | Ada Example"
    ]
    assert titles(index.search("title:caching")) == ["Hands-on caching"]
    assert titles(index.search("video:bbbbbbbbbbb")) == ["Closing keynote: the future of search"]
    in_notes = index.search("in:notes wire")["results"]
    assert in_notes and all(r["moments"] == [] for r in in_notes)
    in_transcript = index.search("in:transcript wire")["results"]
    assert in_transcript and all(r["notes"] == [] for r in in_transcript)



def test_filters_that_each_find_talks_but_none_together_are_said_to(index):
    apart = index.search("wire speaker:hopper section:workshops")
    assert apart["total"] == 0 and apart["notices"] == [
        "no talk matches speaker:hopper and section:workshops at once, though each alone "
        "finds talks (filters narrow each other)"]  # fmt: skip
    for quiet in ("zzzqqq speaker:hopper section:keynotes", "speaker:hopper zzzqqq"):
        assert index.search(quiet)["notices"] == [], quiet  # the words found nothing
    for query in ("speaker:nobody section:workshops", "speaker:nobody caching"):
        assert index.search(query)["notices"] == ["no talk matches speaker:nobody"], query
    assert index.search("year:1999 -speaker:hopper year:1998")["notices"] == [
        "no talk matches year:1999 or year:1998"]


def test_words_that_only_talks_outside_the_filters_have_are_said_to(index):
    elsewhere = len(index.search("caching")["results"])
    assert elsewhere >= 1
    found = index.search("speaker:hopper caching")
    talks = "1 other talk has" if elsewhere == 1 else f"{elsewhere} other talks have"
    assert found["total"] == 0 and found["notices"] == [
        f"no talk matching speaker:hopper has these words, though {talks} them "
        "(search without the filter)"]  # fmt: skip

def test_words_that_only_a_search_outside_the_scope_finds_are_said_to(index):
    everywhere = index.search("satellite")["total"]
    assert everywhere >= 1 and index.search("in:transcript satellite")["total"] >= 1
    found = index.search("in:notes satellite")
    talks = "1 talk has" if everywhere == 1 else f"{everywhere} talks have"
    assert found["total"] == 0 and found["notices"] == [
        f"no note has these words, though {talks} them elsewhere (search without in:notes)"]
    assert index.search("in:notes zzzqqq")["notices"] == []  # found nowhere: nothing to say


def test_a_negated_filter_leaves_its_talks_out_and_odd_filters_are_said(index):
    every = set(titles(index.search("the", per_page=50)))
    assert "Grace Hopper - Rear Admiral" in every
    assert set(titles(index.search("the -speaker:hopper", per_page=50))) == every - {
        "Grace Hopper - Rear Admiral"}  # fmt: skip
    assert set(titles(index.search("the NOT section:workshops", per_page=50))) == every - {
        "Hands-on caching", "Hallway track"}  # fmt: skip
    odd = index.search("wire after:soon -in:notes")
    assert odd["notices"][:2] == [
        "after:soon left out: not a date (after: takes a year, a month or a day, like 2023-06)",
        "-in:notes left out: a search can be limited to notes or to transcripts, not leave one out",
    ]
    assert titles(odd) == titles(index.search("wire")) and not odd["fallback"]


def test_typos_are_corrected_with_did_you_mean(index):
    result = index.search("compiler nanosecnod")
    assert titles(result) == ["Grace Hopper - Rear Admiral"]
    assert result["suggestion"] == "compiler nanosecond"
    assert index.search("compiler nanosecond")["suggestion"] is None
    assert titles(index.search("mtoh")) == ["Grace Hopper - Rear Admiral"]  # swapped letters


def test_a_correction_that_finds_nothing_is_said_not_offered(index, bundled_data):
    """The closest spelling was searched already: a "did you mean" link to it would find
    nothing again, so the answer says what it tried instead."""
    result = index.search("nanosecnod year:1950")
    assert result["total"] == 0 and result["suggestion"] is None
    assert result["notices"] == [
        "a word is in no talk as typed, and “nanosecond year:1950”, the closest spelling the "
        "talks have, finds nothing either",
        "no talk matches year:1950",
    ]
    assert index.search("nanosecond year:1950")["total"] == 0  # what the notice says
    found = index.search("nanosecnod")
    assert found["suggestion"] == "nanosecond" and not found["notices"]
    # the bundled notes never say "market": its closest word, "make", is no fit either
    unfit = search(bundled_data / "index", "product-market fit")
    assert unfit["total"] == 0 and unfit["suggestion"] is None
    assert "“product-make fit”" in unfit["notices"][0]


def test_a_short_word_is_corrected_only_by_swapping_neighbouring_letters(index):
    """`bgu` is `bug` typed fast; `wau` is not `was`, nor `bog` a `bug`: one other edit
    from a short word lie many words, and a short word the talks lack is more often an
    acronym than a typo."""
    swapped = index.search("bgu")
    assert swapped["suggestion"] == "bug" and titles(swapped) == ["Grace Hopper - Rear Admiral"]
    for typed in ("wau", "bog"):
        result = index.search(typed)
        assert result["total"] == 0 and result["suggestion"] is None, typed


def test_a_word_typed_in_capitals_is_not_corrected_unless_the_whole_query_is(index):
    """`mRNA` or `NANOSECNOD` beside lowercase words is spelt on purpose: an acronym or a
    name, not a typo of a word one edit away. A query typed all in capitals says nothing."""
    deliberate = index.search("compiler NANOSECNOD")
    assert deliberate["suggestion"] is None and deliberate["fallback"]
    shouted = index.search("COMPILER NANOSECNOD")
    assert shouted["suggestion"] == "COMPILER NANOSECOND"
    assert titles(shouted) == ["Grace Hopper - Rear Admiral"]


def test_no_talk_with_every_word_falls_back_to_any_and_says_so(index):
    result = index.search("zeppelins moth")
    assert result["fallback"] is True
    assert titles(result) == ["Grace Hopper - Rear Admiral"]
    assert index.search("moth relay")["fallback"] is False


def test_notes_only_talks_are_found(index):
    result = index.search("stemming finnish")
    assert titles(result)[0] == "Hallway track"
    assert result["results"][0]["talk"]["video_id"] is None
    assert titles(index.search("hiring")) == ["Peter Example"]


def test_facets_and_pagination(index):
    result = index.search("the", per_page=2)
    assert result["total"] >= 3 and len(result["results"]) == 2
    page2 = index.search("the", page=2, per_page=2)
    assert not set(titles(result)) & set(titles(page2))
    facets = index.search("wire OR loops OR coffee")["facets"]
    assert all(entry["value"] for values in facets.values() for entry in values)
    assert {"value": "DevCon 2024", "count": 2} in facets["event"]
    assert {"value": "Example Podcast", "count": 1} in facets["event"]
    assert {"value": "Grace Hopper", "count": 1} in facets["speaker"]
    assert index.search("the", page=999)["results"] == []


def test_hostile_text_is_escaped(tmp_path):
    notes = tmp_path / "src"
    notes.mkdir()
    (notes / "evil.md").write_text(
        "## <img src=x onerror=alert(1)> talk\n\n* <script>alert('x')</script> payload & more\n"
    )
    root = build_data_folder(tmp_path / "data", notes)
    item = search(root / "index", "payload")["results"][0]
    assert item["notes"][0]["text"] == "<script>alert('x')</script> payload & more"
    assert item["notes"][0]["html"] == (
        "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; <mark>payload</mark> &amp; more"
    )
    assert item["talk"]["title"] == "<img src=x onerror=alert(1)> talk"


@pytest.mark.parametrize(
    "query",
    [
        "",
        " ",
        '"',
        '""',
        "(",
        ")",
        "-",
        "*",
        "OR",
        "NOT",
        "AND",
        "a*",
        "**",
        "speaker:",
        "in:",
        "video:../../etc/passwd",
        'speaker:"',
        "x" * 5000,
        "\x00\x01",
        "🙂",
        "((((a OR b",
        "-the",
        "title:(",
        "re:Invent:",
        "%s%s%n",
        "' OR 1=1 --",
        "<script>",
        "z" * 30 + "*",
        " ".join(["w*"] * 40),
        " ".join(f"word{i}~" for i in range(60)),
    ],
)
def test_hostile_queries_never_raise(index, query):
    result = index.search(query)
    assert isinstance(result["results"], list)
    json.dumps(result)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=80), st.integers(min_value=-5, max_value=10**6))
def test_any_query_and_page_give_a_result(index, text, page):
    result = index.search(text, page=page)
    assert result["page"] >= 1
    for item in result["results"]:
        for note in item["notes"]:
            assert "<" not in note["html"].replace("<mark>", "").replace("</mark>", "")


def test_searching_an_empty_notes_folder(tmp_path):
    empty = tmp_path / "src"
    empty.mkdir()
    root = build_data_folder(tmp_path / "data", empty)
    assert search(root / "index", "anything")["total"] == 0


def test_copy_of_fixture_does_not_share_state(fixture_data, tmp_path):
    shutil.copytree(fixture_data, tmp_path / "copy")
    assert titles(search(tmp_path / "copy" / "index", "moth"))


def test_wildcards_and_typos_expand_to_a_bounded_number_of_terms(index):
    from indexer.search.plan import MAX_EXPANSIONS, Planner

    planner = Planner(index.engine)
    texts = set(planner._prefix_stems("a"))
    assert 1 < len(texts) <= MAX_EXPANSIONS
    assert len(planner._suggest("nanosecnod", ("title", "note", "transcript"))) <= 3
    result = index.search(" OR ".join(["a*", "b*", "c*", "d*", "e*", "s*", "t*"] * 40))
    assert result["total"] >= 1


def test_runs_of_three_words_or_more_are_also_searched_in_pairs(index):
    """Each pair of neighbouring words, as corrected, but those of two stop words; worth
    less together than the whole run."""
    from indexer.search.plan import PAIRS_SHARE, Planner

    planner = Planner(index.engine)
    pairs = planner.plan("how to hire a head of product").plan.pairs
    assert [match.terms for match in pairs] == [
        ("to", "hire"), ("hire", "a"), ("a", "head"), ("head", "of"), ("of", "product")]
    assert all(match.phrase for match in pairs)
    assert sum(match.boost for match in pairs) == pytest.approx(PAIRS_SHARE)
    assert PAIRS_SHARE < 1
    corrected = planner.plan("the compiler nanosecnod grace").plan.pairs
    assert [match.terms for match in corrected] == [
        ("the", "compil"), ("compil", "nanosecond"), ("nanosecond", "grace")]
    assert planner.plan("compiler nanosecond").plan.pairs == ()  # the run is its pair
    assert planner.plan('compiler "grace hopper" nanosecond').plan.pairs == ()


@pytest.mark.parametrize(("typed", "marked", "phrases"), [
    ("A.I.", {"ai"}, [("a", "i")]),
    ("U.S.", set(), [("u", "s")]),  # "us" is said everywhere: only the letters together
    ("event-driven", {"eventdriven"}, [("event", "driven")]),
    ("2.5", set(), [("2", "dot5")]),
])  # fmt: skip
def test_a_word_with_parts_marks_its_joined_form_and_its_parts_only_together(
    index, typed, marked, phrases
):
    from indexer.search.plan import Planner

    planned = Planner(index.engine).plan(typed)
    assert (set(planned.highlight), list(planned.phrases)) == (marked, phrases)


def _index_of_one_file(tmp_path, name: str, text: str):
    """The index of a data folder whose notes are one file."""
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / name).write_text(text)
    return build_data_folder(tmp_path / "data", notes) / "index"


def test_a_typo_whose_match_lives_only_inside_a_longer_word_is_suggested(tmp_path):
    index = _index_of_one_file(tmp_path, "chips.md", (
        "# Custom chips\n\n[v](https://youtu.be/ggggggggggg)\n\n"
        "* The new Graviton3E instances for HPC\n* Nitro cards offload networking\n"))
    result = search(index, "gravitn")
    assert result["suggestion"] == "graviton3e"
    assert [r["talk"]["title"] for r in result["results"]] == ["Custom chips"]


def test_searched_words_are_marked_in_the_title_and_speaker_of_a_result(tmp_path):
    index = _index_of_one_file(tmp_path, "talks.md", (
        "## Serverless <b>patterns</b> & costs\n\nSpeaker: Jane Doe\n\n"
        "* cold starts are rarer than people think\n"
        "\n## Cold storage\n\nSpeaker: Jim Dole\n\n* glacier tiers\n"))
    [item] = search(index, "serverless doe")["results"]
    assert item["talk"]["title"] == "Serverless <b>patterns</b> & costs"  # the text stays as is
    assert item["talk"]["title_html"] == (
        "<mark>Serverless</mark> &lt;b&gt;patterns&lt;/b&gt; &amp; costs"
    )
    assert item["talk"]["speaker_html"] == "Jane <mark>Doe</mark>"
    by_note = search(index, "cold")["results"]
    marked = {talk["talk"]["title"]: talk["talk"]["title_html"] for talk in by_note}
    assert marked["Cold storage"] == "<mark>Cold</mark> storage"
    assert marked["Serverless <b>patterns</b> & costs"] == (
        "Serverless &lt;b&gt;patterns&lt;/b&gt; &amp; costs"  # found by a note: nothing to mark
    )


def test_a_talk_found_by_its_record_alone_shows_its_description_marked(tmp_path):
    index = _index_of_one_file(tmp_path, "episode.md", (
        "---\ntitle: Growth loops\nguest: Ada Example\nvideo_id: eeeeeeeeeee\n"
        "description: How loops <b>compound</b> acquisition & keep users.\n---\n\n"
        "- Retention is the loop's engine\n"))
    shown = {query: search(index, query)["results"][0] for query in ("compound", "retention")}
    assert not shown["compound"]["notes"] and not shown["compound"]["moments"]
    assert shown["compound"]["talk"]["description_html"] == (
        "How loops &lt;b&gt;<mark>compound</mark>&lt;/b&gt; acquisition &amp; keep users.")
    assert shown["retention"]["notes"]  # its note says why it is there: no description
    assert shown["retention"]["talk"]["description_html"] == ""


def test_the_first_search_of_an_engine_nobody_warmed_is_whole(fixture_data, monkeypatch):
    """Loading the index is not searching: a library user who opens an engine and searches
    at once gets the whole answer, however long the index takes to load."""
    import time

    import indexer.search
    from indexer.engines.whoosh import WhooshEngine
    from indexer.engines.whoosh.searcher import OpenGeneration

    loading = OpenGeneration._load_table

    def slow_to_load(generation):
        time.sleep(2 * indexer.search.SEARCH_SECONDS)  # a large index on a slow disk
        loading(generation)

    monkeypatch.setattr(OpenGeneration, "_load_table", slow_to_load)
    engine = WhooshEngine(fixture_data / "index")
    try:
        result = indexer.search.search(engine, "moth relay compiler")
    finally:
        engine.close()
    assert result["partial"] is False and result["total"] >= 1
