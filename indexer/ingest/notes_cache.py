"""Parsed notes remembered per file, so an update re-parses only the files that changed.

Parsing front matter and markdown is most of reading thousands of notes files.
The cache is one pickle in the index folder: for each file, the hash of its text,
what parsing it gave, and the file's metadata when it was read, so that a file
unchanged since (`file_trust`) is not even read again. A fingerprint of the parsing
code makes a cache written by other code stale as a whole. It is generated data:
deleting it only costs time.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Callable
from pathlib import Path

from indexer.core.files import atomic_write
from indexer.core.talks import ParsedNotes
from indexer.ingest.file_trust import signature, unchanged
from indexer.ingest.fingerprint import code_fingerprint

FILE_NAME = "notes-cache.pickle"
#: The layout of the pickle: bumped when it changes, so an older cache is not misread.
FORMAT = 2  # 2: each file's metadata beside its digest and notes

#: The code that turns notes into talks: the parser and every module of ours it imports.
CODE_MODULES = ("indexer.ingest.notes", "indexer.ingest.note_lines", "indexer.ingest.front_matter",
                "indexer.ingest.mojibake", "indexer.core.talks",
                "indexer.core.youtube")  # fmt: skip
#: Changes whenever that code changes.
CODE_FINGERPRINT = code_fingerprint(*CODE_MODULES)


#: Per file (its path in the notes folder): its text's digest, its notes, and its
#: metadata when read (None: read it again next time).
Entry = tuple[str, ParsedNotes, dict[str, int] | None]


class NotesCache:
    """`parse(relative, text)` through the cache, `unchanged(relative, status)` for a file
    not to read again; `save()` keeps only the files seen."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries = self._load(path)
        self.seen: dict[str, Entry] = {}
        self.parsed = 0
        self.unread = 0  # files trusted unchanged by their metadata
        self.changed = False

    @staticmethod
    def _load(path: Path) -> dict[str, Entry]:
        try:
            with path.open("rb") as file:
                stored = pickle.load(file)  # our own index folder, like Whoosh's own pickles
            if stored.get("code") == CODE_FINGERPRINT and stored.get("format") == FORMAT:
                return dict(stored["files"])
        except Exception:  # missing, damaged or from other code: parse everything again
            pass
        return {}

    def unchanged(self, relative: str, status: os.stat_result) -> ParsedNotes | None:
        """The notes recorded for a file its metadata shows unchanged since, else None."""
        entry = self.entries.get(relative)
        if entry is None or entry[2] is None or not unchanged(status, entry[2]):
            return None
        self.seen[relative] = entry
        self.unread += 1
        return entry[1]

    def parse(
        self,
        relative: str,
        text: str,
        parse: Callable[[str, str], ParsedNotes],
        status: os.stat_result | None = None,
    ) -> ParsedNotes:
        """The notes of a file's text, parsed only when the text changed; `status` (taken
        before reading the text) lets the next run trust the file unchanged."""
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
        cached = self.entries.get(relative)
        if cached is not None and cached[0] == digest:
            parsed = cached[1]
        else:
            parsed = parse(text, relative)
            self.parsed += 1
        self.seen[relative] = (digest, parsed, signature(status) if status else None)
        self.changed = True
        return parsed

    def save(self) -> None:
        """Write the cache if anything changed; a cache that cannot be written is only slower."""
        if not self.changed and self.seen.keys() == self.entries.keys():
            return
        payload = pickle.dumps(
            {"code": CODE_FINGERPRINT, "format": FORMAT, "files": self.seen}, protocol=5
        )
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(self.path, payload)
        except OSError:
            pass
