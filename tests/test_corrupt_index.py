"""A damaged index is never served: the last intact generation answers, or a clear 503;
`talkseek check` says what is wrong; the next `talkseek index` rebuilds in full."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from indexer.cli import main
from indexer.engines.whoosh import generations
from tests.conftest import TEST_DATA, build_data_folder
from webapp import create_app
from webapp.engine_cache import close_engine

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture()
def data(tmp_path) -> Path:
    return build_data_folder(tmp_path / "data", TEST_DATA / "notes", TEST_DATA / "transcripts")


def _generation(data: Path) -> Path:
    folder = generations.current(data / "index")
    assert folder is not None
    return folder


def overwrite_middle(path: Path, size: int = 20 * 1024) -> None:
    """Garbage over `size` bytes in the middle of a file (as a faulty disk or tool would)."""
    length = path.stat().st_size
    size = min(size, max(1, length // 2))
    with path.open("r+b") as stream:
        stream.seek((length - size) // 2)
        stream.write(os.urandom(size))


def cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def _add_talk(data: Path) -> None:
    (data / "notes" / "extra.md").write_text("# Zeppelin lore\n\n* zeppelinology in depth\n")


def _damage_cases(generation: Path) -> dict[str, Path]:
    segment = next((generation / "postings").iterdir())
    return {
        "positions": segment / "transcript.positions.npy",
        "offsets": segment / "transcript.offsets.npy",
        "docs": segment / "transcript.docs.npy",
        "terms": next(generation.glob("*.trm")),
        "stored": next(generation.glob("*_stored.col"), next(generation.glob("*.col"))),
        "toc": next(generation.glob("*.toc")),
    }


@pytest.mark.parametrize("case", ["positions", "offsets", "docs", "terms", "stored", "toc"])
def test_a_damaged_generation_is_not_served_and_the_next_build_rebuilds_it(data, case):
    target = _damage_cases(_generation(data))[case]
    if case == "toc":
        target.unlink()
    elif case in ("terms", "stored"):
        with target.open("r+b") as stream:  # truncated
            stream.truncate(target.stat().st_size // 2)
    else:
        overwrite_middle(target)

    code, output = cli("search", "--data", str(data), "nanosecond")
    assert code == 1 and "the index is damaged" in output and "Traceback" not in output
    code, output = cli("check", "--data", str(data))
    assert code == 1 and target.name in output

    code, output = cli("index", "--offline", "--data", str(data))
    assert code == 0, output
    assert "the index was damaged" in output and "rebuilt in full" in output
    code, output = cli("search", "--data", str(data), "--json", "nanosecond")
    assert code == 0 and json.loads(output)["total"] == 1
    code, output = cli("check", "--data", str(data))
    assert code == 0 and "intact" in output


def test_damage_that_keeps_size_and_time_is_found_by_a_thorough_check(data):
    target = _damage_cases(_generation(data))["positions"]
    status = target.stat()
    overwrite_middle(target)
    os.utime(target, ns=(status.st_atime_ns, status.st_mtime_ns))
    assert cli("check", "--quick", "--data", str(data))[0] == 0
    code, output = cli("check", "--data", str(data))
    assert code == 1 and f"{target.name} does not match its checksum" in output


def test_the_server_keeps_serving_the_last_intact_generation(data):
    before = _generation(data)
    _add_talk(data)
    assert cli("index", "--offline", "--data", str(data))[0] == 0
    damaged = _generation(data)
    assert damaged != before
    # a file the update wrote (the others are hard links shared with the generation before)
    own = [path for path in (damaged / "postings").rglob("*.positions.npy")
           if path.stat().st_nlink == 1]  # fmt: skip
    assert own
    overwrite_middle(own[0])
    app = create_app({"DATA_DIR": data})
    try:
        client = app.test_client()
        health = client.get("/healthz").get_json()
        assert health["generation"] == before.name
        assert client.get("/api/search?q=nanosecond").get_json()["total"] == 1
    finally:
        close_engine(app)


def test_with_no_intact_generation_the_server_answers_503_and_keeps_running(data):
    overwrite_middle(_damage_cases(_generation(data))["docs"])
    app = create_app({"DATA_DIR": data})
    try:
        client = app.test_client()
        for path in ("/api/search?q=nanosecond", "/healthz"):
            answer = client.get(path)
            assert answer.status_code == 503
            message = answer.get_json()["error"]["message"]
            assert "damaged" in message and "talkseek index" in message
            assert str(data) not in message and "/" not in message.split("(")[0]
        page = client.get("/search?q=nanosecond")
        assert page.status_code == 503 and b"damaged" in page.data
    finally:
        close_engine(app)


def test_a_real_server_with_a_damaged_index_does_not_lose_its_workers(data):
    from bench.http_load import start_server, stop_server

    (_generation(data) / "checksums.json").unlink()
    server = start_server(data, threads=2, workers=2)
    try:
        for _ in range(3):
            done = subprocess.run(
                [sys.executable, "-c", f"import urllib.request as u\ntry:\n u.urlopen("
                 f"{server.url + '/healthz'!r}, timeout=10)\nexcept Exception as e:\n print(e)"],
                capture_output=True, text=True, timeout=30,
            )  # fmt: skip
            assert "503" in done.stdout
        assert server.process.poll() is None
    finally:
        stop_server(server)


def test_error_answers_never_show_paths_of_the_machine(tmp_path):
    empty = tmp_path / "nothing-here"
    (empty / "notes").mkdir(parents=True)
    app = create_app({"DATA_DIR": empty})
    answer = app.test_client().get("/api/search?q=anything")
    assert answer.status_code == 503
    assert str(tmp_path) not in answer.get_data(as_text=True)


def test_a_failed_build_leaves_no_partial_folder(data):
    bullets = "\n".join(f"* Bullet {n} about memory hierarchies" for n in range(3000))
    (data / "notes" / "big.md").write_text(f"# A long talk\n\n{bullets}\n")
    index = data / "index"
    shutil.rmtree(index / "passages", ignore_errors=True)
    done = subprocess.run(
        [sys.executable, "-m", "indexer", "index", "--offline", "--full", "--data", str(data)],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
        preexec_fn=_small_disk,
    )  # fmt: skip
    assert done.returncode == 1
    assert not list(index.glob(".building-*"))


def _small_disk() -> None:
    import resource
    import signal

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))


def test_the_damage_is_logged_once_however_often_it_is_met(data, caplog):
    from indexer.core.data_folder import DataFolder
    from indexer.engines import open_engine
    from indexer.engines.protocol import IndexDamaged

    overwrite_middle(_damage_cases(_generation(data))["docs"])
    for _ in range(3):
        engine = open_engine(DataFolder(data))
        with pytest.raises(IndexDamaged):
            engine.warm()
    damaged = [r for r in caplog.records if "is damaged" in r.getMessage()]
    assert len(damaged) == 1 and "transcript.docs.npy" in damaged[0].getMessage()


def test_a_data_folder_copied_without_its_times_is_served_and_updated(data, tmp_path):
    """`cp -r` gives every file a new time but the same bytes: not damage."""
    copy = tmp_path / "copy"
    shutil.copytree(data, copy, copy_function=shutil.copy)  # contents and modes, new times
    manifest = _generation(copy) / "checksums.json"
    recorded = json.loads(manifest.read_text())["files"]
    toc = next(name for name in recorded if name.endswith(".toc"))
    assert (_generation(copy) / toc).stat().st_mtime_ns != recorded[toc]["mtime_ns"]

    code, output = cli("search", "--data", str(copy), "--json", "nanosecond")
    assert code == 0 and json.loads(output)["total"] == 1
    after = json.loads(manifest.read_text())["files"]  # the new times, recorded
    assert after[toc]["mtime_ns"] == (_generation(copy) / toc).stat().st_mtime_ns
    code, output = cli("check", "--data", str(copy))
    assert code == 0 and "intact" in output
    _add_talk(copy)
    code, output = cli("index", "--offline", "--data", str(copy))
    assert code == 0 and "damaged" not in output and "1 talks added" in output, output

    target = _damage_cases(_generation(copy))["positions"]  # new bytes under a new time
    overwrite_middle(target)
    os.utime(target, ns=(1, 1))
    code, output = cli("check", "--quick", "--data", str(copy))
    assert code == 1 and f"{target.name} was changed after the build" in output
