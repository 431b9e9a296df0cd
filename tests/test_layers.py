"""The layers of docs/architecture.md, kept by tests rather than by memory."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from indexer.core.data_folder import DataFolder
from indexer.engines import open_engine
from indexer.ingest import ingest

ROOT = Path(__file__).resolve().parent.parent
INGEST_SIDE = ("indexer.ingest", "markdown_it", "yaml", "youtube_transcript_api", "webvtt", "srt",
               "wordfreq")  # fmt: skip


def test_import_contracts_hold():
    """Interface -> search -> engines -> ingest -> core; whoosh only in its engine; no
    interface code in the library (contracts in pyproject.toml)."""
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint is not None, "import-linter is not installed: pip install -e '.[test]'"
    result = subprocess.run([lint], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.fixture(params=["whoosh", "typesense"])
def served(request, fixture_data, tmp_path) -> tuple[Path, str]:
    """A data folder indexed by each engine, and the library only that engine loads."""
    if request.param == "whoosh":
        return fixture_data, "whoosh"
    from tests.conftest import TEST_DATA

    node = request.getfixturevalue("typesense_node")
    for part in ("notes", "transcripts"):
        shutil.copytree(TEST_DATA / part, tmp_path / part)
    node.settings_file(tmp_path)
    folder = DataFolder(tmp_path)
    engine = open_engine(folder)
    engine.build(ingest(folder), full=True)
    engine.close()
    return tmp_path, "typesense"


def test_a_server_worker_never_loads_the_ingest_side(served):
    """What `talkseek serve` runs in a worker: the CLI's imports, then the app, searches
    and a talk page. Ingest (notes parsing, fetching, captions) stays unloaded."""
    fixture_data, library = served
    code = f"""
import json, sys
from indexer.cli import main  # what the supervising process imported before forking
from webapp import create_app
from webapp.warmup import prepare_worker
app = create_app({{"DATA_DIR": {str(fixture_data)!r}}})
prepare_worker(app)
client = app.test_client()
found = client.get("/api/search?q=moth").get_json()
assert found["total"] >= 1, found
talk = found["results"][0]["talk"]["id"]
assert client.get("/talk/" + talk).status_code == 200
assert client.get("/search?q=nanosec*").status_code == 200
print(json.dumps(sorted(sys.modules)))
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT, check=True)  # fmt: skip
    loaded = json.loads(result.stdout)
    assert library in loaded  # the check would notice a worker that loaded nothing
    assert not [name for name in loaded if name.startswith(INGEST_SIDE)]


def test_the_server_supervisor_loads_no_app_search_or_engine_library(fixture_data):
    """`talkseek serve`'s parent forks the workers: what it loads, each worker holds too."""
    code = f"""
import json, sys
from pathlib import Path
from indexer.cli import main
from indexer.core.data_folder import DataFolder
from indexer.engines import open_engine
from webapp import serving
assert open_engine(DataFolder(Path({str(fixture_data)!r}))).latest_generation()
print(json.dumps(sorted(sys.modules)))
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT, check=True)  # fmt: skip
    loaded = json.loads(result.stdout)
    assert "waitress" in loaded
    heavy = ("flask", "numpy", "nltk", "whoosh", "rapidfuzz", *INGEST_SIDE)
    assert not [name for name in loaded if name.startswith(heavy)]


def _our_imports(module: str) -> set[str]:
    """The indexer modules a module imports when run (not those imported for type checking)."""
    import ast
    from importlib.util import find_spec

    spec = find_spec(module)
    assert spec is not None and spec.origin is not None
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    checking = {id(node) for guard in ast.walk(tree) if isinstance(guard, ast.If)
                and "TYPE_CHECKING" in ast.unparse(guard.test) for node in ast.walk(guard)}
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and id(node) not in checking and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import) and id(node) not in checking:
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.startswith("indexer.")}


@pytest.mark.parametrize("cache", ["indexer.ingest.notes_cache", "indexer.ingest.passage_cache"])
def test_a_cache_fingerprints_all_the_code_that_made_it(cache):
    """A cache is stale when the code that made it changes: every module of ours that code
    imports is part of its fingerprint (the front matter reader was once left out of the
    notes cache's)."""
    import importlib

    modules = set(importlib.import_module(cache).CODE_MODULES)
    imported = set().union(*(_our_imports(module) for module in modules))
    assert imported - {cache} <= modules, imported - {cache} - modules


def test_an_offline_build_never_loads_the_http_stack(tmp_path):
    """`talkseek index --offline` fetches nothing, so it does not pay for importing what
    fetching needs (youtube-transcript-api, requests)."""
    from tests.conftest import TEST_DATA

    for part in ("notes", "transcripts"):
        shutil.copytree(TEST_DATA / part, tmp_path / part)
    code = ("import sys; sys.argv = ['talkseek', 'index', '--offline', '--data', "
            f"{str(tmp_path)!r}]\nfrom indexer.cli import main\ntry:\n    main()\n"
            "except SystemExit:\n    pass\n"
            "print(sorted({'requests', 'youtube_transcript_api'} & set(sys.modules)))")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert "index full build" in done.stdout
    assert done.stdout.strip().endswith("[]"), done.stdout[-300:]
