"""Shared fixtures: the project's own small notes, and the real corpus when it is present."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TEST_DATA = Path(__file__).resolve().parent / "data"
#: Where the embedding model is (TALKSEEK_MODEL names it for the tests); then the variable
#: is turned off, so `talkseek index` in tests embeds only when a test asks (--model).
MODEL_SETTING = os.environ.get("TALKSEEK_MODEL")
os.environ["TALKSEEK_MODEL"] = "off"


def _corpus_path() -> Path:
    return Path(os.environ.get("TALKSEEK_CORPUS", ROOT.parent / "shared" / "corpus")).resolve()


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The real transcripts corpus; skipped with a reason when absent, a failure on CI."""
    path = _corpus_path()
    if not (path / "lenny").is_dir():
        message = (
            f"real corpus not found at {path}: set TALKSEEK_CORPUS to the folder holding "
            "lenny/, captions-vtt/ and ted/"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture()
def bundled_notes() -> Path:
    return ROOT / "data" / "notes"


@pytest.fixture()
def test_notes() -> Path:
    return TEST_DATA / "notes"


def write_talks(root: Path, notes: str, said: dict[str, list[str]], every: float):
    """A data folder with one notes file and, per video id, a transcript saying the lines
    given, one every `every` seconds; not indexed."""
    import json

    from indexer.core.data_folder import DataFolder

    (root / "notes").mkdir(exist_ok=True)
    (root / "notes" / "talks.md").write_text(notes, encoding="utf-8")
    (root / "transcripts").mkdir(exist_ok=True)
    for video_id, lines in said.items():
        snippets = [{"text": text, "start": every * at, "duration": 5.0}
                    for at, text in enumerate(lines)]  # fmt: skip
        (root / "transcripts" / f"{video_id}.json").write_text(json.dumps(snippets))
    return DataFolder(root)


def build_data_folder(root: Path, notes: Path, transcripts: Path | None = None) -> Path:
    """A data folder with copies of the given notes (and transcripts), indexed offline."""
    import shutil

    from indexer.engines.whoosh.build import build_index
    from indexer.ingest.collect import DataFolder, read_talks, sync_transcripts

    shutil.copytree(notes, root / "notes")
    if transcripts is not None:
        shutil.copytree(transcripts, root / "transcripts")
    folder = DataFolder(root)
    collection = sync_transcripts(read_talks(folder), folder, None)
    build_index(collection, folder.index, full=True)
    return root


@pytest.fixture(scope="session")
def fixture_data(tmp_path_factory) -> Path:
    """The test notes and transcripts, indexed once for the session (do not modify)."""
    return build_data_folder(
        tmp_path_factory.mktemp("fixture"), TEST_DATA / "notes", TEST_DATA / "transcripts"
    )


@pytest.fixture(scope="session")
def bundled_data(tmp_path_factory) -> Path:
    """The bundled re:Invent notes, indexed offline once for the session."""
    return build_data_folder(tmp_path_factory.mktemp("bundled"), ROOT / "data" / "notes")


@pytest.fixture(scope="session")
def lenny_data(corpus, tmp_path_factory) -> Path:
    """The Lenny podcast corpus indexed once per session by `talkseek index --offline`.

    What the command printed is kept in `index-output.txt` beside the data.
    """
    import shutil

    from click.testing import CliRunner

    from indexer.cli import main

    root = tmp_path_factory.mktemp("lenny")
    shutil.copytree(corpus / "lenny" / "notes", root / "notes")
    shutil.copytree(corpus / "lenny" / "transcripts", root / "transcripts")
    result = CliRunner().invoke(main, ["index", "--offline", "--data", str(root)])
    assert result.exit_code == 0, result.output
    (root / "index-output.txt").write_text(result.stdout)
    return root


@pytest.fixture(scope="session")
def captions_data(corpus, tmp_path_factory) -> Path:
    """The 84 real caption tracks as talks (one per video), indexed once for the session."""
    from indexer.engines.whoosh.build import build_index
    from indexer.ingest.collect import DataFolder, read_talks, sync_transcripts
    from tests.captions_corpus import write_caption_notes

    root = tmp_path_factory.mktemp("captions")
    write_caption_notes(corpus / "captions-vtt", root)
    folder = DataFolder(root)
    build_index(sync_transcripts(read_talks(folder), folder, None), folder.index, full=True)
    return root


@pytest.fixture(scope="session")
def web_data(tmp_path_factory) -> Path:
    """The test notes plus a hostile two-video talk, indexed once (do not modify)."""
    import shutil

    merged = tmp_path_factory.mktemp("web-sources")
    for part in ("notes", "transcripts"):
        shutil.copytree(TEST_DATA / part, merged / part)
        shutil.copytree(TEST_DATA / "web" / part, merged / part, dirs_exist_ok=True)
    return build_data_folder(
        tmp_path_factory.mktemp("web"), merged / "notes", merged / "transcripts"
    )


@pytest.fixture(scope="session")
def typesense_node(tmp_path_factory):
    """A one-node Typesense cluster for the session (skipped without the server, except on CI)."""
    from tests.typesense_servers import LocalCluster, require_server

    require_server()
    cluster = LocalCluster(tmp_path_factory.mktemp("typesense"), nodes=1)
    cluster.start()
    yield cluster
    cluster.stop()


def _model_path() -> Path:
    default = ROOT.parent / "shared" / "models" / "all-MiniLM-L6-v2-onnx"
    return Path(MODEL_SETTING or default).expanduser().resolve()


@pytest.fixture(scope="session")
def model_path() -> Path:
    """The embedding model's folder; skipped with a reason when absent, a failure on CI."""
    path = _model_path()
    if not (path / "model.onnx").is_file():
        message = (f"embedding model not found at {path}: set TALKSEEK_MODEL to a folder "
                   "holding all-MiniLM-L6-v2 exported to ONNX")  # fmt: skip
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


def copy_model(model_path: Path, folder: Path) -> Path:
    """The model's files copied into a folder of the test's own (new times, same bytes)."""
    folder.mkdir()
    for part in model_path.iterdir():
        if part.is_file():
            (folder / part.name).write_bytes(part.read_bytes())
    return folder


@pytest.fixture(scope="session")
def embedder(model_path):
    from indexer.core.embedder import load_embedder

    return load_embedder(str(model_path))
