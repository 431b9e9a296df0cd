"""`talkseek` and the web app on Typesense, chosen by the data folder's talkseek.toml: the
same commands, pages and JSON as on Whoosh, and clear errors when the cluster is away."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from indexer.cli import main
from tests.conftest import TEST_DATA, build_data_folder
from webapp import create_app


@pytest.fixture(scope="module")
def typesense_data(tmp_path_factory, typesense_node):
    root = tmp_path_factory.mktemp("typesense-app")
    for part in ("notes", "transcripts"):
        shutil.copytree(TEST_DATA / part, root / part)
    typesense_node.settings_file(root)
    result = CliRunner().invoke(main, ["index", "--offline", "--data", str(root)])
    assert result.exit_code == 0, result.output
    assert "index full build: 6 talks added" in result.output
    return root


@pytest.fixture(scope="module")
def whoosh_data(tmp_path_factory):
    return build_data_folder(tmp_path_factory.mktemp("whoosh-app"), TEST_DATA / "notes",
                             TEST_DATA / "transcripts")  # fmt: skip


def cli(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def comparable(result: dict) -> dict:
    """A search's JSON without what differs by design (scores, order beyond the first)."""
    return {
        "total": result["total"],
        "first": result["results"][0]["talk"] if result["results"] else None,
        "talks": sorted(item["talk"]["id"] for item in result["results"]),
        "keys": sorted(result),
        "facets": result["facets"],
        "suggestion": result["suggestion"],
    }


@pytest.mark.parametrize("query", ["moth relay", "speaker:hopper", "compilres", "nanosec*",
                                   '"and then it was"', "the -moth"])  # fmt: skip
def test_the_cli_answers_the_same_json_on_both_engines(typesense_data, whoosh_data, query):
    on_typesense = json.loads(cli("search", "--json", "--data", str(typesense_data), query))
    on_whoosh = json.loads(cli("search", "--json", "--data", str(whoosh_data), query))
    assert comparable(on_typesense) == comparable(on_whoosh)


def test_an_update_a_check_and_the_status_on_typesense(typesense_data, whoosh_data):
    output = cli("index", "--offline", "--data", str(typesense_data))
    assert "index update: 0 talks added, 0 updated, 0 removed, 6 unchanged" in output
    assert "index and caches intact (typesense" in cli("check", "--data", str(typesense_data))
    index = json.loads(cli("status", "--json", "--data", str(typesense_data)))["index"]
    assert index["engine"] == "typesense" and index["generation"] and not index["problem"]
    assert "index: typesense, " in cli("status", "--data", str(typesense_data))
    assert json.loads(cli("status", "--json", "--data", str(whoosh_data)))["index"]["engine"] == (
        "whoosh")


def test_pages_and_api_on_typesense(typesense_data):
    app = create_app({"DATA_DIR": typesense_data, "TESTING": True})
    client = app.test_client()
    health = client.get("/healthz").get_json()
    assert health["engine"] == "typesense" and health["talks"] == 6
    page = client.get("/search?q=moth+relay")
    assert page.status_code == 200 and "Grace Hopper" in page.get_data(as_text=True)
    found = client.get("/api/search?q=moth").get_json()
    [hopper] = found["results"]
    assert hopper["moments"]
    talk = client.get(f"/talk/{hopper['talk']['id']}")
    assert talk.status_code == 200 and "moth" in talk.get_data(as_text=True)
    assert client.get("/api/talks").get_json()["total"] == 6
    assert client.get("/talks").status_code == 200


def test_an_unreachable_cluster_is_a_clear_503_and_a_clear_cli_error(tmp_path, monkeypatch):
    shutil.copytree(TEST_DATA / "notes", tmp_path / "notes")
    (tmp_path / "talkseek.toml").write_text(
        'engine = "typesense"\n[typesense]\nnodes = ["http://127.0.0.1:9"]\ntimeout_seconds = 0.5\n',
        encoding="utf-8")  # fmt: skip
    monkeypatch.setenv("TALKSEEK_TYPESENSE_API_KEY", "a-key-never-shown")
    app = create_app({"DATA_DIR": tmp_path, "TESTING": True})
    response = app.test_client().get("/api/search?q=moth")
    assert response.status_code == 503
    message = response.get_json()["error"]["message"]
    assert "127.0.0.1:9" in message and "a-key-never-shown" not in message
    result = CliRunner().invoke(main, ["search", "--data", str(tmp_path), "moth"])
    assert result.exit_code == 1
    assert "cannot be reached" in result.output and "a-key-never-shown" not in result.output
    status = json.loads(cli("status", "--json", "--data", str(tmp_path)))["index"]
    assert status["generation"] is None and "cannot be reached" in status["problem"]


def test_a_wrong_api_key_is_named_as_such_and_never_shown(typesense_data, monkeypatch):
    monkeypatch.setenv("TALKSEEK_TYPESENSE_API_KEY", "wrong-key-xyz")
    result = CliRunner().invoke(main, ["search", "--data", str(typesense_data), "moth"])
    assert result.exit_code == 1
    assert "TALKSEEK_TYPESENSE_API_KEY" in result.output and "wrong-key-xyz" not in result.output


def test_where_typesense_answers_differently_the_result_says_so(typesense_data, whoosh_data):
    query = 'the -"inverted indexes"'
    on_typesense = json.loads(cli("search", "--json", "--data", str(typesense_data), query))
    on_whoosh = json.loads(cli("search", "--json", "--data", str(whoosh_data), query))
    assert on_whoosh["notices"] == []
    [notice] = on_typesense["notices"]
    assert "excluded phrase" in notice
    assert "excluded phrase" in cli("search", "--data", str(typesense_data), query)
    app = create_app({"DATA_DIR": typesense_data, "TESTING": True})
    page = app.test_client().get("/search", query_string={"q": query}).get_data(as_text=True)
    assert "an excluded phrase leaves out" in page


def test_an_index_made_by_another_version_says_so_and_the_next_build_replaces_it(
        tmp_path, typesense_node, monkeypatch):  # fmt: skip
    """A collection whose terms another analyzer made is never searched with this one's."""
    import indexer.engines.typesense.build as build

    for part in ("notes", "transcripts"):
        shutil.copytree(TEST_DATA / part, tmp_path / part)
    typesense_node.settings_file(tmp_path)
    with monkeypatch.context() as older:  # a build by a talkseek whose analyzer came before
        older.setattr(build, "ANALYZER_VERSION", build.ANALYZER_VERSION - 1)
        cli("index", "--offline", "--data", str(tmp_path))
    result = CliRunner().invoke(main, ["search", "--data", str(tmp_path), "moth"])
    assert result.exit_code == 1
    assert "made by another version of talkseek: run `talkseek index" in result.output
    status = json.loads(cli("status", "--json", "--data", str(tmp_path)))["index"]
    assert status["generation"] is None and "another version" in status["problem"]
    assert "full build: 6 talks added" in cli("index", "--offline", "--data", str(tmp_path))
    assert "Grace Hopper" in cli("search", "--data", str(tmp_path), "moth")
