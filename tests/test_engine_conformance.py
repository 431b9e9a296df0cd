"""One query suite against both engines, through the whole search path: the same talks for
filters, scopes and exclusions, and the same first talk for known items.

Ranking differs by design (BM25F and best minutes against Typesense's text match), so
only the first talk of a known-item query is compared; which talks match is compared for
every query. The agreement is printed.
"""

from __future__ import annotations

import shutil

import pytest

from indexer.core.data_folder import DataFolder
from indexer.core.settings import load_settings
from indexer.engines import open_engine
from indexer.ingest import ingest
from indexer.search import MAX_PER_PAGE, search
from tests.conftest import TEST_DATA

# Every syntax class on the fixtures: (class, query).
FIXTURE_SUITE = [
    ("words", "moth relay"),
    ("words", "compilers"),
    ("fallback", "moth zeppelin"),
    ("phrase", '"and then it was"'),
    ("phrase", '"inverted indexes"'),
    ("or", "compiler OR stemmer"),
    ("exclusion", "compiler OR stemmer -finnish"),
    ("exclusion", "the NOT moth"),
    ("exclusion", 'the -"inverted indexes"'),
    ("prefix", "nanosec*"),
    ("prefix", "comp*"),
    ("typo", "compilres"),
    ("filter", "speaker:hopper wire"),
    ("filter", "speaker:nobody wire"),
    ("filter", "section:keynotes"),
    ("filter", "event:devcon the"),
    ("filter", "title:closing"),
    ("filter", "video:bbbbbbbbbbb"),
    ("filter", "the -speaker:hopper"),
    ("filter", "-section:keynotes"),
    ("scope", "in:notes wire"),
    ("scope", "in:transcript wire"),
    ("date", "year:2023"),
    ("date", "after:2024 the"),
    ("date", "before:2023-05"),
    ("date", "the -year:2023"),
    ("date", "year:2023 year:2024"),
    ("filter", "section:keynotes event:devcon"),
]


def talks(result: dict) -> list[str]:
    return [item["talk"]["id"] for item in result["results"]]


