"""Every engine, through the Engine protocol alone: build, update, plans, talks, stats.

These tests name no engine's internals, so each new engine runs them as they are.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from indexer.core.analysis import phrase_parts, terms
from indexer.core.data_folder import DataFolder
from indexer.engines import ENGINES, open_engine
from indexer.engines.protocol import (
    SPELLING_FIELDS,
    Budget,
    Engine,
    Filter,
    IndexMissing,
    Match,
    Plan,
)
from indexer.engines.records import facet_value
from indexer.engines.vocabulary import record_vocabulary
from indexer.ingest import ingest
from tests.conftest import TEST_DATA


def word(text: str) -> tuple[Match, ...]:
    return (Match(tuple(terms(text))),)


def phrase(text: str) -> tuple[Match, ...]:
    return (Match(tuple(phrase_parts(text)[1]), phrase=True),)


@pytest.fixture(params=ENGINES)
def engine_name(request) -> str:
    return request.param


@pytest.fixture()
def folder(tmp_path, engine_name, request) -> DataFolder:
    for part in ("notes", "transcripts"):
        shutil.copytree(TEST_DATA / part, tmp_path / part)
    if engine_name == "typesense":  # a collection prefix of its own on the session's server
        request.getfixturevalue("typesense_node").settings_file(tmp_path)
    return DataFolder(tmp_path)


@pytest.fixture()
def engine(folder, engine_name) -> Iterator[Engine]:
    engine = open_engine(folder, engine_name)
    engine.build(ingest(folder), full=True)
    yield engine
    engine.close()


def titles(engine: Engine, plan: Plan) -> list[str]:
    return [talk.record["title"] for talk in engine.search(plan, 0, 50).talks]


def test_an_engine_without_an_index_says_so(folder, engine_name):
    engine = open_engine(folder, engine_name)
    try:
        assert isinstance(engine, Engine)
        assert engine.latest_generation() is None
        with pytest.raises(IndexMissing):
            engine.search(Plan(groups=(word("moth"),)), 0, 10)
    finally:
        engine.close()


def test_a_build_publishes_a_generation_with_every_talk(engine, engine_name):
    stats = engine.stats()
    assert stats.engine == engine_name
    assert stats.generation == engine.generation() == engine.latest_generation()
    assert stats.talks == len(engine.talk_ids()) == 6
    assert stats.documents > stats.passages > stats.talks


def test_words_phrases_and_exclusions(engine):
    assert titles(engine, Plan(groups=(word("moth"),))) == ["Grace Hopper - Rear Admiral"]
    assert titles(engine, Plan(groups=(phrase("and then it was"),))) == [
        "Grace Hopper - Rear Admiral"
    ]
    assert titles(engine, Plan(groups=(phrase("and it then was"),))) == []
    either = Plan(groups=(word("compiler") + word("stemmer"),))
    assert len(titles(engine, either)) == 2
    without = Plan(groups=either.groups, excluded=(word("finnish"),))
    assert titles(engine, without) == ["Grace Hopper - Rear Admiral"]


def test_filters_and_scopes(engine):
    hopper = Filter("speaker", "hopper", Match(("hopper",)))
    assert titles(engine, Plan(groups=(word("wire"),), filters=(hopper,))) == [
        "Grace Hopper - Rear Admiral"
    ]
    nobody = Filter("speaker", "nobody", Match(("nobodi",)))
    assert titles(engine, Plan(groups=(word("wire"),), filters=(nobody,))) == []
    video = Filter("video", "bbbbbbbbbbb")
    assert titles(engine, Plan(filters=(video,))) == ["Closing keynote: the future of search"]
    notes_only = engine.search(Plan(groups=(word("wire"),), fields=("note",)), 0, 10)
    assert notes_only.talks and all(not talk.moments for talk in notes_only.talks)
    spoken = engine.search(Plan(groups=(word("wire"),), fields=("transcript",)), 0, 10)
    assert spoken.talks and all(not talk.notes for talk in spoken.talks)


def test_a_filter_naming_its_talks_keeps_those_whatever_its_match_says(engine):
    """Planning may know a filter's talks better than its terms (a first name as written):
    the engine keeps exactly them, or every other talk when negated."""
    from dataclasses import replace

    everyone = set(titles(engine, Plan(groups=(word("the"),))))
    speakers = engine.vocabulary("speaker")
    [hopper_talk] = speakers.holders("hopper") or ()
    named = Filter("speaker", "hopper", Match(("nobodi",)), talks=frozenset({hopper_talk}))
    assert titles(engine, Plan(groups=(word("the"),), filters=(named,))) == [
        "Grace Hopper - Rear Admiral"]  # fmt: skip
    left = titles(engine, Plan(groups=(word("the"),), filters=(replace(named, negate=True),)))
    assert set(left) == everyone - {"Grace Hopper - Rear Admiral"}
    none = Filter("speaker", "hopper", Match(("hopper",)), talks=frozenset())
    assert titles(engine, Plan(groups=(word("the"),), filters=(none,))) == []


def test_the_words_of_records_name_the_talks_holding_them(engine):
    """A name field's words (`NAME_FIELDS`) name the talks holding each as written;
    transcripts' words have no such list."""
    talk_ids = set(engine.talk_ids())
    vocabulary = engine.vocabulary("speaker")
    assert vocabulary.words
    for word, frequency in zip(vocabulary.words, vocabulary.frequencies, strict=True):
        holders = vocabulary.holders(word)
        assert holders is not None and len(holders) == frequency and holders <= talk_ids
    assert vocabulary.holders("nobody") == frozenset()
    assert engine.vocabulary("transcript").holders("moth") is None


