"""Parsed notes remembered per file, so an update re-parses only the files that changed.

Parsing front matter and markdown is most of reading thousands of notes files.
The cache is one pickle in the index folder: for each file, the hash of its text
and what parsing it gave; a fingerprint of the parsing code makes a cache written
by other code stale as a whole. It is generated data: deleting it only costs time.
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Callable
from pathlib import Path

from indexer.core.files import atomic_write
from indexer.core.talks import ParsedNotes
from indexer.ingest.fingerprint import code_fingerprint

FILE_NAME = "notes-cache.pickle"

#: The code that turns notes into talks: the parser and every module of ours it imports.
CODE_MODULES = ("indexer.ingest.notes", "indexer.ingest.note_lines", "indexer.ingest.front_matter",
                "indexer.core.talks", "indexer.core.youtube")  # fmt: skip
#: Changes whenever that code changes.
CODE_FINGERPRINT = code_fingerprint(*CODE_MODULES)


class NotesCache:
    """`parse(relative, text)` through the cache; `save()` keeps only the files seen."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries = self._load(path)
        self.seen: dict[str, tuple[str, ParsedNotes]] = {}
        self.parsed = 0

    @staticmethod
    def _load(path: Path) -> dict[str, tuple[str, ParsedNotes]]:
        try:
            with path.open("rb") as file:
                stored = pickle.load(file)  # our own index folder, like Whoosh's own pickles
            if stored.get("code") == CODE_FINGERPRINT:
                return dict(stored["files"])
        except Exception:  # missing, damaged or from other code: parse everything again
            pass
        return {}

    def parse(
        self, relative: str, text: str, parse: Callable[[str, str], ParsedNotes]
    ) -> ParsedNotes:
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
        cached = self.entries.get(relative)
        if cached is not None and cached[0] == digest:
            parsed = cached[1]
        else:
            parsed = parse(text, relative)
            self.parsed += 1
        self.seen[relative] = (digest, parsed)
        return parsed

    def save(self) -> None:
        """Write the cache if anything changed; a cache that cannot be written is only slower."""
        if not self.parsed and self.seen.keys() == self.entries.keys():
            return
        payload = pickle.dumps({"code": CODE_FINGERPRINT, "files": self.seen}, protocol=5)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(self.path, payload)
        except OSError:
            pass
