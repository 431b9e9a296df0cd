"""What a talk's own record (title, speaker) weighs against what transcripts say.

Small talks written here: each transcript is long beside its record, as real ones are,
so a field's length is judged against the documents that hold it (a speaker name is
short for a speaker name, not long for an index full of passages).
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from bench.relevance import shared_name_precision
from indexer.cli import main
from indexer.core.data_folder import DataFolder
from indexer.engines import open_engine
from indexer.engines.protocol import Budget, Engine
from indexer.search import SEARCH_SECONDS, plan, search
from indexer.search.plan import Planner
from tests.conftest import build_data_folder
from tests.searching import TalkIndex

FILLER = [
    "river", "market", "window", "engine", "garden", "letter", "station", "winter",
    "copper", "signal", "orchard", "ladder", "meadow", "canvas", "pocket", "lantern",
    "harbor", "tunnel", "basket", "violin", "saddle", "marble", "kettle", "thunder",
    "pillow", "anchor", "candle", "feather", "bridge",
]


def _transcript(said: dict[int, str], seed: int, snippets: int = 400) -> list[dict]:
    """Snippets of filler words every 4 seconds; `said` puts a sentence at a snippet."""
    rng = random.Random(seed)
    return [
        {"text": said.get(number) or " ".join(rng.choices(FILLER, k=9)),
         "start": 4.0 * number, "duration": 4.0}
        for number in range(snippets)
    ]  # fmt: skip


def _notes(*talks: tuple[str, str, str]) -> str:
    """A notes file with a section per (title, speaker, video id)."""
    sections = [f"## {title}\n\nSpeaker: {speaker}\n\n[Video](https://youtu.be/{video_id})\n"
                for title, speaker, video_id in talks]  # fmt: skip
    return "# Talks\n\n" + "\n".join(sections)


NOTES = _notes(
    ("Lighthouses of the north", "Ada Quill", "AAAAAAAAAAA"),
    ("Dredging the shipping lanes", "Ben Marsh", "BBBBBBBBBBB"),
    ("Salt marsh ecology", "Cara Lind", "CCCCCCCCCCC"),
)


def _write_talks(root: Path, notes: str, spoken: dict[str, dict[int, str]]) -> Path:
    """A notes file and, per video, a filler transcript with the sentences `spoken`."""
    (root / "notes").mkdir()
    (root / "notes" / "talks.md").write_text(notes, encoding="utf-8")
    (root / "transcripts").mkdir()
    for seed, (video_id, said) in enumerate(spoken.items()):
        text = json.dumps(_transcript(said, seed))
        (root / "transcripts" / f"{video_id}.json").write_text(text, encoding="utf-8")
    return root


def _indexed(request, root: Path, *options: str) -> Engine:
    """`talkseek index` run on `root` for the engine the fixture is parametrized with."""
    if request.param == "typesense":
        request.getfixturevalue("typesense_node").settings_file(root)
    result = CliRunner().invoke(main, ["index", "--offline", "--data", str(root), *options])
    assert result.exit_code == 0, result.output
    return open_engine(DataFolder(root), request.param)


def _engine_of(request, root: Path, notes: str, spoken: dict[str, dict[int, str]]
               ) -> Iterator[Engine]:  # fmt: skip
    """A module fixture's engine: the talks written under `root` and indexed, closed after."""
    engine = _indexed(request, _write_talks(root, notes, spoken))
    yield engine
    engine.close()


def _sources(tmp_path_factory) -> Path:
    """The notes and transcripts of the three talks."""
    spoken = {
        "AAAAAAAAAAA": {},
        # others quote Ada Quill in passing; Ben's talk says "storms" and "flooded" in one
        # minute, Cara's says the whole line at once
        "BBBBBBBBBBB": {40: "as Ada Quill wrote about the lamps", 90: "the storms came in",
                        95: "and the basin flooded twice"},
        "CCCCCCCCCCC": {30: "Ada Quill kept that light",
                        70: "the dredging stopped when storms flooded the marsh"},
    }  # fmt: skip
    return _write_talks(tmp_path_factory.mktemp("relevance-sources"), NOTES, spoken)


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    sources = _sources(tmp_path_factory)
    root = build_data_folder(tmp_path_factory.mktemp("relevance"), sources / "notes",
                             sources / "transcripts")  # fmt: skip
    with TalkIndex(Path(root) / "index") as opened:
        yield opened


@pytest.fixture(scope="module", params=["whoosh", "typesense"])
def meaning_engine(request, tmp_path_factory, model_path):
    """The same talks indexed with the embedding model on each engine: searches are hybrid."""
    engine = _indexed(request, _sources(tmp_path_factory), "--model", str(model_path))
    yield engine
    engine.close()


def _titles(index: TalkIndex, query: str) -> list[str]:
    return [item["talk"]["title"] for item in index.search(query)["results"]]