def test_a_negated_filter_leaves_out_the_talks_it_holds(engine):
    from dataclasses import replace

    hopper = Filter("speaker", "hopper", Match(("hopper",)))
    year = Filter("year", "2023")
    everyone = set(titles(engine, Plan(groups=(word("the"),))))
    for condition in (hopper, year, Filter("video", "bbbbbbbbbbb")):
        holding = set(titles(engine, Plan(groups=(word("the"),), filters=(condition,))))
        assert holding and holding < everyone
        left = titles(engine, Plan(groups=(word("the"),), filters=(replace(condition, negate=True),)))
        assert set(left) == everyone - holding, condition
    all_talks = set(titles(engine, Plan(filters=(replace(hopper, negate=True), hopper))))
    assert all_talks == set()  # a filter and its negation: nothing
    alone = titles(engine, Plan(filters=(replace(hopper, negate=True),)))
    assert len(alone) == len(engine.talk_ids()) - 1  # no words: every talk but Hopper's


def test_a_year_given_twice_keeps_either_while_other_filters_narrow_each_other(engine):
    """A talk has one year: `year:2023 year:2024` means either. Other filters given twice
    narrow, as a facet clicked under a broader filter does; date bounds and negated
    filters each apply."""
    def kept(*filters: Filter) -> set[str]:
        return set(titles(engine, Plan(filters=filters)))

    in_2023, in_2024 = kept(Filter("year", "2023")), kept(Filter("year", "2024"))
    assert in_2023 and in_2024 and not in_2023 & in_2024
    assert kept(Filter("year", "2023"), Filter("year", "2024")) == in_2023 | in_2024
    hopper = Filter("speaker", "hopper", Match(("hopper",)))
    assert kept(Filter("year", "2023"), Filter("year", "2024"), hopper) == kept(hopper)
    devcon = Filter("event", "devcon", Match(("devcon",)))
    keynotes = Filter("section", "keynotes", Match(("keynot",)))
    workshops = Filter("section", "workshops", Match(("workshop",)))
    assert kept(devcon, keynotes) == kept(keynotes) < kept(devcon)
    assert kept(keynotes, workshops) == set()
    bounds = kept(Filter("after", "2023"), Filter("after", "2024"))
    assert bounds == kept(Filter("after", "2024")) == in_2024
    neither = kept(Filter("year", "2023", negate=True), Filter("year", "2024", negate=True))
    everyone = kept(Filter("year", "1900", negate=True))
    assert neither == everyone - in_2023 - in_2024 and neither


def test_talks_come_with_notes_and_moments_in_time_order(engine):
    found = engine.search(Plan(groups=(word("moth"), word("relay"))), 0, 10)
    assert found.total == 1 and not found.fallback
    [talk] = found.talks
    assert talk.score > 0 and talk.moments
    for moment in talk.moments:
        starts = [passage.start for passage in moment]
        assert starts == sorted(starts)
        assert all(passage.end >= passage.start for passage in moment)
        assert all(passage.video_id for passage in moment)


def test_no_talk_with_every_group_falls_back_to_any(engine):
    found = engine.search(Plan(groups=(word("zeppelin"), word("moth"))), 0, 10)
    assert found.fallback and found.total >= 1


