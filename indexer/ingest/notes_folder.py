"""A folder of notes files → talks and warnings: each file read defensively (too large,
binary, not UTF-8, not a file), parsed through the cache, and talk ids kept unique
across files. Parsing one file's text is `notes`' job.
"""

from __future__ import annotations

import os
import stat
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from indexer.core.talks import NoteWarning, ParsedNotes, Talk
from indexer.ingest.notes import parse_notes
from indexer.ingest.text_decoding import decode_text

if TYPE_CHECKING:
    from indexer.ingest.notes_cache import NotesCache

MAX_NOTES_BYTES = 8 * 2**20  # far beyond hand-written notes; a bigger file is likely not notes


def read_notes_folder(folder: Path, cache: NotesCache | None = None) -> ParsedNotes:
    """Parse every `*.md` under a folder; a broken file becomes a warning, never an abort.

    With a cache, files whose text has not changed are not parsed again, and files
    unchanged since the cache recorded them (`file_trust`) are not even read.
    """
    result = ParsedNotes()
    seen: dict[str, Talk] = {}
    next_number: dict[str, int] = {}
    for file in sorted(folder.rglob("*.md")):
        relative = file.relative_to(folder).as_posix()
        parsed, warnings = _parsed_file(file, relative, cache)
        result.warnings.extend(warnings)
        if parsed is None:
            continue
        result.warnings.extend(parsed.warnings)
        for talk in parsed.talks:
            if talk.id in seen:
                first = seen[talk.id]
                result.warnings.append(
                    NoteWarning(
                        relative,
                        talk.line,
                        f"duplicate talk {talk.title!r} "
                        f"(also at {first.source}:{first.line}); kept both",
                    )
                )
                talk = _with_unique_id(talk, seen, next_number)
            seen[talk.id] = talk
            result.talks.append(talk)
    return result


def _parsed_file(file: Path, relative: str, cache: NotesCache | None
                 ) -> tuple[ParsedNotes | None, list[NoteWarning]]:  # fmt: skip
    """One file's notes (None: not notes) and what reading it warned of; a file the cache
    recorded, unchanged since, is not read again."""
    status, warning = _stat(file, relative)
    if status is None:
        return None, [warning] if warning else []
    if cache is not None and (recorded := cache.unchanged(relative, status)) is not None:
        return recorded, []
    text, warning = _read_text(file, relative)
    warnings = [warning] if warning else []
    if text is None:
        return None, warnings
    try:
        if cache is None:
            return parse_notes(text, relative), warnings
        # a file read with a warning is read (and warned of) again next time
        return cache.parse(relative, text, parse_notes, None if warning else status), warnings
    except Exception as error:  # one file's problem, never the whole build's end
        message = f"cannot be read as notes ({type(error).__name__}: {error}); skipped"
        return None, [*warnings, NoteWarning(relative, 0, message[:300])]


def _with_unique_id(talk: Talk, seen: dict[str, Talk], next_number: dict[str, int]) -> Talk:
    """The talk under its id and the first free number from 2 on; `next_number` remembers
    where the last search for that id stopped (a folder may repeat a title thousands of
    times: counting up from 2 each time grew with the square of them)."""
    number = next_number.get(talk.id, 2)
    while f"{talk.id}-{number}" in seen:
        number += 1
    next_number[talk.id] = number + 1
    return replace(talk, id=f"{talk.id}-{number}")


def _stat(file: Path, relative: str) -> tuple[os.stat_result | None, NoteWarning | None]:
    """The file's status when it may be notes, or None with a warning saying why not
    (unreadable, a folder or device, too large)."""
    limit = MAX_NOTES_BYTES // 2**20
    try:
        status = file.stat()  # through a link: what would be read
    except OSError as error:
        return None, NoteWarning(relative, 0, f"cannot read file: {error.strerror or error}")
    if stat.S_ISDIR(status.st_mode):
        return None, NoteWarning(relative, 0, "cannot read file: it is a folder")
    if not stat.S_ISREG(status.st_mode):
        return None, NoteWarning(relative, 0, "not a regular file (a device, pipe or "
                                              "socket); skipped")  # fmt: skip
    if status.st_size > MAX_NOTES_BYTES:
        message = (f"file too large for notes ({status.st_size / 2**20:.0f} MB; the limit is "
                   f"{limit} MB); skipped")  # fmt: skip
        return None, NoteWarning(relative, 0, message)
    return status, None


def _read_text(file: Path, relative: str) -> tuple[str | None, NoteWarning | None]:
    """The file as text, or None, with a warning saying why (unreadable, huge, binary) or
    how it was read (not all UTF-8); `_stat` has found it may be notes."""
    limit = MAX_NOTES_BYTES // 2**20
    try:
        with file.open("rb") as stream:  # the size can lie (a file growing): read the cap
            data = stream.read(MAX_NOTES_BYTES + 1)
    except OSError as error:
        return None, NoteWarning(relative, 0, f"cannot read file: {error.strerror or error}")
    if len(data) > MAX_NOTES_BYTES:
        message = f"file too large for notes (over {limit} MB; the limit is {limit} MB); skipped"
        return None, NoteWarning(relative, 0, message)
    if b"\x00" in data[:8192]:
        return None, NoteWarning(relative, 0, "binary file, not markdown; skipped")
    text, problem = decode_text(data)
    return text, NoteWarning(relative, *problem) if problem else None