def test_a_talk_a_later_choice_finds_shows_its_moment_when_meaning_joins(meaning_engine):
    """Hybrid too: the talk saying only "dredging" of `lamps OR dredging` shows where."""
    result = search(meaning_engine, "lamps OR dredging")
    said = {item["talk"]["title"]: " ".join(moment["text"] for moment in item["moments"])
            for item in result["results"]}  # fmt: skip
    assert "the lamps" in said["Dredging the shipping lanes"]
    assert "the dredging stopped" in said["Salt marsh ecology"]


@pytest.mark.parametrize("query", ["quill", "Ada Quill", "speaker:quill"])
def test_a_speakers_name_finds_their_talk_before_talks_quoting_them(index, query):
    assert _titles(index, query)[0] == "Lighthouses of the north"


def test_a_title_finds_its_talk_first(index):
    assert _titles(index, "dredging the shipping lanes")[0] == "Dredging the shipping lanes"


def test_one_title_word_weighs_less_than_the_whole_query_said_in_one_moment(index):
    """Ben's title holds "dredging" and his talk says the other words within a minute;
    Cara says all of them in one line: her moment is what was asked for."""
    result = index.search("dredging storms flooded")
    titles = [item["talk"]["title"] for item in result["results"]]
    assert titles[:2] == ["Salt marsh ecology", "Dredging the shipping lanes"]
    moment = result["results"][0]["moments"][0]
    assert moment["start"] <= 4.0 * 70 < moment["end"]


def test_a_misspelt_speakers_name_is_corrected_to_the_name(index):
    """"Lind" is in no title, note or transcript: only Cara's record names her."""
    result = index.search("cara lnid")
    assert result["suggestion"] == "cara lind"
    assert [item["talk"]["title"] for item in result["results"]][:1] == ["Salt marsh ecology"]


@pytest.mark.parametrize(
    ("typed", "meant", "titles"),
    [
        ("speaker:lnid", "speaker:lind", ["Salt marsh ecology"]),
        ("storms -speaker:lnid", "storms -speaker:lind", ["Dredging the shipping lanes"]),
        ("title:ligthhouses", "title:lighthouses", ["Lighthouses of the north"]),
    ],
)
def test_a_misspelt_speaker_or_title_filter_is_corrected(index, typed, meant, titles):
    result = index.search(typed)
    assert result["suggestion"] == meant
    assert [item["talk"]["title"] for item in result["results"]] == titles


@pytest.mark.parametrize("typed", ["speaker:lind", "speaker:Lind", "speaker:zzyzx"])
def test_a_filter_that_is_right_or_has_nothing_close_is_left_as_typed(index, typed):
    result = index.search(typed)
    assert result["suggestion"] is None
    assert len(result["results"]) == (typed.lower() == "speaker:lind")


@pytest.mark.parametrize(
    ("query", "title"),
    [("quill", "Lighthouses of the north"), ("Ada Quill", "Lighthouses of the north"),
     ("dredging the shipping lanes", "Dredging the shipping lanes"),
     ("salt marsh ecology", "Salt marsh ecology")],
)  # fmt: skip
def test_names_and_titles_still_find_their_talk_first_when_meaning_joins(
    meaning_engine, query, title
):
    """In hybrid search a talk's record holding every word (its title, its speaker) leads
    the keyword side, before passages of other talks that say the words in passing."""
    result = search(meaning_engine, query)
    assert result["mode"] == "hybrid"
    assert [item["talk"]["title"] for item in result["results"]][:1] == [title]


NAMED_NOTES = _notes(
    ("A new way to grow bone", "Molly Stevens", "DDDDDDDDDDD"),
    ("The playful wonderland | Steven Johnson", "Steven Johnson", "EEEEEEEEEEE"),
    ("Going green in the city", "Cara Lind", "FFFFFFFFFFF"),
    ("Is our universe the only one?", "Brian Greene", "GGGGGGGGGGG"),
    ("A warrior's cry against child marriage", "Memory Banda", "HHHHHHHHHHH"),
    ("How memory works", "Dana Holt", "IIIIIIIIIII"),
    ("Growth teams that last", "Adam Fishman", "JJJJJJJJJJJ"),
    ("Product strategy in the age of AI", "Paul Adams", "KKKKKKKKKKK"),
    ("Why evals matter", "Shreya Rao", "SSSSSSSSSSS"),
    ("The art of product management | Shreyas Doshi", "Shreyas Doshi", "TTTTTTTTTTT"),
)


