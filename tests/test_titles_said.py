"""A talk whose transcript says none of its title's words is reported: a wrong link, most
likely. What was found is remembered until the title or the transcript changes."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from indexer.cli import main
from indexer.core.data_folder import DataFolder
from indexer.core.talks import Talk, VideoRef
from indexer.engines import open_engine
from indexer.ingest import ingest
from indexer.ingest import titles_said as titles
from indexer.ingest.checks import cache_problems
from indexer.ingest.passage_cache import PassagesByVideo
from indexer.ingest.passages import Passage
from indexer.ingest.titles_said import FILE_NAME, says_any, title_words, unsaid_titles
from indexer.search import search
from indexer.search.library import TITLE_UNSAID
from tests.conftest import write_talks
from webapp import create_app
from webapp.engine_cache import close_engine

NOTES = """# Talks

## Why we sleep

[Video](https://youtu.be/SSSSSSSSSSS)

## The octopus mind

[Video](https://youtu.be/OOOOOOOOOOO)

## Keynote

[Video](https://youtu.be/KKKKKKKKKKK)
"""
SAID = {
    "SSSSSSSSSSS": ["Tonight I want to talk about sleeping well.", "Rest is the brain's work."],
    # the octopus talk links a video about bridges: its notes have the wrong id
    "OOOOOOOOOOO": ["Bridges carry loads across rivers.", "Steel cables hold the deck."],
    "KKKKKKKKKKK": ["Welcome, everyone, and thank you for coming."],
}


def _write(root: Path, notes: str = NOTES) -> DataFolder:
    return write_talks(root, notes, SAID, every=5.0)


def _unsaid(folder: DataFolder) -> list[str]:
    return [str(warning) for warning in ingest(folder).warnings if "title" in warning.message]


@pytest.mark.parametrize(("title", "checked"), [
    ("Why do we sleep?", {"sleep": "sleep"}),
    ("How to be happy", {"happy": "happ"}),  # stem `happi`: "happy" begins with `happ`
    ("Grit's power", {"grit": "grit", "power": "power"}),
    ("AWS re:Invent 2023 keynote", {"aws": "aws", "invent": "invent"}),
    ("Opening keynote, day 2", {}),  # what kind of recording, not what it says
    ("Untitled talk (notes TBD)", {}),  # no title yet
    ("如何学习 Python", {"python": "python"}),  # words of scripts without spaces are not
    ("Café résumé", {"cafe": "cafe", "resume": "resum"}),  # found by their beginnings
])  # fmt: skip
def test_a_titles_checked_words_leave_out_stop_words_numbers_and_kinds(title, checked):
    assert title_words(title) == checked


def test_a_hostile_titles_words_checked_are_bounded():
    title = " ".join(f"word{chr(97 + a)}{chr(97 + b)}" for a in range(26) for b in range(26))
    assert list(title_words(title)) == title.split()[: titles.MOST_WORDS]


@pytest.mark.parametrize(("text", "said"), [
    ("we were sleeping badly", True),
    ("Sleep matters", True),
    ("she fell asleep", False),  # a word beginning like it, not holding it
    ("nothing about rest", False),
])  # fmt: skip
def test_a_word_is_said_when_a_word_begins_like_it(text, said):
    assert says_any([Passage(0.0, 5.0, text)], ["sleep"]) is said


def test_a_talk_whose_transcript_says_none_of_its_titles_words_is_reported(tmp_path):
    assert _unsaid(_write(tmp_path)) == [
        "talks.md:7: the transcript of video OOOOOOOOOOO says none of the title's words "
        "(octopus, mind): is the link to the right video?"
    ]


def test_the_index_summary_counts_the_talks_whose_transcripts_miss_their_title(tmp_path):
    _write(tmp_path)
    result = CliRunner().invoke(main, ["index", "--offline", "--data", str(tmp_path)])
    assert ("passages; 1 warnings, 1 of them talks whose transcript says none of their "
            "title's words\n") in result.stdout  # fmt: skip
    assert "talks.md:7: the transcript of video OOOOOOOOOOO says none" in result.stderr


def test_what_was_found_is_remembered_until_the_title_or_transcript_changes(
    tmp_path, monkeypatch
):
    folder = _write(tmp_path)
    first = _unsaid(folder)
    assert (folder.index / "passages" / FILE_NAME).is_file()
    checked: list[str] = []
    says = titles.says_any
    monkeypatch.setattr(titles, "says_any", lambda passages, beginnings: (
        checked.append(" ".join(sorted(beginnings))) or says(passages, beginnings)))
    assert _unsaid(folder) == first and checked == []
    _write(tmp_path, NOTES.replace("The octopus mind", "Bridges of steel"))
    assert _unsaid(folder) == [] and checked == ["bridg steel"]
    (tmp_path / "transcripts" / "SSSSSSSSSSS.json").write_text(json.dumps(
        [{"text": "Rest is the brain's work.", "start": 0.0, "duration": 5.0}]))
    assert _unsaid(folder) == [
        "talks.md:3: the transcript of video SSSSSSSSSSS says none of the title's words "
        "(sleep): is the link to the right video?"
    ]
    assert checked[1:] == ["sleep"]


def test_a_damaged_record_of_the_checks_is_reported_and_checked_again(tmp_path):
    folder = _write(tmp_path)
    first = _unsaid(folder)
    assert cache_problems(folder) == []
    (folder.index / "passages" / FILE_NAME).write_text('{"code": "x", "talks": []}')
    assert cache_problems(folder) == [f"index/passages/{FILE_NAME}: not a list of talks"]
    assert _unsaid(folder) == first
    assert cache_problems(folder) == []


def _indexed_with(request, root: Path, engine_name: str) -> list[dict]:
    """`talkseek index` on `root` for that engine; every talk's result summary."""
    if engine_name == "typesense":
        request.getfixturevalue("typesense_node").settings_file(root)
    assert CliRunner().invoke(main, ["index", "--offline", "--data", str(root)]).exit_code == 0
    engine = open_engine(DataFolder(root), engine_name)
    try:
        found = search(engine, "steel OR sleeping OR bridges", mode="keyword")["results"]
        return [item["talk"] for item in found]
    finally:
        engine.close()


@pytest.mark.parametrize("engine_name", ["whoosh", "typesense"])
def test_results_and_pages_say_a_talk_may_link_another_video_until_it_is_fixed(
    request, tmp_path, engine_name
):
    """The flag lives in the talk's record: fixing the notes rewrites the talk without it."""
    root = tmp_path / "data"
    root.mkdir()
    _write(root)
    flagged = {talk["title"]: talk["title_unsaid"]
               for talk in _indexed_with(request, root, engine_name)}  # fmt: skip
    assert flagged == {"The octopus mind": True, "Why we sleep": False}
    app = create_app({"DATA_DIR": root, "TESTING": True})
    try:
        client = app.test_client()
        results = client.get("/search?q=steel+OR+sleeping").get_data(as_text=True)
        assert results.count("Its transcript says none of the words of its") == 1
        [octopus] = client.get("/api/search?q=octopus").get_json()["results"]
        page = client.get(f"/talk/{octopus['talk']['id']}").get_data(as_text=True)
        assert "The transcript says none of the words of this talk" in page
        assert "<code>talks.md:7</code>" in page
        listed = client.get("/api/talks").get_json()
        assert listed["facets"]["problem"] == [{"value": TITLE_UNSAID, "count": 1}]
        flagged_only = client.get("/api/talks", query_string={"problem": TITLE_UNSAID})
        assert [talk["title"] for talk in flagged_only.get_json()["talks"]] == [
            "The octopus mind"]  # fmt: skip
        library = client.get("/talks").get_data(as_text=True)
        assert "Needs attention" in library and TITLE_UNSAID in library
    finally:
        close_engine(app)
    _write(root, NOTES.replace("The octopus mind", "Bridges of steel"))
    flagged = {talk["title"]: talk["title_unsaid"]
               for talk in _indexed_with(request, root, engine_name)}  # fmt: skip
    assert flagged == {"Bridges of steel": False, "Why we sleep": False}


def test_a_transcript_in_another_language_is_not_checked(tmp_path):
    """A German transcript need not say an English title's words."""
    talk = Talk(id="octopus", title="The octopus mind", source="talks.md", line=7,
                videos=(VideoRef("OOOOOOOOOOO", "youtube", "https://youtu.be/OOOOOOOOOOO"),))
    passages = PassagesByVideo()
    passages["OOOOOOOOOOO"] = [Passage(0.0, 5.0, "Der Krake denkt mit den Armen.")]
    found = unsaid_titles([talk], passages, {}, tmp_path, {"OOOOOOOOOOO": "de"})
    assert found == {}
    for language in ("en", "en-GB", ""):
        found = unsaid_titles([talk], passages, {}, tmp_path, {"OOOOOOOOOOO": language})
        assert list(found) == ["octopus"], language
