"""The records that flow from notes to the index: talks, their videos and note items."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

SAFE_ID = re.compile(r"[A-Za-z0-9_-]{1,120}")  # also a file name: no dots, no slashes


@dataclass(frozen=True)
class NoteItem:
    """One bullet or paragraph a person wrote, with where it came from, and the moment a
    video link in it points at (`[SnapStart](https://youtu.be/ID?t=754)`), if one does."""

    text: str
    line: int
    depth: int = 0
    video_id: str | None = None
    start: float | None = None


@dataclass(frozen=True)
class VideoRef:
    """A video of a talk.

    `kind` is "youtube" for a real YouTube id, "local" for a transcript that only
    exists as a file (its id is a file name), and "external" for a video on
    another site (`url` opens it; the transcript is a local file named `video_id`).
    """

    video_id: str
    url: str
    line: int
    start: float | None = None
    kind: str = "youtube"


@dataclass(frozen=True)
class Talk:
    """A talk as the notes describe it: the unit results are grouped by."""

    id: str
    title: str
    source: str
    line: int
    event: str = ""
    section: tuple[str, ...] = ()
    speaker: str = ""
    role: str = ""
    description: str = ""
    keywords: tuple[str, ...] = ()
    publish_date: str = ""
    videos: tuple[VideoRef, ...] = ()
    notes: tuple[NoteItem, ...] = ()


@dataclass(frozen=True)
class NoteWarning:
    """A problem in the notes, reported as `path:line: message` and never fatal."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return (
            f"{self.path}:{self.line}: {self.message}"
            if self.line
            else f"{self.path}: {self.message}"
        )


@dataclass
class ParsedNotes:
    """What a notes file (or folder) yields: talks, plus what was wrong with it."""

    talks: list[Talk] = field(default_factory=list)
    warnings: list[NoteWarning] = field(default_factory=list)

    def extend(self, other: ParsedNotes) -> None:
        self.talks.extend(other.talks)
        self.warnings.extend(other.warnings)


def slugify(text: str, limit: int = 60) -> str:
    """A URL- and file-safe id fragment: ascii, lowercase, dashes."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")
    return slug[:limit].rstrip("-") or "talk"


def vector_text_of_talk(title: str, description: str) -> str:
    """What a talk's own meaning vector is made of: its title and description."""
    return "\n".join(part for part in (title.strip(), description.strip()) if part)
