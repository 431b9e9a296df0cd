"""Note bullets are aligned to the moment they are about, and only when the transcript supports them."""

import random
import shutil
from dataclasses import replace

import pytest

from indexer.core.data_folder import DataFolder
from indexer.core.talks import NoteItem
from indexer.ingest import read_talks, sync_transcripts
from indexer.ingest.align import Alignment, align_notes, stated_start
from indexer.ingest.documents import aligned_notes, content_hash, talk_passages
from tests.conftest import TEST_DATA


def _collection(root):
    folder = DataFolder(root)
    return sync_transcripts(read_talks(folder), folder, None)


@pytest.fixture(scope="module")
def hopper(tmp_path_factory):
    """Grace Hopper's talk from the fixtures, and the collection it was read into."""
    root = tmp_path_factory.mktemp("align")
    shutil.copytree(TEST_DATA / "notes", root / "notes")
    shutil.copytree(TEST_DATA / "transcripts", root / "transcripts")
    collection = _collection(root)
    [talk] = [t for t in collection.talks if t.title.startswith("Grace Hopper")]
    return talk, collection


@pytest.fixture(scope="module")
def hopper_passages(hopper):
    talk, collection = hopper
    return talk_passages(talk, collection)


def test_real_bullets_align_even_in_a_short_talk(hopper_passages):
    real = ["Nanoseconds explained with a length of wire", "Thirty centimetres per nanosecond",
            "Compilers save programmer time"]  # fmt: skip
    assert all(align_notes(real, hopper_passages))


def test_bullets_the_talk_does_not_support_are_not_aligned(hopper_passages):
    unrelated = [
        "Met people working on stemming for Finnish",  # another talk's bullet, everyday words shared
        "People kept working on it for years",
        "The flumbergast principle explained with wire",  # an invented word
        "Quarterly pricing experiments with enterprise customers",
    ]
    assert align_notes(unrelated, hopper_passages) == [None] * len(unrelated)


def test_on_the_podcasts_other_episodes_sentences_are_rarely_aligned(corpus, tmp_path):
    """Sentences quoted from an episode align to it, near their place; the same sentences
    under another episode almost never align."""
    shutil.copytree(corpus / "lenny" / "notes", tmp_path / "notes")
    shutil.copytree(corpus / "lenny" / "transcripts", tmp_path / "transcripts")
    collection = _collection(tmp_path)
    talks = [t for t in collection.talks if t.videos and talk_passages(t, collection)]
    rng = random.Random(5)
    own = near = foreign = 0
    sampled = rng.sample(talks, 80)
    for talk in sampled:
        passages = talk_passages(talk, collection)
        _, passage = passages[rng.randrange(len(passages))]
        said = passage.text.split()
        start = rng.randrange(max(1, len(said) - 10))
        quote = " ".join(said[start : start + 10])
        [mine] = align_notes([quote], passages)
        own += mine is not None
        near += mine is not None and abs(mine.start - passage.start) <= 120
        other = rng.choice([t for t in talks if t is not talk])
        [theirs] = align_notes([quote], talk_passages(other, collection))
        foreign += theirs is not None
    assert near >= 0.75 * len(sampled), (own, near)
    assert foreign <= 0.05 * len(sampled), foreign


@pytest.mark.parametrize(
    ("text", "second"),
    [
        ("12:34 SnapStart announced", 754.0),
        ("1:02:03 - the demo", 3723.0),
        ("[4:05] a bracketed time", 245.0),
        ("(4:05) in parentheses", 245.0),
        ("75:10, well past the hour", 4510.0),
        ("03:15\u2014an em dash", 195.0),
        ("4:05", 245.0),
        ("10:30 am keynote", None),  # times of day
        ("2:30pm sessions", None),
        ("9:00 p.m. party", None),
        ("at 12:34 SnapStart", None),  # only a time the note begins with
        ("12:345 a number", None),
        ("12:34:56:78", None),
        ("12:60 not a time", None),
        ("re:Invent", None),
    ],
)
def test_a_note_beginning_with_a_time_states_its_second(text, second):
    assert stated_start(text) == second


def test_a_stated_time_wins_over_the_words_within_the_transcript(hopper):
    talk, collection = hopper
    passages = talk_passages(talk, collection)
    last = max(passage.end for _, passage in passages)
    notes = (NoteItem("0:20 Nanoseconds explained with a length of wire", 3),
             NoteItem("Nanoseconds explained with a length of wire", 4),
             NoteItem(f"{int(last) // 60 + 2}:00 Nanoseconds explained with a length of wire", 5),
             NoteItem("10:30 am Nanoseconds explained with a length of wire", 6))  # fmt: skip
    found = [alignment for _, alignment in aligned_notes(replace(talk, notes=notes), passages)]
    video = talk.videos[0].video_id
    assert found[0] == Alignment(video, 20.0)
    by_words = found[1]
    assert by_words is not None and by_words.start != 20.0
    assert found[2] == by_words  # past the transcript's end: aligned by its words
    assert found[3] != Alignment(video, 630.0)  # a time of day is not a second of the video


def test_a_stated_time_needs_no_transcript_and_changes_the_talks_hash(hopper):
    talk, collection = hopper
    noted = replace(talk, notes=(NoteItem("2:05 the wire demo", 3),))
    [(_, alignment)] = aligned_notes(noted, [])
    assert alignment == Alignment(talk.videos[0].video_id, 125.0)
    plain = replace(talk, notes=(NoteItem("the wire demo", 3),))
    record: dict = {}
    assert content_hash(record, noted, collection) != content_hash(record, plain, collection)


def test_a_note_linking_its_talks_video_at_a_time_is_about_that_second(hopper):
    """`[the wire](https://youtu.be/ID?t=20)` in a bullet: the link's second of the link's
    video wins over the words and over a time the note begins with; a link past the
    transcript's end, or to a video of no video of the talk, does not."""
    talk, collection = hopper
    passages = talk_passages(talk, collection)
    video = talk.videos[0].video_id
    last = max(passage.end for _, passage in passages)
    second = replace(talk.videos[0], video_id="zzzzzzzzzzz")
    both = replace(talk, videos=(*talk.videos, second))
    wire = "Nanoseconds explained with a length of wire"
    notes = (NoteItem(wire, 3, 0, video, 20.0),
             NoteItem(f"0:40 {wire}", 4, 0, video, 20.0),
             NoteItem(wire, 5, 0, video, last + 60),
             NoteItem(wire, 6, 0, "yyyyyyyyyyy", 20.0),
             NoteItem("the wire demo", 7, 0, "zzzzzzzzzzz", 95.0))  # fmt: skip
    found = [alignment for _, alignment in aligned_notes(replace(both, notes=notes), passages)]
    by_words = aligned_notes(replace(talk, notes=(NoteItem(wire, 3),)), passages)[0][1]
    assert by_words is not None and by_words.start != 20.0
    assert found == [Alignment(video, 20.0), Alignment(video, 20.0), by_words, by_words,
                     Alignment("zzzzzzzzzzz", 95.0)]  # no transcript of it: the link says so
    record: dict = {}
    plain = replace(talk, notes=(NoteItem(wire, 3),))
    linked = replace(talk, notes=(NoteItem(wire, 3, 0, video, 20.0),))
    assert content_hash(record, plain, collection) != content_hash(record, linked, collection)
