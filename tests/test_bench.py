"""The benchmark keeps running: `bench/run.py --quick` on a small slice (figures not judged)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.queries import CLASSES, typed_phrase
from bench.stages import STAGES, staged_search
from indexer.engines.whoosh import WhooshEngine
from indexer.search import search

ROOT = Path(__file__).resolve().parent.parent


def test_quick_benchmark_on_a_slice_reports_every_figure(corpus, tmp_path):
    out = tmp_path / "figures.json"
    command = [sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--corpus", str(corpus),
               "--talks", "12", "--per-class", "3", "--http-seconds", "1", "--json", str(out)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    figures = json.loads(out.read_text())
    assert figures["talks"] == 12
    assert figures["passages"] > 100 and figures["snippets"] > figures["passages"]
    assert figures["build_s"] > 0 and figures["update_one_s"] > 0 and figures["index_mb"] > 0
    assert figures["queries"] == 3 * len(CLASSES)
    for kind in CLASSES:
        assert figures[f"query_{kind}_p95_ms"] >= figures[f"query_{kind}_p50_ms"] > 0
        assert figures[f"baseline_{kind}_p95_ms"] > 0
        assert 0 <= figures[f"baseline_{kind}_answered"] <= figures[f"query_{kind}_answered"] <= 1
    # words and phrases come from what the talks say: both find every one of them
    for kind in ("one_word", "phrase"):
        assert figures[f"query_{kind}_answered"] == figures[f"baseline_{kind}_answered"] == 1
    assert figures["http_errors_1"] == figures["http_errors_4"] == 0
    assert figures["http_rps_1"] > 0 and figures["http_rps_4"] > 0
    assert figures["server_rss_mb"] > 10
    assert 10 < figures["server_rss_idle_mb"] <= figures["server_rss_mb"] * 1.1
    for stage in STAGES:
        assert all(figures[f"stage_{stage}_{kind}_p95_ms"] > 0 for kind in CLASSES), stage
    assert 0 < figures["relevance_title_mrr"] <= 1
    assert 0 < figures["relevance_surname_precision"] <= 1
    assert "query_p95_ms" in done.stdout and "baseline_query_p95_ms" in done.stdout


@pytest.mark.parametrize(("start", "size", "typed"), [
    (0, 2, "i'm"), (1, 3, "i'm sure we're"), (4, 4, "we're trying to imagine"),
    (9, 2, "that that"), (11, 3, "works at 1,000 volts"), (13, 1, "volts")])  # fmt: skip
def test_a_phrase_query_is_typed_with_whole_contractions(start, size, typed):
    """The benchmark's phrases are cut at words as `[a-z]+` counts them; nobody types
    `re trying to` for "we're trying to", nor `at volts` for "at 1,000 volts"."""
    said = "I\u2019m sure we're trying to imagine it, that that works at 1,000 volts"
    assert typed_phrase(said, start, size) == typed


@pytest.mark.parametrize("text", [
    "nanosecond wire", '"inverted index"', "nanosecnd", "speaker:hopper wire",
    "caching -invalidation", "in:slides wire", "nano*", "", "zzzqx nothing"])  # fmt: skip
def test_a_search_timed_stage_by_stage_answers_what_search_answers(fixture_data, text):
    engine = WhooshEngine(fixture_data / "index")
    try:
        staged, took = staged_search(engine, text)
        answered = search(engine, text, mode="keyword")
        assert staged == answered and (answered["total"] > 0 or text in ("", "zzzqx nothing"))
    finally:
        engine.close()
    assert set(took) == set(STAGES) and all(ms >= 0 for ms in took.values())


def test_both_engines_side_by_side_on_a_scaled_slice(corpus, tmp_path):
    """`--engine both --scale 2`: a local three-node Typesense cluster beside Whoosh."""
    from tests.typesense_servers import require_server

    require_server()
    out = tmp_path / "figures.json"
    command = [sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--corpus", str(corpus),
               "--talks", "8", "--per-class", "2", "--http-seconds", "1", "--engine", "both",
               "--scale", "2", "--json", str(out)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    whoosh, typesense = json.loads(out.read_text())["runs"]
    assert (whoosh["engine"], typesense["engine"]) == ("whoosh", "typesense")
    assert whoosh["talks"] == typesense["talks"] == 16
    assert whoosh["passages"] == typesense["passages"] > 100
    assert typesense["build_s"] > 0 and typesense["update_one_s"] > 0
    assert typesense["http_errors_4"] == 0 and typesense["typesense_rss_mb"] > 10
    for kind in CLASSES:
        assert typesense[f"query_{kind}_p95_ms"] > 0
    header = [line.split() for line in done.stdout.splitlines() if line.startswith("figure")]
    assert ["figure", "whoosh", "typesense"] in header  # the side-by-side table


def test_the_meaning_queries_point_at_real_turns_of_the_podcasts(corpus):
    """bench/meaning_queries.yaml: 40 or more queries, each at the start of a speaker turn."""
    import yaml

    queries = yaml.safe_load((ROOT / "bench" / "meaning_queries.yaml").read_text())
    assert len(queries) >= 40
    for item in queries:
        turns = json.loads((corpus / "lenny" / "transcripts" / f"{item['video']}.json").read_text())
        assert any(int(turn["start"]) == item["at"] for turn in turns), item
        notes = (corpus / "lenny" / "notes" / f"{item['talk']}.md").read_text()
        assert f"video_id: {item['video']}" in notes, item


def test_a_meaning_run_without_a_work_folder_leaves_nothing_behind(tmp_path, monkeypatch):
    """Without --work, the data folder and a Typesense run's cluster nodes (kept beside
    the data folder) are scratch: nothing stays in the temporary folder. The measuring
    itself is replaced here by what it leaves on disk."""
    import tempfile

    import bench.meaning as meaning

    corpus = tmp_path / "corpus"
    (corpus / "lenny" / "transcripts").mkdir(parents=True)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    used: list[Path] = []

    def leaves_folders(corpus: Path, model: str, data: Path, engine_name: str) -> dict:
        data.mkdir(parents=True)
        meaning.cluster_folder(data).mkdir()
        used.append(data)
        return {"engine": engine_name}

    monkeypatch.setattr(meaning, "measure", leaves_folders)
    monkeypatch.setattr(meaning, "table", lambda figures: "")
    assert meaning.main(["--corpus", str(corpus), "--model", "m", "--engine", "typesense"]) == 0
    assert used and used[0].is_relative_to(scratch)
    assert list(scratch.iterdir()) == []


def test_phrases_remembered_from_the_podcasts_are_found_where_they_are_said(lenny_data, corpus):
    """The benchmark's figure for words typed together: each phrase is said in a caption,
    and on the podcasts most find first the moment that says them."""
    from bench.known_items import remembered_phrases
    from bench.relevance import said_together_share
    from indexer.core.analysis import words
    from indexer.core.data_folder import DataFolder
    from indexer.engines import open_engine

    phrases = remembered_phrases(corpus, 20)
    assert phrases == remembered_phrases(corpus, 20) and len(set(phrases)) > 15
    said = {" ".join(words(snippet["text"]))
            for path in (corpus / "lenny" / "transcripts").glob("*.json")
            for snippet in json.loads(path.read_text(encoding="utf-8"))}  # fmt: skip
    for phrase in phrases:
        typed = " ".join(words(phrase))
        assert any(f" {typed} " in f" {text} " for text in said), phrase
    engine = open_engine(DataFolder(lenny_data))
    try:
        assert said_together_share(engine, corpus, 40) > 0.5
    finally:
        engine.close()


def test_runs_remembered_with_a_word_missing_are_found_where_they_are_said(
    lenny_data, corpus, monkeypatch
):
    """The benchmark's figure for longer runs typed with a word missing: each is said in a
    caption without its gap, and on the podcasts most find first the moment that says
    them, which the words typed side by side in pairs do (`Plan.pairs`)."""
    from bench.known_items import slipped_phrases
    from bench.relevance import said_with_a_slip_share
    from indexer.core.data_folder import DataFolder
    from indexer.engines import open_engine
    from indexer.search import plan

    slipped = slipped_phrases(corpus, 20)
    assert slipped == slipped_phrases(corpus, 20) and len(set(slipped)) > 15
    for typed, said in slipped:
        typed_words, said_words = typed.split(), said.split()
        assert len(typed_words) == len(said_words) - 1 and 6 <= len(said_words) <= 8
        assert typed_words[0] == said_words[0] and typed_words[-1] == said_words[-1]
    engine = open_engine(DataFolder(lenny_data))
    try:
        with_pairs = said_with_a_slip_share(engine, corpus, 40)
        monkeypatch.setattr(plan, "PAIRS_SHARE", 0.0)
        without = said_with_a_slip_share(engine, corpus, 40)
        assert with_pairs > 0.6 > without  # 0.85 and 0.35 when written
    finally:
        engine.close()
