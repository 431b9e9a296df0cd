"""Files in which ingest remembers what it found (`titles.json`, `acronyms.json`), so an
update works again only where its input changed.

Each holds the fingerprint of the code that wrote it and one table; a file written by
other code, or damaged, reads as empty: everything is found again, and written anew.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

from indexer.core.files import atomic_write


def read_remembered(path: Path, code: str, table: str) -> dict:
    """The table of a file written by this code; empty for any other or none."""
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        if stored["code"] == code and isinstance(stored[table], dict):
            return dict(stored[table])
    except (OSError, ValueError, TypeError, KeyError):
        pass
    return {}


def remember(path: Path, code: str, table: str, entries: dict) -> None:
    """Write the table, atomically; a folder that cannot be written costs only the time of
    finding it all again next run."""
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, json.dumps({"code": code, table: entries}))