@pytest.fixture(scope="module", params=["whoosh", "typesense"])
def named_engine(request, tmp_path_factory):
    """Speakers whose surnames look like inflected words (Stevens, Greene), beside talks
    whose title holds the stem (a Steven in the title, green), and a speaker named by a
    word the talks say all the time (Memory): on each engine."""
    memory = {number: "our memory of it" for number in range(0, 400, 3)}
    spoken = {"DDDDDDDDDDD": {}, "EEEEEEEEEEE": {20: "Steven here again"},
              "FFFFFFFFFFF": {10: "green roofs and green walls", 50: "a greener city",
                              **{number: "from memory" for number in range(1, 400, 8)}},
              "GGGGGGGGGGG": {}, "HHHHHHHHHHH": {}, "IIIIIIIIIII": memory,
              "JJJJJJJJJJJ": {60: "as Shreya said"},
              "KKKKKKKKKKK": {5: "I'm Paul Adams", 30: "Adams again"},
              # a host says each guest's name all episode long
              "SSSSSSSSSSS": {number: "so Shreya, tell me" for number in range(0, 400, 10)},
              "TTTTTTTTTTT": {number: "Shreyas, thank you" for number in range(0, 400, 10)}}  # fmt: skip
    yield from _engine_of(request, tmp_path_factory.mktemp("names"), NAMED_NOTES, spoken)


@pytest.mark.parametrize(
    ("query", "speaker"),
    [("stevens", "Molly Stevens"), ("Stevens", "Molly Stevens"), ("steven", "Steven Johnson"),
     ("greene", "Brian Greene"), ("molly stevens", "Molly Stevens"),
     ("stevnes", "Molly Stevens"), ("grenee", "Brian Greene")],
)  # fmt: skip
def test_a_surname_finds_its_speaker_first_though_it_stems_like_another_word(
    named_engine, query, speaker
):
    """`stevens` stems to `steven` and `greene` to `green`: a speaker's name is also
    indexed as written, so typing it (or a typo corrected to it) finds the speaker before
    the stem's other bearers."""
    result = search(named_engine, query, mode="keyword")
    assert [item["talk"]["speaker"] for item in result["results"]][:1] == [speaker]


@pytest.mark.parametrize(("query", "speaker"), [("adam", "Adam Fishman"), ("Adam", "Adam Fishman"),
                                              ("adams", "Paul Adams"), ("adma", "Adam Fishman")])
def test_a_first_name_finds_its_speaker_before_a_surname_that_stems_to_it(
    named_engine, query, speaker
):
    """`adams` stems to `adam`, and Paul Adams says his name in his talk: a name's words
    that are their own stem are indexed as written too (marked), so `adam` finds Adam
    Fishman first, and a typo corrected to it too."""
    result = search(named_engine, query, mode="keyword")
    speakers = [item["talk"]["speaker"] for item in result["results"]]
    assert speakers[:1] == [speaker]
    assert sorted(speakers) == ["Adam Fishman", "Paul Adams"]  # the stem still finds both


def test_the_benchmark_counts_shared_names_found_first(named_engine):
    """`bench/relevance.py`'s figure for names other names stem to: here `adam` (Paul
    Adams) and `steven` (Molly Stevens), each finding its own speaker first."""
    assert shared_name_precision(named_engine, mode="keyword") == 1.0


@pytest.mark.parametrize("query", ["stevens", "greene", "green"])
def test_a_name_as_written_still_finds_what_its_stem_finds(named_engine, query):
    """The written form is one more alternative, never a narrower search: `stevens` still
    finds Steven Johnson, and `green` the talk about green cities first."""
    result = search(named_engine, query, mode="keyword")
    speakers = [item["talk"]["speaker"] for item in result["results"]]
    if query == "green":
        assert speakers[0] == "Cara Lind" and "Brian Greene" in speakers
    else:
        assert len(speakers) >= 2


@pytest.mark.parametrize(("query", "speaker"), [("shreya", "Shreya Rao"),
                                              ("shreyas", "Shreyas Doshi")])
def test_a_name_said_in_its_speakers_own_talk_is_still_a_name(named_engine, query, speaker):
    """`shreya` is said in forty passages, all but one in Shreya Rao's own talk, and
    Shreyas stems to it: it names her, so her talk comes first."""
    result = search(named_engine, query, mode="keyword")
    assert [item["talk"]["speaker"] for item in result["results"]][:1] == [speaker]


def test_a_word_said_far_more_often_than_it_names_a_speaker_is_read_as_a_word(named_engine):
    """Memory Banda's talk is not about memory: `memory` is said in dozens of passages
    and names one speaker, so it is not boosted as a name (`NAME_SHARE`)."""
    result = search(named_engine, "memory", mode="keyword")
    assert [item["talk"]["title"] for item in result["results"]][:1] == ["How memory works"]
    assert "Memory Banda" in [item["talk"]["speaker"] for item in result["results"]]


