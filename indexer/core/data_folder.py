"""Where talkseek keeps things under one `--data` folder (a small module: the server's
supervising process imports it and little else)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class DataFolder:
    """The notes, transcripts and index folders under one root."""

    root: Path

    @property
    def notes(self) -> Path:
        return self.root / "notes"

    @property
    def transcripts(self) -> Path:
        return self.root / "transcripts"

    @property
    def index(self) -> Path:
        return self.root / "index"
