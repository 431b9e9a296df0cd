"""Passages said in many talks (sponsor reads): found by their sentences, kept up to date."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from indexer.cli import main
from indexer.core.data_folder import DataFolder
from indexer.ingest import ingest
from indexer.ingest.passages import Passage
from indexer.ingest.repeats import MIN_TRANSCRIPTS, passage_keys, repeated_passages, sentence_keys

READ = ("This episode is brought to you by Quillbase, the vector store for small teams. "
        "Quillbase keeps every embedding you make close at hand.")  # fmt: skip


def _cut(*texts: str) -> list[Passage]:
    return [Passage(30.0 * number, 30.0 * (number + 1), text) for number, text in enumerate(texts)]


def test_a_sentence_is_keyed_by_its_words_whatever_their_case_and_punctuation():
    assert sentence_keys("Quillbase keeps every embedding you make, close at hand!") == \
        sentence_keys("quillbase keeps every embedding you make close at hand.")
    assert sentence_keys("Thank you so much.") == []  # too short to tell
    assert len(sentence_keys(READ)) == 2


def test_passages_mostly_said_in_many_transcripts_are_repeated():
    talks = {f"v{number}": passage_keys(_cut(f"Episode {number} is about garden number "
                                              f"{number} and its {number} hedges.", READ))
             for number in range(MIN_TRANSCRIPTS)}  # fmt: skip
    digests = {video_id: video_id for video_id in talks}
    assert repeated_passages(talks, digests) == {video_id: frozenset({1}) for video_id in talks}
    # one transcript fewer: the read is not said in enough of them
    fewer = dict(list(talks.items())[: MIN_TRANSCRIPTS - 1])
    assert repeated_passages(fewer, digests) == {}


def test_no_passages_or_no_sentences_mark_nothing():
    assert repeated_passages({}, {}) == {}
    assert repeated_passages({"v": [], "w": [[]]}, {"v": "v", "w": "w"}) == {}


def test_a_transcript_saved_twice_counts_once():
    talks = {f"v{number}": passage_keys(_cut(READ)) for number in range(MIN_TRANSCRIPTS)}
    copies = {video_id: "same" for video_id in talks}  # one transcript under every video
    assert repeated_passages(talks, copies) == {}


def test_a_passage_is_weighed_by_its_words():
    """A long sentence of its own outweighs a shorter repeated one."""
    short_read = "This episode is brought to you by Quillbase today."
    talks = {f"v{number}": passage_keys(_cut(
        f"{short_read} Then we walked the whole length of canal number {number} from the "
        "mill to the harbour and counted every lock gate we passed on the way."))
        for number in range(MIN_TRANSCRIPTS + 1)}  # fmt: skip
    assert repeated_passages(talks, {video_id: video_id for video_id in talks}) == {}


def _episode(root: Path, video_id: str, title: str, said: str) -> None:
    (root / "notes" / f"{video_id}.md").write_text(
        f"# {title}\n\n[Video](https://youtu.be/{video_id})\n", encoding="utf-8")
    snippets = [{"text": said, "start": 0.0, "duration": 30.0},
                {"text": READ, "start": 30.0, "duration": 30.0}]  # fmt: skip
    (root / "transcripts" / f"{video_id}.json").write_text(json.dumps(snippets), "utf-8")


def _episodes_indexed(root: Path, count: int) -> None:
    """`count` episodes saying the same read, each with a sentence of its own, indexed."""
    (root / "notes").mkdir()
    (root / "transcripts").mkdir()
    for number in range(count):
        _episode(root, f"EPISODE000{number}", f"Episode {number}",
                 f"We talked about hedges number {number} at length today.")
    _index(root)


def _index(root: Path) -> str:
    result = CliRunner().invoke(main, ["index", "--offline", "--data", str(root)])
    assert result.exit_code == 0, result.output
    return result.output


def test_an_update_adding_the_transcript_that_makes_a_passage_repeated_rewrites_the_others(
    tmp_path,
):
    """Two episodes say the read: not yet repeated. A third makes it so, in all three:
    the update rewrites the two earlier talks, reading their sentence keys from the
    passage cache; then what was found is remembered for updates that change no
    transcript."""
    _episodes_indexed(tmp_path, MIN_TRANSCRIPTS - 1)
    assert ingest(DataFolder(tmp_path)).repeated == {}
    _episode(tmp_path, "EPISODE0009", "Episode 9", "Nothing but orchards in this one today.")
    output = _index(tmp_path)
    assert "1 talks added, 2 updated" in output
    assert "passages (3 said in many talks, as sponsor reads are);" in output
    collection = ingest(DataFolder(tmp_path))
    assert collection.repeated == {video_id: frozenset({1}) for video_id in collection.videos}
    cached = tmp_path / "index" / "passages"
    for video_id in collection.videos:  # each entry keeps its passages' sentence keys
        entry = json.loads((cached / f"{video_id}.json").read_text(encoding="utf-8"))
        assert len(entry["sentences"]) == len(entry["passages"]) == 2
    remembered = json.loads((cached / "repeated.json").read_text(encoding="utf-8"))
    assert remembered["videos"] == {video_id: [1] for video_id in collection.videos}
    found = CliRunner().invoke(main, ["search", "--data", str(tmp_path), "quillbase"])
    assert found.output.count("(said in many talks)") == 3, found.output


def _plain_repeated(keys, digests):
    """The plain version of `repeated_passages`, passage by passage, for the oracle."""
    from collections import Counter

    saying: Counter[int] = Counter()
    for passages in {digests[v]: keys[v] for v in reversed(list(keys))}.values():
        saying.update({key for passage in passages for key in passage})

    def words(key: int) -> int:
        return key & 0xFF

    found = {}
    for video_id, passages in keys.items():
        mostly = {n for n, passage in enumerate(passages) if passage and 2 * sum(
            words(k) for k in passage if saying[k] >= MIN_TRANSCRIPTS) >= sum(map(words, passage))}
        edges = {n for n, passage in enumerate(passages) if {n - 1, n + 1} & mostly
                 and any(saying[k] >= MIN_TRANSCRIPTS for k in passage)}  # fmt: skip
        if mostly:
            found[video_id] = frozenset(mostly | edges)
    return found


def test_the_array_version_marks_what_the_plain_version_marks():
    import random

    rng = random.Random(7)
    pool = [f"Shared sentence number {n} is said in several of these talks." for n in range(12)]
    keys, digests = {}, {}
    for number in range(40):
        texts = []
        for _ in range(rng.randrange(0, 12)):
            sentences = [rng.choice(pool) if rng.random() < 0.3 else
                         f"Talk {number} says its own thing {rng.random()} here and now."
                         for _ in range(rng.randrange(0, 5))]  # fmt: skip
            texts.append(" ".join(sentences))
        keys[f"v{number}"] = passage_keys(_cut(*texts))
        digests[f"v{number}"] = f"d{number % 30}"  # some transcripts saved twice
    expected = _plain_repeated(keys, digests)
    assert expected  # the case is not empty
    assert repeated_passages(keys, digests) == expected


def test_what_was_found_is_remembered_and_found_again_without_it(tmp_path):
    """An update that changed no transcript reads the remembered marks, not the entries;
    without them (or stale), the marks are found again from the passages."""
    _episodes_indexed(tmp_path, MIN_TRANSCRIPTS)
    cached = tmp_path / "index" / "passages"
    for entry_file in cached.glob("EPISODE*.json"):  # the entries' keys gone
        entry = json.loads(entry_file.read_text(encoding="utf-8"))
        del entry["sentences"]
        entry_file.write_text(json.dumps(entry), encoding="utf-8")
    expected = {f"EPISODE000{number}": frozenset({1}) for number in range(MIN_TRANSCRIPTS)}
    assert ingest(DataFolder(tmp_path)).repeated == expected  # remembered
    remembered = json.loads((cached / "repeated.json").read_text(encoding="utf-8"))
    (cached / "repeated.json").write_text(json.dumps({**remembered, "digests": "stale"}))
    assert ingest(DataFolder(tmp_path)).repeated == expected  # found again from passages


def test_talkseek_check_reads_the_remembered_marks_as_the_cache_they_are(tmp_path):
    _episodes_indexed(tmp_path, MIN_TRANSCRIPTS)
    remembered = tmp_path / "index" / "passages" / "repeated.json"
    assert remembered.is_file()
    checked = CliRunner().invoke(main, ["check", "--data", str(tmp_path)])
    assert checked.exit_code == 0, checked.output
    remembered.write_text("{broken", encoding="utf-8")
    checked = CliRunner().invoke(main, ["check", "--data", str(tmp_path)])
    assert checked.exit_code != 0
    assert "index/passages/repeated.json: unreadable" in checked.output
