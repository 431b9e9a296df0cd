"""Faults around a build: a full disk, a read-only index, no talks, and --strict.

The disk is filled for real: the build runs in a child process whose file-size
limit (RLIMIT_FSIZE) makes the operating system refuse its large writes.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from indexer.cli import main
from tests.conftest import TEST_DATA, build_data_folder
from tests.searching import search

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture()
def data(tmp_path):
    return build_data_folder(tmp_path / "data", TEST_DATA / "notes", TEST_DATA / "transcripts")


def hopper_found(data: Path) -> bool:
    results = search(data / "index", "nanosecond")["results"]
    return [r["talk"]["title"] for r in results] == ["Grace Hopper - Rear Admiral"]


def index_command(data: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "indexer", "index", "--offline", "--data", str(data), *extra]


def test_a_full_disk_is_a_clear_error_and_keeps_the_index(data):
    # A new talk with many notes, so the rebuilt index needs more room than there is.
    bullets = "\n".join(f"* Bullet {n} about memory hierarchies and caches" for n in range(3000))
    (data / "notes" / "big.md").write_text(f"# A long talk\n\n{bullets}\n")

    def small_disk() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a refused write fails, not kills
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))

    done = subprocess.run(index_command(data, "--full"), capture_output=True, text=True,
                          preexec_fn=small_disk, cwd=ROOT, timeout=300)  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert "cannot write the index in" in done.stderr
    assert "File too large" in done.stderr
    assert "the previous index, if any, is still the one searched" in done.stderr
    assert "Traceback" not in done.stderr
    assert hopper_found(data)
    assert search(data / "index", "hierarchies")["total"] == 0
    done = subprocess.run(index_command(data), capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert search(data / "index", "hierarchies")["total"] == 1


def _read_only(folder: Path):
    """Make a folder read-only even for root (a read-only bind mount), or skip."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        return lambda: folder.chmod(0o755)
    bind = subprocess.run(["mount", "--bind", str(folder), str(folder)], capture_output=True)
    if bind.returncode != 0:
        pytest.skip("running as root without mount rights: cannot make a folder read-only")
    subprocess.run(["mount", "-o", "remount,ro,bind", str(folder)], check=True)
    return lambda: subprocess.run(["umount", str(folder)], check=True)


def test_a_read_only_index_folder_is_a_clear_error_and_keeps_the_index(data):
    (data / "notes" / "extra.md").write_text("# Extra talk\n\n* Something about zeppelins\n")
    undo = _read_only(data / "index")
    try:
        done = subprocess.run(index_command(data), capture_output=True, text=True, cwd=ROOT)
    finally:
        undo()
    assert done.returncode == 1
    assert "Read-only file system" in done.stderr or "Permission denied" in done.stderr
    assert "Traceback" not in done.stderr
    assert hopper_found(data)


def test_a_notes_folder_without_talks_leaves_the_index_alone(data):
    shutil.rmtree(data / "notes")
    (data / "notes").mkdir()
    (data / "notes" / "draft.md").write_text("Just a paragraph, no talk yet.\n")
    result = CliRunner().invoke(main, ["index", "--offline", "--data", str(data)])
    assert result.exit_code == 1
    assert "no talks found in" in result.output and "left as it was" in result.output
    assert hopper_found(data)


def test_warnings_exit_zero_unless_strict(data):
    result = CliRunner().invoke(main, ["index", "--offline", "--data", str(data)])
    assert result.exit_code == 0, result.output
    assert "warning" in result.stderr  # the test notes hold a channel link, not a video
    result = CliRunner().invoke(main, ["index", "--offline", "--strict", "--data", str(data)])
    assert result.exit_code == 1
    assert "--strict: 1 notes warnings, 3 videos without a fresh transcript" in result.output


def test_strict_passes_on_clean_notes(tmp_path):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "clean.md").write_text("# A talk\n\n* A clean note\n")
    result = CliRunner().invoke(main, ["index", "--offline", "--strict", "--data", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (
        json.loads(
            CliRunner().invoke(main, ["search", "--json", "--data", str(tmp_path), "clean"]).stdout
        )["total"]
        == 1
    )


def _children(pid: int) -> list[int]:
    """Processes whose parent is `pid` (read from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads processes from /proc (Linux)")
def test_a_build_killed_with_its_workers_running_does_not_block_the_next(lenny_data, tmp_path):
    """SIGKILL to a full build's parent while its writer processes run: they die with it,
    the lock goes with them, and the next build starts at once."""
    data = tmp_path / "data"
    for part in ("notes", "transcripts", "index"):
        shutil.copytree(lenny_data / part, data / part)
    build = subprocess.Popen(index_command(data, "--full"), cwd=ROOT, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while not (list((data / "index").glob(".building-*")) and len(_children(build.pid)) >= 2):
            assert build.poll() is None and time.monotonic() < deadline, "no workers seen"
            time.sleep(0.05)
        workers = _children(build.pid)
        build.send_signal(signal.SIGKILL)
        build.wait()
        # at once, not after the orphans finish their part
        again = subprocess.run(index_command(data), capture_output=True, text=True, cwd=ROOT,
                               timeout=600)  # fmt: skip
        assert "another talkseek build is running" not in again.stderr
        assert again.returncode == 0, again.stderr[-2000:]
        assert not [pid for pid in workers if _alive(pid)]
    finally:
        if build.poll() is None:
            build.kill()