@pytest.mark.parametrize(
    ("query", "speakers"),
    [("speaker:stevens", ["Molly Stevens"]), ("speaker:Stevens", ["Molly Stevens"]),
     ("speaker:greene", ["Brian Greene"]),
     ("bone -speaker:stevens", []),
     # Steven is its own stem, and Stevens stems to it: the Stevens are not Steven
     ("speaker:steven", ["Steven Johnson"]), ("speaker:Steven", ["Steven Johnson"]),
     ("bone -speaker:steven", ["Molly Stevens"]), ("steven -speaker:steven", ["Molly Stevens"]),
     # no speaker is written Green: the stem is all the filter has, and it finds Greene
     ("speaker:green", ["Brian Greene"]),
     ("speaker:adam", ["Adam Fishman"]), ("speaker:adams", ["Paul Adams"])],
)  # fmt: skip
def test_a_speaker_filter_naming_a_surname_keeps_only_that_surname(named_engine, query, speakers):
    """A speaker filter keeps the speakers named by the word as written, on either engine."""
    result = search(named_engine, query, mode="keyword")
    assert sorted(item["talk"]["speaker"] for item in result["results"]) == speakers


def test_a_word_written_far_more_often_in_notes_than_it_names_a_speaker_is_a_word(tmp_path):
    """Notes without transcripts: what the notes and titles write counts as what is said."""
    bullets = "\n".join(f"- memory fact {number}" for number in range(40))
    notes = _notes(("A warrior's cry against child marriage", "Memory Banda", "HHHHHHHHHHH"),
                   ("How memory works", "Dana Holt", "IIIIIIIIIII"))  # fmt: skip
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "talks.md").write_text(notes + "\n" + bullets + "\n", encoding="utf-8")
    with TalkIndex(build_data_folder(tmp_path / "data", tmp_path / "notes") / "index") as index:
        assert _titles(index, "memory")[:1] == ["How memory works"]
        assert _titles(index, "banda") == ["A warrior's cry against child marriage"]


SYMBOL_NOTES = _notes(
    ("Modern C++ at scale", "Ann Lee", "LLLLLLLLLLL"),
    ("Fighting viruses, defending the net", "Mikko Hypponen", "MMMMMMMMMMM"),
    ("Serverless .NET", "Raj Patel", "NNNNNNNNNNN"),
    ("The Airstream, restyled", "Christopher C. Deam", "OOOOOOOOOOO"),
)


@pytest.fixture(scope="module", params=["whoosh", "typesense"])
def symbol_engine(request, tmp_path_factory):
    """Talks about C++, C# and .NET beside a speaker with a middle initial C, a talk about
    the net and one on Amazon.com, a word with a soft hyphen, numbers, and initialisms
    (A.I., AI, the U.S. beside "us"), "she'll" beside a shell: on each engine."""
    spoken = {"LLLLLLLLLLL": {20: "templates in C++ are compiled ahead of time",
                              50: "deployed on Kuber\u00adnetes clusters",
                              100: "a 2.5 million line codebase", 150: "so call 911 first",
                              200: "then the A.I. model wrote a test",
                              250: "she\u2019ll know by Friday"},
              "MMMMMMMMMMM": {30: "a safety net for the whole net",
                              70: "we logged 10,000 hours of flight",
                              110: "sold in the U.S. first", 150: "run the shell script",
                              190: "churn fell to 1.3% a month"},
              "NNNNNNNNNNN": {10: "we moved our C# services to .NET on Lambda",
                              60: "with ASP.NET Core", 100: "our AI tools"},
              "OOOOOOOOOOO": {40: "section C of plan F", 80: "we sold it on Amazon.com",
                              90: "revenue grew to 25 million", 120: "after 9/11 it changed",
                              160: "tell us about it", 190: "about 3% of users"}}  # fmt: skip
    yield from _engine_of(request, tmp_path_factory.mktemp("symbols"), SYMBOL_NOTES, spoken)


@pytest.mark.parametrize(("query", "titles"), [
    ("c++", ["Modern C++ at scale"]), ("C#", ["Serverless .NET"]),
    (".net", ["Serverless .NET"]), ("dotnet", ["Serverless .NET"]),
    ('".net on lambda"', ["Serverless .NET"]),
])  # fmt: skip
def test_symbols_that_make_a_word_another_find_only_that_word(symbol_engine, query, titles):
    """`c#` finds C#, not every talk with a C in it, and `.net` finds .NET, not the net."""
    result = search(symbol_engine, query, mode="keyword")
    assert [item["talk"]["title"] for item in result["results"]] == titles


