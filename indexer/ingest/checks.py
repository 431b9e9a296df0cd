"""`talkseek check` for what ingest keeps: cached transcripts, cut passages, parsed notes.

Each cache is read back the way ingest reads it; a file that would be ignored or
re-fetched is reported by its path within the data folder.
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path

from indexer.core.data_folder import DataFolder
from indexer.ingest.acronyms import FILE_NAME as ACRONYMS
from indexer.ingest.captions import FORMATS, CaptionError, parse_captions
from indexer.ingest.notes_cache import FILE_NAME as NOTES_CACHE
from indexer.ingest.passage_cache import MANIFEST, REPEATED, passage_digest
from indexer.ingest.passages import Passage
from indexer.ingest.titles_said import FILE_NAME as TITLES_SAID

#: Files of the passage cache that remember what was found, and the table each holds.
REMEMBERED = {MANIFEST: "videos", REPEATED: "videos", TITLES_SAID: "talks", ACRONYMS: "videos"}


def _transcript_problems(folder: Path, root: Path) -> list[str]:
    found = []
    for path in sorted(folder.glob("*")) if folder.is_dir() else []:
        name = path.relative_to(root).as_posix()
        try:
            if path.name.endswith(".status.json"):
                json.loads(path.read_text(encoding="utf-8"))
            elif path.suffix[1:] in FORMATS:
                parse_captions(path.read_text(encoding="utf-8-sig"), path.suffix[1:])
        except (OSError, UnicodeDecodeError, ValueError, CaptionError) as error:
            found.append(f"{name}: {str(error).splitlines()[0][:200]}")
    return found


def _passage_problems(folder: Path, root: Path) -> list[str]:
    found = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        name = path.relative_to(root).as_posix()
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
            if path.name in REMEMBERED:
                if not isinstance(entry.get(REMEMBERED[path.name]), dict):
                    found.append(f"{name}: not a list of {REMEMBERED[path.name]}")
                continue
            cut = [Passage(float(s), float(e), str(t)) for s, e, t in entry["passages"]]
            if passage_digest(cut) != entry["digest"]:
                found.append(f"{name}: passages do not match their digest")
        except (OSError, ValueError, TypeError, KeyError, AttributeError) as error:
            found.append(f"{name}: unreadable ({type(error).__name__})")
    return found


def cache_problems(folder: DataFolder) -> list[str]:
    """Every cached file ingest would not read as written, by path within the data folder."""
    root = folder.root
    found = _transcript_problems(folder.transcripts, root)
    found += _passage_problems(folder.index / "passages", root)
    notes_cache = folder.index / NOTES_CACHE
    if notes_cache.exists():
        try:
            with notes_cache.open("rb") as stream:
                stored = pickle.load(stream)  # our own file, as ingest reads it
            if not isinstance(stored, dict) or not isinstance(stored.get("files"), dict):
                found.append(f"{notes_cache.relative_to(root).as_posix()}: not a notes cache")
        except Exception as error:  # any unpickling failure means the same: unreadable
            found.append(f"{notes_cache.relative_to(root).as_posix()}: unreadable "
                         f"({type(error).__name__})")  # fmt: skip
    return found
