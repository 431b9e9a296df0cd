"""Progress without a terminal: plain lines every tenth of the work or every ten seconds."""

from __future__ import annotations

import shutil

from click.testing import CliRunner

from indexer.cli import main
from indexer.cli.progress import Lines
from tests.conftest import TEST_DATA


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_lines_every_tenth_of_the_work():
    lines: list[str] = []
    progress = Lines(lines.append, Clock())
    progress.stage("indexing talks", 1000)
    for done in range(1, 1001):
        progress.update(done)
    assert len(lines) == 10
    assert lines[0] == "talkseek: indexing talks 100/1000 (10%), 0:00:00"
    assert lines[-1] == "talkseek: indexing talks 1000/1000 (100%), 0:00:00"


def test_lines_every_ten_seconds_when_the_work_is_slow():
    lines: list[str] = []
    clock = Clock()
    progress = Lines(lines.append, clock)
    progress.stage("transcripts", 1000)
    for done in range(1, 31):  # 3 % of the work in 75 s
        clock.now += 2.5
        progress.update(done)
    assert [line.split(" (")[0] for line in lines] == [
        "talkseek: transcripts 4/1000", "talkseek: transcripts 8/1000",
        "talkseek: transcripts 12/1000", "talkseek: transcripts 16/1000",
        "talkseek: transcripts 20/1000", "talkseek: transcripts 24/1000",
        "talkseek: transcripts 28/1000",
    ]  # fmt: skip
    assert lines[-1].endswith("0:01:10")


def test_an_index_run_without_a_terminal_prints_progress_lines(tmp_path):
    for part in ("notes", "transcripts"):
        shutil.copytree(TEST_DATA / part, tmp_path / part)
    result = CliRunner().invoke(main, ["index", "--offline", "--data", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "talkseek: transcripts 5/5 (100%)" in result.stderr
    assert "talkseek: indexing talks 6/6 (100%)" in result.stderr