@pytest.mark.parametrize(("query", "titles", "marked"), [
    ("10000 hours", ["Fighting viruses, defending the net"], "<mark>10,000</mark> <mark>hours</mark>"),
    ("10,000", ["Fighting viruses, defending the net"], "logged <mark>10,000</mark> hours"),
    ("2.5 million", ["Modern C++ at scale"], "a <mark>2.5</mark> <mark>million</mark> line"),
    ("25 million", ["The Airstream, restyled"], "to <mark>25</mark> <mark>million</mark>"),
    ("9/11", ["The Airstream, restyled"], "after <mark>9/11</mark> it"),
    ("911", ["Modern C++ at scale"], "call <mark>911</mark> first"),
    ("3%", ["The Airstream, restyled"], "about <mark>3</mark>% of"),
    ("1.3%", ["Fighting viruses, defending the net"], "to <mark>1.3</mark>% a"),
])  # fmt: skip
def test_numbers_are_found_as_written_and_as_typed(symbol_engine, query, titles, marked):
    """`10,000` is the 10000 people type; `2.5` is not 25, nor `9/11` the number 911; the
    3 of `1.3%` is a fraction, not the number 3."""
    result = search(symbol_engine, query, mode="keyword")
    assert [item["talk"]["title"] for item in result["results"]] == titles
    assert marked in result["results"][0]["moments"][0]["html"]


def test_a_word_without_its_symbols_still_finds_the_plain_word(symbol_engine):
    result = search(symbol_engine, "net", mode="keyword")
    titles = [item["talk"]["title"] for item in result["results"]]
    assert titles[0] == "Fighting viruses, defending the net"
    assert "Modern C++ at scale" not in titles


def test_a_word_with_symbols_is_marked_whole(symbol_engine):
    result = search(symbol_engine, "c++", mode="keyword")
    talk = result["results"][0]
    assert talk["talk"]["title_html"] == "Modern <mark>C++</mark> at scale"
    assert "templates in <mark>C++</mark> are" in talk["moments"][0]["html"]
    assert "<mark>.NET</mark>" in search(symbol_engine, ".net", mode="keyword")[
        "results"][0]["moments"][0]["html"]  # fmt: skip


def test_an_initialism_finds_itself_not_the_word_its_letters_spell(symbol_engine):
    """`A.I.` finds AI as written either way; `U.S.` finds the U.S., not every "us", and
    neither marks each of its letters wherever it stands ("a test")."""
    def found(query: str) -> dict[str, str]:
        return {item["talk"]["title"]: item["moments"][0]["html"]
                for item in search(symbol_engine, query, mode="keyword")["results"]}  # fmt: skip

    initials = found("A.I.")
    assert sorted(initials) == ["Modern C++ at scale", "Serverless .NET"]
    assert "the <mark>A.I</mark>. model wrote a test" in initials["Modern C++ at scale"]
    assert "our <mark>AI</mark> tools" in initials["Serverless .NET"]
    country = found("U.S.")
    assert list(country) == ["Fighting viruses, defending the net"]
    assert "the <mark>U.S</mark>. first" in country["Fighting viruses, defending the net"]


@pytest.mark.parametrize(("query", "title", "marked"), [
    ("shell", "Fighting viruses, defending the net", "the <mark>shell</mark> script"),
    ("she'll", "Modern C++ at scale", "<mark>she\u2019ll</mark> know"),
])  # fmt: skip
def test_a_contraction_and_the_word_it_spells_find_only_themselves(
    symbol_engine, query, title, marked
):
    """Without its apostrophe `she'll` spells "shell": each finds and marks only itself."""
    result = search(symbol_engine, query, mode="keyword")
    assert [item["talk"]["title"] for item in result["results"]] == [title]
    assert marked in result["results"][0]["moments"][0]["html"]

def test_a_word_with_symbols_is_not_corrected_to_the_plain_word(symbol_engine):
    """`f#` is one edit from `f` (plan F), but typed on purpose: nothing holds F#, and the
    results say so rather than answer for `f`."""
    result = search(symbol_engine, "f#", mode="keyword")
    assert (result["total"], result["suggestion"]) == (0, None)


def test_a_word_with_a_soft_hyphen_is_found_and_marked_whole(symbol_engine):
    result = search(symbol_engine, "kubernetes", mode="keyword")
    assert [item["talk"]["title"] for item in result["results"]] == ["Modern C++ at scale"]
    assert "on <mark>Kuber\u00adnetes</mark> clusters" in result["results"][0]["moments"][0]["html"]


TOGETHER_NOTES = _notes(
    ("Workshop notes", "Pia Rowe", "PPPPPPPPPPP"),
    ("Model week", "Quin Tate", "QQQQQQQQQQQ"),
    ("Funding rounds", "Rex Uhl", "RRRRRRRRRRR"),
    ("Broadcast seasons", "Sue Vail", "SSSSSSSSSSS"),
    ("Shipping habits", "Tom Wale", "TTTTTTTTTTT"),
    ("Release trains", "Uma Yost", "UUUUUUUUUUU"),
    ("Glossary", "Vic Zorn", "VVVVVVVVVVV"),
    ("Tooling choices", "Wes Abel", "WWWWWWWWWWW"),
    ("Vendor deals", "Xia Bell", "XXXXXXXXXXX"),
)