def every_talk(engine, query: str) -> tuple[dict, list[str]]:
    """The first page of a search, and the ids of every talk it matched (all pages)."""
    first = search(engine, query, page=1, per_page=MAX_PER_PAGE)
    ids = talks(first)
    for page in range(2, -(-first["total"] // MAX_PER_PAGE) + 1):
        ids += talks(search(engine, query, page=page, per_page=MAX_PER_PAGE))
    return first, ids


def compare(engines: dict, suite: list[tuple[str, str]]) -> dict:
    """Per query: whether both engines matched the same talks, and the same first talk."""
    report = {}
    for kind, query in suite:
        (whoosh, whoosh_ids), (typesense, typesense_ids) = (
            every_talk(engines[name], query) for name in ("whoosh", "typesense"))
        report[query] = {
            "class": kind,
            "same_talks": set(whoosh_ids) == set(typesense_ids)
            and whoosh["total"] == typesense["total"] == len(whoosh_ids),
            "same_first": whoosh_ids[:1] == typesense_ids[:1],
            "fallback": (whoosh["fallback"], typesense["fallback"]),
            "totals": (whoosh["total"], typesense["total"]),
        }
    return report


def print_agreement(capsys, title: str, report: dict) -> None:
    same = sum(r["same_talks"] for r in report.values())
    first = sum(r["same_first"] for r in report.values())
    with capsys.disabled():
        print(f"\n  {title}: same talks {same}/{len(report)}, same first talk {first}/{len(report)}")
        for query, row in report.items():
            if not (row["same_talks"] and row["same_first"]):
                print(f"    differs: {query!r} {row}")


@pytest.fixture(scope="module")
def both_on_fixtures(tmp_path_factory, typesense_node):
    engines = {}
    for name in ("whoosh", "typesense"):
        root = tmp_path_factory.mktemp(f"conformance-{name}")
        for part in ("notes", "transcripts"):
            shutil.copytree(TEST_DATA / part, root / part)
        if name == "typesense":
            typesense_node.settings_file(root)
        folder = DataFolder(root)
        engine = open_engine(folder, name)
        engine.build(ingest(folder), full=True)
        engines[name] = engine
    yield engines
    for engine in engines.values():
        engine.close()


def test_both_engines_find_the_same_talks_for_every_syntax_class(both_on_fixtures, capsys):
    report = compare(both_on_fixtures, FIXTURE_SUITE)
    print_agreement(capsys, "fixtures", report)
    known = {"words", "phrase", "filter", "scope", "date", "typo", "prefix"}
    for query, row in report.items():
        assert row["same_talks"], (query, row)
        assert row["fallback"][0] == row["fallback"][1], (query, row)
        if row["class"] in known:
            assert row["same_first"], (query, row)


# The podcasts: known items (the episode that must come first) and filters and exclusions.
PODCAST_KNOWN_ITEMS = [
    "crazy big goals canva",
    '"add a zero"',
    "airbnb add zero imagine bigger",
    '"hire slower"',
    "first-principles thinking steve jobs",
    "speaker:duke pre-mortem",
    "speaker:perkins canva investors",
    "in:transcript hiring slope intercept",
    "title:Shreyas",
    "melanie perkins canva",
]
PODCAST_SETS = [
    ("filter", "speaker:duke"),
    ("filter", "year:2023 pricing"),
    ("filter", "after:2024-06 onboarding"),
    ("filter", "title:growth"),
    ("exclusion", "pricing -enterprise"),
    ("exclusion", "onboarding NOT activation"),
    ("scope", "in:notes retention"),
    ("words", "pricing experiments"),
    ("phrase", '"product market fit"'),
]


@pytest.fixture(scope="module")
def both_on_podcasts(lenny_data, tmp_path_factory, typesense_node):
    whoosh = open_engine(DataFolder(lenny_data), "whoosh")
    root = tmp_path_factory.mktemp("podcasts-typesense")
    for part in ("notes", "transcripts"):
        shutil.copytree(lenny_data / part, root / part)
    shutil.copytree(lenny_data / "index" / "passages", root / "index" / "passages")
    typesense_node.settings_file(root)
    folder = DataFolder(root)
    typesense = open_engine(folder, "typesense", load_settings(root))
    typesense.build(ingest(folder), full=True)
    yield {"whoosh": whoosh, "typesense": typesense}
    whoosh.close()
    typesense.close()


def test_on_the_podcasts_filters_and_exclusions_agree_and_known_items_come_first(
    both_on_podcasts, capsys
):
    sets = compare(both_on_podcasts, PODCAST_SETS)
    known = compare(both_on_podcasts, [("known", q) for q in PODCAST_KNOWN_ITEMS])
    print_agreement(capsys, "podcasts, which talks", sets)
    print_agreement(capsys, "podcasts, known items", known)
    for query, row in sets.items():
        assert row["same_talks"], (query, row)
    assert sum(row["same_first"] for row in known.values()) >= 0.8 * len(known)


ONE_CLAUSE = ["pricing", '"product market fit"', "speaker:duke decision", "retention -churn",
              "in:notes growth", "year:2023 onboarding", "zzzzqqq"]  # fmt: skip


def test_one_word_in_one_request_answers_as_the_general_way(both_on_podcasts, monkeypatch):
    """The one-request path for a single word or phrase, against the general path."""
    from indexer.engines.typesense.queries import Searcher

    engine = both_on_podcasts["typesense"]
    for query in ONE_CLAUSE:
        monkeypatch.setattr(Searcher, "one_request", True)
        fast = search(engine, query, per_page=20)
        monkeypatch.setattr(Searcher, "one_request", False)
        plain = search(engine, query, per_page=20)
        assert fast == plain, query