def test_pages_slice_one_ranking(engine):
    everything = Plan(groups=(word("the"),))
    whole = [talk.talk_id for talk in engine.search(everything, 0, 50).talks]
    assert len(whole) >= 3
    pages = [talk.talk_id for first in range(0, len(whole), 2)
             for talk in engine.search(everything, first, first + 2).talks]  # fmt: skip
    assert pages == whole
    assert engine.search(everything, 0, 2).total == len(whole)


def test_facets_count_every_matching_talk(engine):
    found = engine.search(Plan(groups=(word("the"),)), 0, 1)
    sections = {facet.value: facet.count for facet in found.facets["section"]}
    assert sum(sections.values()) <= found.total
    assert all(count >= 1 for count in sections.values())


def test_facet_values_as_common_as_each_other_come_as_their_results_do(folder, engine_name):
    """A tie (every speaker of the results with one talk, say) shows the values of the
    first results first, not the alphabet's; the overview of every talk stays alphabetical."""
    (folder.root / "notes" / "ties.md").write_text(
        "## Lanterns at the zebra crossing\n\nSpeaker: Zed Zulu\n\n* lanterns, lanterns\n\n"
        "## Aardvark habits\n\nSpeaker: Amy Able\n\n* a lantern\n", encoding="utf-8")
    engine = open_engine(folder, engine_name)
    engine.build(ingest(folder), full=True)
    try:
        for query in ("lanterns", "the", "loops"):
            found = engine.search(Plan(groups=(word(query),)), 0, 1000)
            assert len(found.talks) == found.total
            for name, values in found.facets.items():
                place: dict[str, int] = {}
                for rank, talk in enumerate(found.talks):
                    place.setdefault(facet_value(talk.record, name), rank)
                shown = [(value.count, place[value.value]) for value in values]
                assert shown == sorted(shown, key=lambda pair: (-pair[0], pair[1])), query
        found = engine.search(Plan(groups=(word("lanterns"),)), 0, 10)
        assert [value.value for value in found.facets["speaker"]] == ["Zed Zulu", "Amy Able"]
        for values in engine.overview().values():
            assert [(-v.count, v.value) for v in values] == sorted(
                (-v.count, v.value) for v in values)
    finally:
        engine.close()


def test_one_talk_whole_in_reading_order(engine):
    [talk_id] = [talk.talk_id for talk in engine.search(Plan(groups=(word("moth"),)), 0, 1).talks]
    content = engine.talk(talk_id)
    assert content is not None and content.record["id"] == talk_id
    starts = [passage.start for passage in content.passages]
    assert starts == sorted(starts) and content.passages
    # each passage knows its place: moments join neighbours without their shared words
    assert [passage.number for passage in content.passages] == list(range(len(starts)))
    assert [note.line for note in content.notes] == sorted(note.line for note in content.notes)
    assert engine.talk("no-such-talk") is None
    placed = {passage.start: passage.number for passage in content.passages}
    for talk in engine.search(Plan(groups=(word("moth"),)), 0, 1).talks:
        for moment in talk.moments:
            assert [placed[passage.start] for passage in moment] == [
                passage.number for passage in moment]


def test_vocabulary_and_document_frequencies(engine):
    assert engine.document_frequency("transcript", "moth") >= 1
    assert engine.document_frequency("transcript", "zzzzqq") == 0
    vocabulary = engine.vocabulary("transcript")
    assert vocabulary.frequency("moth") >= 1
    assert "moth" in vocabulary.within("mtoh", 2)
    notes = engine.vocabulary("note")  # words as written, for suggestions people can read
    assert notes.frequency("explained") and notes.frequency("nanoseconds")
    assert not notes.frequency("explain")
    speakers = engine.vocabulary("speaker")  # names, for the typos people make most
    assert speakers.frequency("hopper") == 1 and "hopper" in speakers.within("hoppre", 2)
    # a name's words side by side, one edit from either: the other first letter too
    assert speakers.near("kopper", 1) == ["hopper"]
    assert speakers.names_near("grace", "kopper") == [("grace", "hopper")]
    assert speakers.names_near("grase", "hopper") == [("grace", "hopper")]
    assert speakers.names_near("grace", "hopper") == []  # the name as written
    assert speakers.names_near("hopper", "grace") == []  # not in the name's order


def test_an_update_writes_only_what_changed_and_a_new_generation_is_published(engine, folder):
    before = engine.latest_generation()
    report = engine.build(ingest(folder))
    assert not report.full and report.unchanged == 6 and report.documents == 0
    notes = next(Path(folder.notes).rglob("*.md"))
    notes.write_text(notes.read_text() + "\n\n# A new talk\n\n* zeppelinology explained\n")
    report = engine.build(ingest(folder))
    assert report.added == 1 and report.unchanged == 6
    assert engine.latest_generation() != before
    fresh = open_engine(folder, engine.name)
    try:
        assert titles(fresh, Plan(groups=(word("zeppelinology"),))) == ["A new talk"]
    finally:
        fresh.close()


