"""What a generation holds, recorded when it is built and checked before it is trusted.

A generation's files never change once written, so a build records every file's
size, modification time and SHA-256 in `checksums.json`. Opening a generation
compares sizes and times (a few hundred `stat` calls: a truncated, replaced or
deleted file is caught before Whoosh reads it); `talkseek check` compares the
hashes too (a byte flipped in place). An update links most files from the
generation before it, so only the files it wrote are hashed again.

A file whose time alone changed is hashed: a data folder copied without its times
(`cp -r`, a restored backup) holds the same bytes, and is not damaged. Its new times
are then recorded, so the next opening is cheap again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path

from indexer.core.files import atomic_write

MANIFEST = "checksums.json"


def _hash(path: Path) -> str:
    with path.open("rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


def _files(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*") if path.is_file() and path.name != MANIFEST)


def _read(folder: Path) -> dict[str, dict]:
    try:
        stored = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        files = stored["files"]
        return files if isinstance(files, dict) else {}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def record(folder: Path, previous: Path | None = None) -> int:
    """Write the manifest of a finished generation; returns how many files were hashed.

    Entries of `previous` are reused for files linked from it (same size, time and
    inode), so an update hashes only what it wrote.
    """
    known = _read(previous) if previous is not None else {}
    entries: dict[str, dict] = {}
    hashed = 0
    for path in _files(folder):
        relative = path.relative_to(folder).as_posix()
        status = path.stat()
        entry: dict[str, int | str] = {
            "size": status.st_size, "mtime_ns": status.st_mtime_ns, "inode": status.st_ino
        }
        old = known.get(relative)
        if old is not None and all(old.get(key) == value for key, value in entry.items()):
            entry["sha256"] = old["sha256"]
        else:
            entry["sha256"] = _hash(path)
            hashed += 1
        entries[relative] = entry
    atomic_write(folder / MANIFEST, json.dumps({"files": entries}))
    return hashed


def problems(folder: Path, thorough: bool = False) -> list[str]:
    """What is wrong with a generation's files, by name within it (empty: intact).

    Cheap by default (sizes and times); `thorough` hashes every file as well.
    """
    entries = _read(folder)
    if not entries:
        return [f"{MANIFEST} is missing or unreadable"]
    found = []
    retimed = False
    for relative, entry in sorted(entries.items()):
        path = folder / relative
        try:
            status = os.stat(path)
        except OSError:
            found.append(f"{relative} is missing")
            continue
        if status.st_size != entry.get("size"):
            found.append(f"{relative} has {status.st_size} bytes, not {entry.get('size')}")
        elif status.st_mtime_ns != entry.get("mtime_ns"):
            if _hash(path) != entry.get("sha256"):
                found.append(f"{relative} was changed after the build")
            else:  # the same bytes under a new time: copied
                entry.update(mtime_ns=status.st_mtime_ns, inode=status.st_ino)
                retimed = True
        elif thorough and _hash(path) != entry.get("sha256"):
            found.append(f"{relative} does not match its checksum")
    if retimed and not found:
        # a read-only copy keeps its old record: checked again, by hash, at the next opening
        with contextlib.suppress(OSError):
            atomic_write(folder / MANIFEST, json.dumps({"files": entries}))
    return found
