"""Shared fixtures: the project's own small notes, and the real corpus when it is present."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TEST_DATA = Path(__file__).resolve().parent / "data"


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