def test_a_spent_budget_answers_with_what_was_searched_and_says_so(engine):
    whole = engine.search(Plan(groups=(word("moth"), word("relay"))), 0, 10, Budget(60))
    assert not whole.partial and whole.total == 1
    spent = Budget(0)
    cut = engine.search(Plan(groups=(word("moth"), word("zeppelinology"))), 0, 10, spent)
    assert cut.partial and spent.exceeded
    assert [t.record["title"] for t in cut.talks] == ["Grace Hopper - Rear Admiral"]


def test_searches_in_many_threads_at_once_answer_as_one_at_a_time(engine):
    plans = [Plan(groups=(word(text),)) for text in ("moth", "the", "compiler", "wire", "search")]
    plans += [Plan(groups=(phrase("and then it was"),)), Plan(groups=(word("the"), word("a")))]

    def shape(matches):
        return [(t.talk_id, round(t.score, 9), t.notes, t.moments) for t in matches.talks]

    alone = [shape(engine.search(plan, 0, 10)) for plan in plans]
    with ThreadPoolExecutor(8) as pool:
        together = list(pool.map(lambda n: shape(engine.search(plans[n % len(plans)], 0, 10)),
                                 range(20 * len(plans))))  # fmt: skip
    assert together == [alone[n % len(plans)] for n in range(20 * len(plans))]


def test_date_filters_sorting_by_date_and_a_year_facet(engine):
    from indexer.core.dates import talk_date

    def dated(plan):
        return [(t.record["title"], talk_date(t.record)) for t in engine.search(plan, 0, 50).talks]

    assert dated(Plan(filters=(Filter("year", "2023"),))) == [
        ("Growth loops, explained | Ada Example", "2023-04-21")
    ]
    after = [d for _, d in dated(Plan(filters=(Filter("after", "2024"),)))]
    assert after and set(after) == {"2024"}
    assert dated(Plan(filters=(Filter("before", "2023-05"),))) == [
        ("Growth loops, explained | Ada Example", "2023-04-21")
    ]
    newest = [d for _, d in dated(Plan(groups=(word("the"),), sort="date"))]
    known = [d for d in newest if d is not None]
    assert known == sorted(known, reverse=True) and len(known) >= 2
    assert newest[len(known):] == [None] * (len(newest) - len(known))  # undated last
    years = {f.value: f.count for f in engine.search(Plan(groups=(word("the"),)), 0, 1).facets["year"]}
    assert years.get("2024", 0) >= 1 and years.get("2023", 0) >= 1


def test_an_update_leaves_the_vocabulary_a_full_build_would_make(engine, folder):
    """Typo and prefix words after an update, against a full build of the same notes."""
    notes = folder.notes / "devcon-2024.md"
    notes.write_text(notes.read_text().replace("Compilers save programmer time",
                                               "Interpreters cost programmer patience"))  # fmt: skip
    (folder.notes / "episode-ada.md").unlink()

    def vocabularies() -> dict:
        fresh = open_engine(folder, engine.name)
        try:
            return {field: dict(zip(fresh.vocabulary(field).words,
                                    fresh.vocabulary(field).frequencies.tolist(), strict=True))
                    for field in SPELLING_FIELDS}  # fmt: skip
        finally:
            fresh.close()

    assert not engine.build(ingest(folder)).full
    updated = vocabularies()
    assert "interpreters" in updated["note"] and "compilers" not in updated["note"]
    engine.build(ingest(folder), full=True)
    assert updated == vocabularies()


def test_a_name_fields_pairs_leave_out_joining_words_numbers_and_initials():
    records = [{"id": "a", "speaker": "Bill and Melinda Gates"},
               {"id": "b", "speaker": "Marty Cagan 2.0"},
               {"id": "c", "speaker": "Mark Z. Jacobson"}]  # fmt: skip
    speakers = record_vocabulary(records, "speaker")
    assert speakers.names_near("melinda", "gatez") == [("melinda", "gates")]
    assert speakers.names_near("bill", "ant") == []  # "and" joins two names
    assert speakers.names_near("cagan", "2.1") == []
    assert speakers.names_near("z", "jacobsen") == []
    assert record_vocabulary(records, "title").names_near("bill", "ant") == []