@pytest.fixture(scope="module", params=["whoosh", "typesense"])
def together_engine(request, tmp_path_factory):
    """One talk saying "machine" and "learning" often but apart (and once "learning
    machine"), one saying "machine learning" once; one saying "series A" once (then,
    minutes apart, "a series B" and "an A/B test"), one saying "series" often; one saying
    a sentence once, one saying its words often but apart; one saying "define",
    "definitely", "occurred", "100 million" and "a 10,000 dollar pilot"; one saying "build versus buy", "OKRs and
    KPIs" and "one-on-ones", one saying "build" and "buy" often but apart, "VS Code",
    "9-1-1", "$100M" and "10K users": on each engine."""
    spoken = {"PPPPPPPPPPP": {10: "a machine that keeps learning", 11: "learning how it works",
                              60: "the machine and its learning rate", 61: "more learning",
                              120: "each machine needs learning", 200: "a learning machine"},
              "QQQQQQQQQQQ": {50: "the machine first", 52: "learning later",
                              300: "we trained a machine learning model"},
              "RRRRRRRRRRR": {100: "then we raised our series A round",
                              250: "we raised a series B as well",
                              350: "the pricing page ran an A/B test"},
              "SSSSSSSSSSS": {20: "a series of storms", 21: "the series ended",
                              70: "series after series", 71: "the new series began"},
              "TTTTTTTTTTT": {30: "we always ship the smallest thing that works"},
              "UUUUUUUUUUU": {40: "it always works, ship it, ship it again, a thing always "
                                  "works, one thing works always, ship"},
              "VVVVVVVVVVV": {10: "first we define the terms", 50: "it definitely works",
                              90: "the outage occurred twice",
                              380: "we crossed 100 million in ARR this year",
                              395: "we ran a 10,000 dollar pilot"},
              "WWWWWWWWWWW": {10: "we weighed build versus buy for months",
                              200: "we have no OKRs and few KPIs",
                              380: "my weekly one-on-ones with each report",
                              395: "the pilot episode aired"},
              "XXXXXXXXXXX": {20: "we build our own tools", 22: "we buy the rest",
                              80: "build fast", 82: "buy time", 150: "build it",
                              152: "we buy it", 300: "we open VS Code daily",
                              380: "in an emergency dial 9-1-1 first",
                              390: "they closed a $100M fund",
                              396: "we hit 10K users in a week"}}  # fmt: skip
    yield from _engine_of(request, tmp_path_factory.mktemp("together"), TOGETHER_NOTES, spoken)


@pytest.mark.parametrize(("query", "title", "said"), [
    ("machine learning", "Model week", "a machine learning model"),
    ("machne learning", "Model week", "a machine learning model"),
    ("learning machine", "Workshop notes", "a learning machine"),
    ("series a", "Funding rounds", "our series A round"),
    # `vs` between two things is not required (captions say "versus", or nothing)
    ("okrs vs kpis", "Tooling choices", "no OKRs and few KPIs"),
    ("OKRs vs. KPIs", "Tooling choices", "no OKRs and few KPIs"),
    ("build vs buy", "Tooling choices", "build versus buy"),
    ("build versus buy", "Tooling choices", "build versus buy"),
    ('"build vs buy"', "Tooling choices", "build versus buy"),
    # a one-on-one in shorthand is found as said, not as the digits of "9-1-1"
    ("1:1", "Tooling choices", "one-on-ones"),
    ("weekly 1:1s", "Tooling choices", "weekly one-on-ones"),
    # an amount in shorthand is found as said
    ("$100M ARR", "Glossary", "100 million in ARR"),
    ("$10k pilot", "Glossary", "10,000 dollar pilot"),
    ("10,000 users", "Vendor deals", "10K users"),
])  # fmt: skip
def test_words_typed_side_by_side_find_first_where_they_are_said_so(
    together_engine, query, title, said
):
    """Without quotes too: the talk and the moment saying the words together, as typed,
    come before those saying them more often but apart."""
    result = search(together_engine, query, mode="keyword")
    assert not result["fallback"]
    first = result["results"][0]
    assert first["talk"]["title"] == title
    assert said in first["moments"][0]["text"]


def test_a_sentence_remembered_with_a_word_missing_finds_where_it_was_said(
    together_engine, monkeypatch
):
    """The words typed side by side in pairs as said (`Plan.pairs`) find the sentence
    once said before the talk saying its words more often, apart; without pairs, the
    words said apart would come first."""
    remembered = "always ship the thing that works"  # said: "...the smallest thing..."

    def first(result: dict) -> tuple[str, str]:
        talk = result["results"][0]
        return talk["talk"]["title"], talk["moments"][0]["text"]

    title, moment = first(search(together_engine, remembered, mode="keyword"))
    assert title == "Shipping habits"
    assert "we always ship the smallest thing that works" in moment
    monkeypatch.setattr(plan, "PAIRS_SHARE", 0.0)
    assert first(search(together_engine, remembered, mode="keyword"))[0] == "Release trains"


