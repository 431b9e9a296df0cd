"""Meaning search end to end on the test notes: `talkseek index --model` embeds every
document, searches find an idea without its words, exact syntax keeps constraining, and
an update embeds only what changed. Without a model, indexing goes on by keywords."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from indexer.cli import main
from indexer.core.embedder import Embedder, load_embedder
from indexer.engines.records import vector_text
from indexer.engines.whoosh import WhooshEngine
from tests.conftest import TEST_DATA, copy_model
from tests.test_webapp import app_client

#: Grace Hopper's moth in the relay (the transcript says moth, relay, computer, bug).
IDEA = "an insect jammed the hardware"
MOTH_AT = 105.8
GRACE = "devcon-2024-grace-hopper-rear-admiral"
CLOSING = "devcon-2024-closing-keynote-the-future-of-search"


def run(*args: str, env: dict | None = None):
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def search_json(data: Path, query: str, *options: str) -> dict:
    result = run("search", "--data", str(data), "--json", *options, query)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _data(root: Path) -> Path:
    for part in ("notes", "transcripts"):
        shutil.copytree(TEST_DATA / part, root / part)
    return root


@pytest.fixture(scope="module", params=["whoosh", "typesense"])
def meaning_data(request, model_path, tmp_path_factory) -> Path:
    """The test notes indexed with the model, on each engine."""
    data = _data(tmp_path_factory.mktemp(f"meaning-{request.param}"))
    if request.param == "typesense":
        request.getfixturevalue("typesense_node").settings_file(data)
    result = run("index", "--offline", "--data", str(data), "--model", str(model_path))
    assert result.exit_code == 0, result.output
    assert f"meaning search: on ({model_path};" in result.stdout
    return data


@pytest.fixture(scope="module")
def whoosh_meaning_data(model_path, tmp_path_factory) -> Path:
    data = _data(tmp_path_factory.mktemp("meaning-whoosh"))
    result = run("index", "--offline", "--data", str(data), "--model", str(model_path))
    assert result.exit_code == 0, result.output
    return data


def test_every_document_gets_the_vector_of_its_text(whoosh_meaning_data, embedder):
    engine = WhooshEngine(whoosh_meaning_data / "index")
    opened = engine.opened()
    vectors = opened.vectors()
    assert vectors is not None and engine.meaning() is not None
    assert engine.meaning().key == embedder.key
    reader = opened.reader
    assert sum(len(part) for part in vectors.parts) == reader.doc_count_all()
    rows = np.concatenate([np.asarray(part) for part in vectors.parts])
    texts = [vector_text(reader.stored_fields(n)) for n in range(reader.doc_count_all())]
    fresh = embedder.embed(texts)
    # the same texts embedded again (in other batches: int8 activations vary a little)
    assert (np.sum(rows * fresh, axis=1) > 0.98).all()
    engine.close()


def test_an_idea_without_its_words_is_found_by_meaning_and_marked_so(meaning_data):
    keyword = search_json(meaning_data, IDEA, "--mode", "keyword")
    assert keyword["mode"] == "keyword" and keyword["total"] == 0
    for mode in ("meaning", "hybrid"):
        found = search_json(meaning_data, IDEA, "--mode", mode)
        assert found["mode"] == mode
        first = found["results"][0]
        assert first["talk"]["id"] == GRACE, mode
        moment = first["moments"][0]
        assert abs(moment["start"] - MOTH_AT) <= 30, moment
        assert moment["found_by"] == "meaning" and "<mark>" not in moment["html"]
    text = run("search", "--data", str(meaning_data), IDEA).stdout
    assert "(similar in meaning)" in text


def test_keywords_that_identify_a_moment_still_win_in_hybrid(meaning_data):
    for query in ("moth relay logbook", "thirty centimetres", "inverted indexes"):
        keyword = search_json(meaning_data, query, "--mode", "keyword")
        hybrid = search_json(meaning_data, query)
        assert hybrid["mode"] == "hybrid"
        assert hybrid["results"][0]["talk"]["id"] == keyword["results"][0]["talk"]["id"]
        assert hybrid["results"][0]["moments"][0]["start"] == (
            keyword["results"][0]["moments"][0]["start"])  # fmt: skip
        assert hybrid["results"][0]["moments"][0]["found_by"] in ("keyword", "both")


def test_phrases_exclusions_and_filters_constrain_meaning_results(meaning_data):
    ranking = "how computers find and order information"
    unconstrained = search_json(meaning_data, ranking, "--mode", "meaning")
    assert len(unconstrained["results"]) > 1
    with_phrase = search_json(meaning_data, f'"inverted index" {ranking}', "--mode", "meaning")
    assert {r["talk"]["id"] for r in with_phrase["results"]} == {CLOSING}
    without = search_json(meaning_data, f"{IDEA} -moth", "--mode", "meaning")
    moments = [m for r in without["results"] for m in r["moments"]]
    assert all("moth" not in m["text"].lower() for m in moments)
    filtered = search_json(meaning_data, f"title:closing {ranking}", "--mode", "meaning")
    assert {r["talk"]["id"] for r in filtered["results"]} == {CLOSING}
    # only a phrase, or only a filter: nothing to embed, the answer stays keyword
    assert search_json(meaning_data, '"inverted index"')["mode"] == "keyword"
    asked = search_json(meaning_data, '"inverted index"', "--mode", "meaning")
    assert asked["mode"] == "keyword" and "answered by keywords" in asked["notices"][0]
    assert search_json(meaning_data, "year:2023")["mode"] == "keyword"


def test_status_healthz_and_the_page_say_meaning_search_is_on(meaning_data, model_path):
    status = run("status", "--data", str(meaning_data), "--json")
    assert json.loads(status.stdout)["index"]["meaning"]["model"] == str(model_path)
    with app_client(meaning_data) as client:
        health = client.get("/healthz").get_json()
        assert health["meaning"] is True and health["model"] == str(model_path)
        page = client.get("/search", query_string={"q": IDEA}).get_data(as_text=True)
        assert "similar in meaning" in page and "words and meaning" in page
        keyword_page = client.get("/search", query_string={"q": "moth", "mode": "keyword"})
        assert 'name="mode" value="keyword"' in keyword_page.get_data(as_text=True)
        api = client.get("/api/search", query_string={"q": IDEA, "mode": "meaning"}).get_json()
        assert api["results"][0]["moments"][0]["found_by"] == "meaning"
        assert client.get("/api/search", query_string={"q": "x", "mode": "vibes"}).status_code == 400


def test_an_update_embeds_only_new_texts_and_another_model_embeds_all(
    whoosh_meaning_data, model_path, tmp_path
):
    data = tmp_path / "data"
    shutil.copytree(whoosh_meaning_data, data)
    notes = data / "notes" / "episode-ada.md"
    notes.write_text(notes.read_text(encoding="utf-8") + "- Referral loops compound\n")
    again = run("index", "--offline", "--data", str(data), "--model", str(model_path))
    assert again.exit_code == 0, again.output
    assert "; 1 texts embedded now" in again.stdout
    other = copy_model(model_path, tmp_path / "model")
    config = other / "config.json"  # other files: another key
    config.write_text(config.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    moved = run("index", "--offline", "--data", str(data), "--model", str(other))
    assert moved.exit_code == 0, moved.output
    embedded = int(moved.stdout.split("; ")[-1].split(" texts")[0].split("(")[-1])
    stores = sorted((data / "index" / "vectors").glob("*.sqlite"), key=os.path.getmtime)
    assert len(stores) == 2
    with sqlite3.connect(stores[0]) as first:
        assert embedded == first.execute("SELECT count(*) FROM vectors").fetchone()[0]
    found = search_json(data, IDEA, "--mode", "meaning")
    assert found["results"][0]["talk"]["id"] == GRACE


def test_model_files_given_new_times_keep_their_vectors(model_path, tmp_path):
    """A model folder provisioned again or restored from a backup (the same bytes at new
    times) is the same model: searches stay by meaning, and nothing is embedded again."""
    model = copy_model(model_path, tmp_path / "model")
    data = _data(tmp_path / "data")
    assert run("index", "--offline", "--data", str(data), "--model", str(model)).exit_code == 0
    for part in model.iterdir():
        os.utime(part, (2_000_000_000, 2_000_000_000))
    found = search_json(data, IDEA, "--mode", "meaning")
    assert (found["mode"], found["notices"]) == ("meaning", [])
    assert found["results"][0]["talk"]["id"] == GRACE
    again = run("index", "--offline", "--data", str(data), "--model", str(model))
    assert "; 0 texts embedded now" in again.stdout


@pytest.mark.parametrize("engine", ["whoosh", "typesense"])
def test_an_index_whose_model_key_came_from_file_times_is_kept(
    engine, request, model_path, tmp_path, monkeypatch
):
    """Earlier versions named a model folder's vectors by its model file's size and time.
    Such an index is searched by meaning as it is, and the next update embeds nothing
    and rebuilds nothing: it moves the stored vectors to the key of now."""
    model = copy_model(model_path, tmp_path / "model")
    data = _data(tmp_path / "data")
    if engine == "typesense":
        request.getfixturevalue("typesense_node").settings_file(data)
    with monkeypatch.context() as earlier_version:
        earlier_version.setattr(Embedder, "key", property(lambda self: self.earlier_key))
        made = run("index", "--offline", "--data", str(data), "--model", str(model))
        assert made.exit_code == 0, made.output
    [before] = (data / "index" / "vectors").glob("*.sqlite")
    found = search_json(data, IDEA, "--mode", "meaning")
    assert (found["mode"], found["notices"]) == ("meaning", [])
    again = run("index", "--offline", "--data", str(data), "--model", str(model))
    assert "; 0 texts embedded now" in again.stdout and "rebuilt" not in again.output
    [after] = (data / "index" / "vectors").glob("*.sqlite")
    key = load_embedder(str(model)).key
    assert after.name == f"{key}.sqlite" != before.name
    assert search_json(data, IDEA, "--mode", "meaning")["results"][0]["talk"]["id"] == GRACE


def test_without_a_model_indexing_goes_on_by_keywords_and_says_why_once(tmp_path, monkeypatch):
    monkeypatch.setenv("FASTEMBED_CACHE_PATH", str(tmp_path / "empty-cache"))
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # nothing listens there
    data = _data(tmp_path / "data")
    result = run("index", "--offline", "--data", str(data),
                 "--model", "sentence-transformers/all-MiniLM-L6-v2")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stderr.count("meaning search is off") == 1
    assert "--offline fetches nothing" in result.stderr and "--model" in result.stderr
    assert "meaning search: off" in result.stdout
    assert "meaning search: off" in run("status", "--data", str(data)).stdout
    asked = search_json(data, IDEA, "--mode", "meaning")
    assert asked["mode"] == "keyword" and "no meaning vectors" in asked["notices"][0]
    assert search_json(data, IDEA)["notices"] == []  # hybrid by default: quietly keyword
    with app_client(data) as client:
        assert client.get("/healthz").get_json()["meaning"] is False
        page = client.get("/search", query_string={"q": "moth"}).get_data(as_text=True)
        assert "words and meaning" not in page
    bad = CliRunner().invoke(main, ["search", "--data", str(data), "--mode", "vibes", "x"])
    assert bad.exit_code == 2 and "vibes" in bad.output