def test_a_moment_saying_few_of_the_words_its_talks_best_moment_says_is_not_shown(
    together_engine
):
    """The engine finds three moments in the talk; the one saying only b ("A/B test") is
    left out, the one saying two of the three words is shown after the one saying all."""
    query = "raised a series b"
    planned = Planner(together_engine).plan(query)
    found = together_engine.search(planned.plan, 0, 10, Budget(SEARCH_SECONDS))
    talk = next(talk for talk in found.talks if talk.record["title"] == "Funding rounds")
    assert any("A/B" in passage.text for moment in talk.moments for passage in moment)
    first = search(together_engine, query, mode="keyword")["results"][0]
    assert first["talk"]["title"] == "Funding rounds"
    said = [moment["text"] for moment in first["moments"]]
    assert len(said) == 2 and "we raised a series B as well" in said[0]
    assert "then we raised our series A round" in said[1]


@pytest.mark.parametrize(("typed", "suggestion", "said"), [
    ("definately", "definitely", "it definitely works"),  # stems as "define": a typo
    ("occured", None, "the outage occurred twice"),  # stems as "occurred": found as typed
])  # fmt: skip
def test_a_word_never_written_as_typed_is_corrected_when_its_stem_is_another_words(
    together_engine, typed, suggestion, said
):
    """`definately` is written nowhere, but its stem is that of "define": the search is
    for its closest word, "definitely", and says so."""
    result = search(together_engine, typed, mode="keyword")
    assert result["suggestion"] == suggestion
    moments = [moment["text"] for item in result["results"] for moment in item["moments"]]
    assert len(moments) == 1 and said in moments[0]


@pytest.mark.parametrize("query", ["kpis OR occurred", '"no okrs" OR "outage occurred"'])
def test_each_talk_a_choice_finds_shows_the_moment_saying_it(together_engine, query):
    """A talk holding only the second choice of `a OR b` shows its moment too."""
    result = search(together_engine, query, mode="keyword")
    said = {item["talk"]["title"]: [moment["text"] for moment in item["moments"]]
            for item in result["results"]}  # fmt: skip
    assert set(said) == {"Tooling choices", "Glossary"}
    assert any("few KPIs" in text for text in said["Tooling choices"])
    assert any("the outage occurred twice" in text for text in said["Glossary"])


def test_vs_leading_a_query_is_a_word_to_find(together_engine):
    result = search(together_engine, "vs code", mode="keyword")
    assert [item["talk"]["title"] for item in result["results"]] == ["Vendor deals"]
    assert "<mark>VS</mark> <mark>Code</mark>" in result["results"][0]["moments"][0]["html"]


MISHEARD_NOTES = _notes(
    ("Empowered product teams", "Marty Cagan", "WWWWWWWWWWW"),
    ("Building marketplaces", "Nora Vale", "XXXXXXXXXXX"),
    ("Rivers at dusk", "David Lang", "YYYYYYYYYYY"),
    ("Road trips", "Eve Stone", "ZZZZZZZZZZZ"),
)


@pytest.fixture(scope="module", params=["whoosh", "typesense"])
def misheard_engine(request, tmp_path_factory):
    """Marty Cagan's talk, and a talk whose captions once write him "Marty Kagan" and
    twice Cagan; David Lang's talk, and a talk saying "David" and "long": on each engine."""
    spoken = {"WWWWWWWWWWW": {30: "empowered teams own the problem"},
              "XXXXXXXXXXX": {40: "as Marty Kagan says about empowered teams",
                              90: "I read Marty Cagan on this", 150: "Cagan again"},
              "YYYYYYYYYYY": {}, "ZZZZZZZZZZZ": {10: "David said it was a long road"}}  # fmt: skip
    yield from _engine_of(request, tmp_path_factory.mktemp("misheard"), MISHEARD_NOTES, spoken)


def test_a_speakers_name_misspelt_as_captions_misspell_it_finds_the_speaker(misheard_engine):
    """`kagan` is in the index (one caption writes it), so no typo correction applies; it
    is one edit from the surname beside the first name typed, and talks say Cagan more
    often: both spellings are searched, the speaker first, and the page says so."""
    result = search(misheard_engine, "marty kagan", mode="keyword")
    assert result["suggestion"] is None
    assert result["notices"] == [
        "Also searching for marty cagan, a speaker's name close to marty kagan."]
    titles = [item["talk"]["title"] for item in result["results"]]
    assert titles == ["Empowered product teams", "Building marketplaces"]
    marked = " ".join(moment["html"] for moment in result["results"][1]["moments"])
    assert "<mark>Kagan</mark>" in marked and "<mark>Cagan</mark>" in marked


@pytest.mark.parametrize("typed", ["marty cagan", "marty", "david long", "kagan"])
def test_a_name_as_written_or_a_word_more_often_said_than_the_name_is_searched_as_typed(
    misheard_engine, typed
):
    """`long` is one edit from Lang but said more often than Lang: David Lang's talk is
    not what `david long` asks for. A word typed alone has no name beside it."""
    result = search(misheard_engine, typed, mode="keyword")
    assert not result["notices"]
    if typed == "david long":
        assert [item["talk"]["title"] for item in result["results"]] == ["Road trips"]


def test_a_speaker_filter_misheard_in_its_first_letter_is_corrected(misheard_engine):
    result = search(misheard_engine, "speaker:kagan", mode="keyword")
    assert result["suggestion"] == "speaker:cagan"
    assert [item["talk"]["title"] for item in result["results"]] == ["Empowered product teams"]


def test_a_talk_sought_as_a_talk_is_found_though_it_never_says_talk(misheard_engine):
    """Neither talk says "talk": `the talk about empowered teams` finds both talks saying
    the words, where requiring "talk" would fall back to talks with any of them."""
    result = search(misheard_engine, "the talk about empowered teams", mode="keyword")
    assert not result["fallback"]
    assert sorted(item["talk"]["title"] for item in result["results"]) == [
        "Building marketplaces", "Empowered product teams"]
    assert result["notices"] == ["“the talk about” left out: every result is a talk (put words "
                                 "in quotes to search for them)"]


REPEATED_NOTES = _notes(
    ("Episode one", "Ann Oak", "EPISODE0001"),
    ("Episode two", "Bo Elm", "EPISODE0002"),
    ("Episode three", "Cy Ash", "EPISODE0003"),
    ("Search at scale", "Di Yew", "SEARCHSCALE"),
)
#: A sponsor read a minute long, the same in every episode.
SPONSOR_READ = {19: "And now a word from our sponsor.",
                **{20 + number: f"Quillbase is the vector store for small teams, and its tip "
                                f"number {number} keeps your embeddings close at hand."
                   for number in range(16)}}  # fmt: skip


@pytest.fixture(scope="module", params=["whoosh", "typesense"])
def repeated_engine(request, tmp_path_factory):
    """Three episodes with the same sponsor read, the first also saying "vector store"
    twice in its own words; a talk saying it twice: on each engine."""
    own = {200: "So we built our own vector store.", 300: "The vector store held up."}
    spoken = {"EPISODE0001": {**SPONSOR_READ, **own}, "EPISODE0002": SPONSOR_READ,
              "EPISODE0003": SPONSOR_READ,
              "SEARCHSCALE": {100: "A vector store keeps the embeddings.",
                              250: "Small teams pick a vector store they can run, and "
                                   "small teams love a vector store."}}  # fmt: skip
    yield from _engine_of(request, tmp_path_factory.mktemp("repeated"), REPEATED_NOTES, spoken)


def test_a_sponsor_read_said_in_many_talks_ranks_after_what_talks_say_themselves(
    repeated_engine
):
    """The read says "vector store" sixteen times in each episode; the talks saying it
    twice in their own words come first, and the first episode's own moment before its
    read. (The passage where the read begins is mostly other words: not repeated.)"""
    result = search(repeated_engine, "vector store", mode="keyword")
    titles = [item["talk"]["title"] for item in result["results"]]
    assert sorted(titles[:2]) == ["Episode one", "Search at scale"]
    assert sorted(titles[2:]) == ["Episode three", "Episode two"]
    first = next(item for item in result["results"] if item["talk"]["title"] == "Episode one")
    assert "Quillbase" not in first["moments"][0]["text"]


def test_a_sponsor_read_typed_word_for_word_is_found_first(repeated_engine):
    """Who types four words or more of a read as it says them is looking for it: the
    read comes before a talk saying those words in its own, in another order."""
    result = search(repeated_engine, "the vector store for small teams", mode="keyword")
    first = result["results"][0]
    assert first["talk"]["title"].startswith("Episode")
    assert "Quillbase is the vector store for small teams" in first["moments"][0]["text"]


def test_a_moment_said_in_many_talks_says_so(repeated_engine):
    result = search(repeated_engine, "quillbase", mode="keyword")
    moments = [moment for item in result["results"] for moment in item["moments"]]
    assert moments and all(moment["repeated"] for moment in moments)
    own = search(repeated_engine, "embeddings keeps", mode="keyword")["results"]
    said = [moment for item in own for moment in item["moments"]
            if item["talk"]["title"] == "Search at scale"]  # fmt: skip
    assert said and not any(moment["repeated"] for moment in said)

